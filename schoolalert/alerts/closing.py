"""Closing an alert and destroying its images at once, verifiably (PRODUCT §3, I2).

Closing — by the investigator (``identified``, ``withdrawn``) or by the clock (``expired``) —
ends all access, destroys the alert's image key and deletes the encrypted files in one
transaction, then checks that nothing readable remains, asks every plugin to purge its copies,
writes the purge record and thanks the schools. Responses stay for the investigation until the
retention period ends; then their key is destroyed too.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import PURGE_READERS, Role, require_role
from schoolalert.alerts import keys
from schoolalert.alerts.models import (
    Alert,
    AlertImage,
    AlertStatus,
    CloseReason,
    PurgeRecord,
    Response,
)
from schoolalert.alerts.police import police_alert
from schoolalert.alerts.settings import setting
from schoolalert.audit import services as audit
from schoolalert.database import utcnow
from schoolalert.errors import Conflict, InvalidInput, NotFound
from schoolalert.events import AlertClosed, AlertPurged
from schoolalert.extensions import db
from schoolalert.notifications.services import end_notifications
from schoolalert.plugin_types import PurgeReport

logger = logging.getLogger(__name__)

CLOSABLE_BY_INVESTIGATOR = {CloseReason.IDENTIFIED.value, CloseReason.WITHDRAWN.value}


def close(actor: User, alert_id: int, reason: str) -> PurgeRecord:
    """The investigator ends an alert: identified (only once published) or withdrawn."""
    require_role(actor, Role.INVESTIGATOR)
    if reason not in CLOSABLE_BY_INVESTIGATOR:
        raise InvalidInput(str(_l("Close as identified or withdrawn.")), field="reason")
    alert = police_alert(actor, alert_id, for_update=True)
    if alert.status == AlertStatus.CLOSED:
        raise Conflict(str(_l("This alert is already closed.")))
    if reason == CloseReason.IDENTIFIED and alert.status != AlertStatus.PUBLISHED:
        raise Conflict(str(_l("Only a published alert can be closed as identified.")))
    return close_and_purge(alert, CloseReason(reason), actor)


def expire_due_alerts() -> int:
    """Close every published alert whose end time has passed (periodic task and CLI)."""
    due = db.session.scalars(
        select(Alert.id).where(Alert.status == AlertStatus.PUBLISHED, Alert.expires_at <= utcnow())
    ).all()
    for alert_id in due:
        alert = db.session.get(Alert, alert_id, with_for_update=True, populate_existing=True)
        if alert is not None and alert.status == AlertStatus.PUBLISHED:
            close_and_purge(alert, CloseReason.EXPIRED, None)
    return len(due)


def close_and_purge(alert: Alert, reason: CloseReason, actor: User | None) -> PurgeRecord:
    now = utcnow()
    was_published = alert.status == AlertStatus.PUBLISHED
    alert.status = AlertStatus.CLOSED
    alert.closed_at, alert.closed_by_id, alert.close_reason = (
        now,
        actor.id if actor else None,
        reason,
    )
    alert.updated_at = now
    alert.description_sealed = None
    keys.destroy_image_key(alert.id)
    store = current_app.extensions["schoolalert.blobs"]
    names = [image.blob_name for image in alert.images if image.blob_name]
    for image in alert.images:
        if image.blob_name:
            store.delete(image.blob_name)
            image.blob_name = None
            image.destroyed_at = now
    db.session.flush()
    files_removed = not any(store.exists(name) for name in names)
    key_destroyed = not keys.image_key_exists(alert.id)
    no_ciphertext_left = _nothing_sealed_left(alert.id)
    reports = _plugin_reports(alert.id)
    record = PurgeRecord(
        alert_id=alert.id,
        reason=reason,
        purged_by_id=actor.id if actor else None,
        purged_at=now,
        images_destroyed=len(names),
        files_removed=files_removed,
        key_destroyed=key_destroyed,
        decryption_impossible=files_removed and no_ciphertext_left and _key_unusable(alert.id),
        verified=files_removed
        and key_destroyed
        and no_ciphertext_left
        and all(report.verified for report in reports),
        plugin_reports=[report.__dict__ for report in reports],
    )
    db.session.add(record)
    db.session.flush()
    audit.record(
        "alert.closed",
        actor=actor,
        object_type="alert",
        object_id=alert.id,
        alert_id=alert.id,
        details={"reason": reason.value},
    )
    audit.record(
        "alert.purged",
        actor=actor,
        object_type="alert",
        object_id=alert.id,
        alert_id=alert.id,
        details={"images": len(names), "verified": record.verified},
    )
    plugins = current_app.extensions["schoolalert.plugins"]
    plugins.track_event(
        AlertClosed(alert_id=alert.id, reason=reason.value, actor_id=record.purged_by_id)
    )
    plugins.track_event(
        AlertPurged(alert_id=alert.id, verified=record.verified, actor_id=record.purged_by_id)
    )
    if was_published:
        end_notifications(alert.id)
    return record


def purge_record(actor: User, alert_id: int) -> PurgeRecord:
    """For investigators, prosecutors and administrators (the OM and the DPO)."""
    require_role(actor, *PURGE_READERS)
    record = db.session.get(PurgeRecord, alert_id)
    if record is None:
        raise NotFound("no purge record for this alert")
    return record


def purge_expired_responses() -> int:
    """Crypto-shred the tips of alerts closed longer ago than the retention period."""
    limit = utcnow() - timedelta(days=setting("RESPONSE_RETENTION_DAYS"))
    records = db.session.scalars(
        select(PurgeRecord).where(
            PurgeRecord.responses_purged_at.is_(None), PurgeRecord.purged_at <= limit
        )
    ).all()
    now = utcnow()
    for record in records:
        keys.destroy_response_key(record.alert_id)
        db.session.execute(
            update(Response)
            .where(Response.alert_id == record.alert_id)
            .values(tip_sealed=None, purged_at=now)
            .execution_options(synchronize_session=False)
        )
        record.responses_purged_at = now
        audit.record(
            "responses.purged",
            object_type="alert",
            object_id=record.alert_id,
            alert_id=record.alert_id,
        )
    db.session.flush()
    return len(records)


def _nothing_sealed_left(alert_id: int) -> bool:
    """Asked from the database: no description and no image file name is left."""
    description = db.session.scalar(select(Alert.description_sealed).where(Alert.id == alert_id))
    images = db.session.scalar(
        select(db.func.count()).where(
            AlertImage.alert_id == alert_id, AlertImage.blob_name.is_not(None)
        )
    )
    return description is None and not images


def _key_unusable(alert_id: int) -> bool:
    """Try to get the image key the way a viewer would: it must be gone."""
    try:
        keys.image_key(alert_id)
    except NotFound:
        return True
    return False


def _plugin_reports(alert_id: int) -> list[PurgeReport]:
    """Each enabled plugin purges its copies; a failing plugin is reported, never hidden."""
    reports: list[PurgeReport] = []
    plugins = current_app.extensions["schoolalert.plugins"]
    for plugin, function, _argnames in plugins.implementations("schoolalert_purge_alert"):
        try:
            with db.session.begin_nested():
                reports.extend(function(alert_id=alert_id) or [])
        except Exception as error:
            logger.exception("plugin %s failed to purge alert %s", plugin, alert_id)
            reports.append(PurgeReport(plugin, f"purge failed: {type(error).__name__}", False))
    return reports
