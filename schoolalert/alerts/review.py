"""Four-eyes approval (prosecutor): approve and publish, or reject back to draft (PRODUCT I5)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role, require_role
from schoolalert.alerts.models import Alert, AlertRecipient, AlertStatus
from schoolalert.alerts.police import police_alert
from schoolalert.alerts.settings import setting
from schoolalert.alerts.targeting import parse_targeting, resolve_school_ids
from schoolalert.audit import services as audit
from schoolalert.consent.eligibility import eligible_staff_clause
from schoolalert.database import utcnow
from schoolalert.errors import Conflict, InvalidInput, PermissionDenied, Unresolvable
from schoolalert.events import AlertPublished
from schoolalert.extensions import db
from schoolalert.notifications.models import NotificationKind
from schoolalert.notifications.services import notify, notify_investigator


def _submitted(actor: User, alert_id: int) -> Alert:
    require_role(actor, Role.PROSECUTOR)
    alert = police_alert(actor, alert_id, for_update=True)
    if alert.status != AlertStatus.SUBMITTED:
        raise Conflict(str(_l("Only a submitted alert can be approved or rejected.")))
    if alert.created_by_id == actor.id:
        raise PermissionDenied(str(_l("Nobody approves or rejects their own alert.")))
    return alert


REASON_LIMIT = 2000
IMAGES_UNCHECKED = _l("Confirm that you checked every image.")


def check_approval(
    actor: User, alert_id: int, duration_days: int | None = None, *, images_checked: bool = False
) -> int:
    """What :func:`approve` would refuse, refused now without changing anything (the
    prosecutor's check-your-answers step); returns the duration in days that would apply."""
    alert = _submitted(actor, alert_id)
    if images_checked is not True:
        raise InvalidInput(str(IMAGES_UNCHECKED), field="images_checked")
    days = alert.proposed_duration_days if duration_days is None else duration_days
    longest = min(alert.proposed_duration_days, setting("ALERT_MAX_DAYS"))
    whole = isinstance(days, int) and not isinstance(days, bool)
    if not whole or not 1 <= days <= longest:
        # Within the bounds of the settings, but longer than this alert proposes: the value has
        # the documented form and the alert's own data refuses it.
        allowed = whole and 1 <= days <= setting("ALERT_MAX_DAYS")
        raise (Unresolvable if allowed else InvalidInput)(
            str(_l("The duration may only be shortened: 1 to %(max)d days.", max=longest)),
            field="duration_days",
        )
    return days


def approve(
    actor: User, alert_id: int, duration_days: int | None = None, *, images_checked: bool = False
) -> Alert:
    """Publish: fix the end time, freeze the recipients, notify their staff (same transaction).

    ``images_checked`` is the prosecutor's statement that every image shows only a face,
    clothing or an object, nothing of the abuse (PRODUCT I6); without it nothing is published.
    The statement is recorded in the audit trail with the approval."""
    days = check_approval(actor, alert_id, duration_days, images_checked=images_checked)
    alert = _submitted(actor, alert_id)
    school_ids = resolve_school_ids(parse_targeting(alert.targeting), exercise=alert.exercise)
    if not school_ids:
        raise Conflict(
            str(_l("No participating school matches the targeting any more.")), field="targeting"
        )
    now = utcnow()
    alert.status = AlertStatus.PUBLISHED
    alert.approved_by_id = actor.id
    alert.approved_at = now
    alert.expires_at = now + timedelta(days=days)
    alert.updated_at = now
    db.session.execute(
        insert(AlertRecipient),
        [{"alert_id": alert.id, "school_id": school} for school in school_ids],
    )
    staff = db.session.scalars(
        select(User.id)
        .join(AlertRecipient, AlertRecipient.school_id == User.school_id)
        .where(AlertRecipient.alert_id == alert.id, eligible_staff_clause())
        .order_by(User.id)
    ).all()
    notified = notify(NotificationKind.PUBLISHED, alert.id, staff)
    notify_investigator(NotificationKind.APPROVED, alert)
    audit.record(
        "alert.approved",
        actor=actor,
        object_type="alert",
        object_id=alert.id,
        alert_id=alert.id,
        details={
            "duration_days": days,
            "schools": len(school_ids),
            "staff": notified,
            "images_checked": True,
            "images": len(alert.images),
        },
    )
    current_app.extensions["schoolalert.plugins"].track_event(
        AlertPublished(
            alert_id=alert.id,
            expires_at=alert.expires_at,
            school_count=len(school_ids),
            actor_id=actor.id,
        )
    )
    db.session.flush()
    return alert


def reject(actor: User, alert_id: int, reason: str) -> Alert:
    """Back to draft with the prosecutor's reason; the investigator may change and resubmit.

    A rejected alert is a draft in every respect: it no longer counts as submitted, so no
    prosecutor lists or reads it (nor the investigator's rework) until it is submitted again.
    """
    alert = _submitted(actor, alert_id)
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_LIMIT:
        raise InvalidInput(str(_l("Give a reason (at most 2000 characters).")), field="reason")
    assert alert.submitted_at is not None
    # The reason stays in the portal: it may name case details that no mail may carry (I3).
    notify_investigator(
        NotificationKind.REJECTED, alert, extra=f"{alert.submitted_at:%Y%m%dT%H%M%S%f}"
    )
    alert.status = AlertStatus.DRAFT
    alert.submitted_at = None
    alert.rejection_reason = reason
    alert.updated_at = utcnow()
    audit.record(
        "alert.rejected", actor=actor, object_type="alert", object_id=alert.id, alert_id=alert.id
    )
    db.session.flush()
    return alert
