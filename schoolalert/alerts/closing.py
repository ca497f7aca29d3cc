"""Closing an alert and destroying its images at once, verifiably (PRODUCT §3, I2).

Closing — by the investigator (``identified``, ``withdrawn``) or by the clock (``expired``) —
happens in two steps:

1. in the closing transaction: all access ends, the image key is destroyed in the key store,
   the images are marked destroyed, an unverified purge record is written, the schools are
   thanked, and the outbox task :data:`PURGE_TASK` is enqueued;
2. once that has committed (:func:`finish_purge`): the blobs are deleted from every configured
   store, every installed plugin is asked to purge, and then each store, the key store and the
   database are asked whether anything is left; only then does the record say ``verified``.
   A signed audit checkpoint follows.

Responses stay for the investigation until the retention period ends; then their key is
destroyed too.
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
from schoolalert.alerts.delivery_lock import hold_for_closing
from schoolalert.alerts.models import (
    Alert,
    AlertImage,
    AlertKey,
    AlertStatus,
    CloseReason,
    PurgeRecord,
    Response,
    ResponseRevision,
)
from schoolalert.alerts.police import police_alert
from schoolalert.alerts.settings import setting
from schoolalert.alerts.storage import configured_blob_stores
from schoolalert.audit import services as audit
from schoolalert.audit.checkpoints import CHECKPOINT_TASK
from schoolalert.crypto.keystore import KeyNotFound
from schoolalert.database import utcnow
from schoolalert.errors import Conflict, InvalidInput, NotFound
from schoolalert.events import AlertClosed, AlertPurged
from schoolalert.extensions import db
from schoolalert.notifications.models import NotificationKind
from schoolalert.notifications.services import end_notifications, notify_investigator
from schoolalert.plugin_types import PurgeReport
from schoolalert.tasks.outbox import enqueue

logger = logging.getLogger(__name__)

PURGE_TASK = "alerts.finish_purge"
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
    """End all access and destroy the image key now, in the caller's transaction; the blobs
    are deleted and everything verified by :func:`finish_purge` once it has committed."""
    hold_for_closing(alert.id)  # the batch of mail in flight ends first; no batch starts after
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
    # Irreversible, and deliberately so: should the transaction still roll back, the alert
    # stays open without readable images (the safe failure), never closed with a live key.
    keys.destroy_image_key(alert.id)
    images = [image for image in alert.images if image.destroyed_at is None]
    for image in images:
        image.destroyed_at = now  # unreadable from now on; the blob goes after the commit
    record = PurgeRecord(
        alert_id=alert.id,
        reason=reason,
        purged_by_id=actor.id if actor else None,
        purged_at=now,
        images_destroyed=len(images),
        files_removed=False,
        key_destroyed=False,
        decryption_impossible=False,
        verified=False,
        plugin_reports=[],
        checked_at=None,
    )
    db.session.add(record)
    db.session.flush()
    enqueue(PURGE_TASK, {"alert_id": alert.id}, key=f"{PURGE_TASK}:{alert.id}")
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
        details={"images": len(images), "key_destroyed_in_transaction": True},
    )
    current_app.extensions["schoolalert.plugins"].track_event(
        AlertClosed(alert_id=alert.id, reason=reason.value, actor_id=record.purged_by_id)
    )
    if was_published:
        end_notifications(alert.id)
    if reason == CloseReason.EXPIRED:
        notify_investigator(NotificationKind.EXPIRED, alert)
    return record


def finish_purge(alert_id: int) -> None:
    """After the closing committed (outbox task): delete the blobs from every store, ask every
    installed plugin (enabled or not) to purge, then check each store, the key store and the
    database, and write the outcome to the purge record.

    A store that fails raises, and the outbox retries; anything else not confirmed leaves the
    record unverified (said so) and :func:`retry_unverified_purges` tries again hourly.
    """
    record = db.session.get(PurgeRecord, alert_id, with_for_update=True, populate_existing=True)
    if record is None:
        return
    stores = configured_blob_stores(current_app.extensions)
    images = db.session.scalars(
        select(AlertImage).where(
            AlertImage.alert_id == alert_id,
            AlertImage.destroyed_at.is_not(None),
            AlertImage.blob_name.is_not(None),
        )
    ).all()
    names = [image.blob_name for image in images if image.blob_name]
    for store in stores:
        for name in names:
            store.delete(name)
    keys.destroy_image_key(alert_id)  # again: idempotent, and covers a store that was down
    reports = _plugin_reports(alert_id)
    # The checks, each asked from where the thing lived, after everything above.
    files_left = [name for store in stores for name in names if store.exists(name)]
    for image in images:
        if image.blob_name not in files_left:
            image.blob_name = None
    db.session.flush()
    key_destroyed = not keys.image_key_exists(alert_id)
    no_ciphertext_left = _nothing_sealed_left(alert_id)
    record.files_removed = not files_left
    record.key_destroyed = key_destroyed
    record.decryption_impossible = key_destroyed and no_ciphertext_left and _key_unusable(alert_id)
    record.plugin_reports = [report.__dict__ for report in reports]
    record.verified = (
        record.files_removed
        and record.decryption_impossible
        and all(report.verified for report in reports)
    )
    record.checked_at = utcnow()
    audit.record(
        "alert.purge_checked",
        object_type="alert",
        object_id=alert_id,
        alert_id=alert_id,
        details={
            "files_removed": record.files_removed,
            "files_left": len(files_left),
            "stores": len(stores),
            "key_destroyed": key_destroyed,
            "plugins": len(reports),
            "verified": record.verified,
        },
    )
    current_app.extensions["schoolalert.plugins"].track_event(
        AlertPurged(alert_id=alert_id, verified=record.verified, actor_id=record.purged_by_id)
    )
    enqueue(CHECKPOINT_TASK, {"reason": f"purge of alert {alert_id}"})
    db.session.flush()
    if not record.verified:
        logger.error(
            "purge of alert %s not verified: %d blob(s) left, key destroyed %s; retried hourly",
            alert_id,
            len(files_left),
            key_destroyed,
        )


def retry_unverified_purges() -> int:
    """Run :func:`finish_purge` again for every purge that is not verified (a store or a
    plugin that failed, a task that never ran); part of the hourly sweep."""
    limit = utcnow() - timedelta(seconds=setting("ORPHAN_GRACE_SECONDS"))
    alert_ids = db.session.scalars(
        select(PurgeRecord.alert_id).where(
            PurgeRecord.verified.is_(False), PurgeRecord.purged_at <= limit
        )
    ).all()
    for alert_id in alert_ids:
        finish_purge(alert_id)
    return len(alert_ids)


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
        db.session.execute(
            update(ResponseRevision)
            .where(ResponseRevision.alert_id == record.alert_id)
            .values(tip_sealed=None)
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
    """Asked from the database: no description and no image blob is referred to any more."""
    description = db.session.scalar(select(Alert.description_sealed).where(Alert.id == alert_id))
    images = db.session.scalar(
        select(db.func.count()).where(
            AlertImage.alert_id == alert_id, AlertImage.blob_name.is_not(None)
        )
    )
    return description is None and not images


def _key_unusable(alert_id: int) -> bool:
    """Try to use the image key the way a viewer would: it must be gone from the key store."""
    keys_row = db.session.get(AlertKey, alert_id)
    if keys_row is None or keys_row.image_key_id is None:
        return True
    try:
        keys.key_store().encrypt(keys_row.image_key_id, b"", b"purge-check")
    except KeyNotFound:
        return True
    return False


def _plugin_reports(alert_id: int) -> list[PurgeReport]:
    """Every installed plugin purges its copies, enabled or not: a plugin switched off after
    it received an alert may still hold one. A failing plugin is reported, never hidden."""
    reports: list[PurgeReport] = []
    plugins = current_app.extensions["schoolalert.plugins"]
    implementations = plugins.implementations("schoolalert_purge_alert", only_enabled=False)
    for plugin, function, _argnames in implementations:
        try:
            with db.session.begin_nested():
                reports.extend(function(alert_id=alert_id) or [])
        except Exception as error:
            logger.exception("plugin %s failed to purge alert %s", plugin, alert_id)
            reports.append(PurgeReport(plugin, f"purge failed: {type(error).__name__}", False))
    return reports


def close_for_partner(alert_id: int, *, origin: str, reason: str) -> PurgeRecord | None:
    """A partner abroad ended the alert this one was adopted from: close it as withdrawn by
    the system (no user), recording ``origin`` (``"exchange:<sender>"``) and ``reason``; the
    purge and the "ended" notice to staff follow as for any closing. None when it was closed
    already."""
    alert = db.session.get(Alert, alert_id, with_for_update=True, populate_existing=True)
    if alert is None or alert.status == AlertStatus.CLOSED:
        return None
    audit.record(
        "alert.closed_by_partner",
        object_type="alert",
        object_id=alert.id,
        alert_id=alert.id,
        details={"origin": origin, "reason": reason},
    )
    return close_and_purge(alert, CloseReason.WITHDRAWN, None)
