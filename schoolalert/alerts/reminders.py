"""Reminders to staff of a live alert's schools, each round once per alert (periodic task).

* At half-time (halfway between publication and the end): staff of every targeted school where
  nobody has opened an image of the alert yet.
* Before the end: staff of every targeted school that has not confirmed
  (:mod:`schoolalert.alerts.confirmation`). The moment is 24 hours before the end; an alert of
  two days or less is reminded at 90 % of its duration instead (24 hours before its end would
  come at or before its half-time).

Only staff who may see the alert now get a reminder (:func:`eligible_staff_clause`). A round is
marked in ``alert_reminders`` when it goes out, and every mail has its own notification key, so
a run twice sends nothing twice. The mails hold a link only (PRODUCT I3). A round whose moment
passed while the task did not run still goes out, as long as the alert is live.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from schoolalert.accounts.models import User
from schoolalert.alerts.models import (
    Alert,
    AlertRecipient,
    AlertReminder,
    AlertStatus,
    AlertView,
    ReminderKind,
    SchoolConfirmation,
)
from schoolalert.consent.eligibility import eligible_staff_clause
from schoolalert.database import utcnow
from schoolalert.extensions import db
from schoolalert.notifications.models import NotificationKind
from schoolalert.notifications.services import notify

REMIND_TASK = "alerts.remind"
BEFORE_END = timedelta(hours=24)
SHORT_ALERT = timedelta(days=2)

NOTIFICATION_KINDS = {
    ReminderKind.VIEW: NotificationKind.VIEW_REMINDER,
    ReminderKind.CONFIRM: NotificationKind.CONFIRM_REMINDER,
}


def reminder_moment(kind: ReminderKind, published_at: datetime, expires_at: datetime) -> datetime:
    """When a round of reminders is due (see the module's rule)."""
    duration = expires_at - published_at
    if kind == ReminderKind.VIEW:
        return published_at + duration / 2
    if duration <= SHORT_ALERT:
        return published_at + duration * 0.9
    return expires_at - BEFORE_END


def send_due_reminders() -> int:
    """Send every round that is due for a live alert and has not gone out; returns the number
    of reminders written."""
    now = utcnow()
    live = db.session.execute(
        select(Alert.id, Alert.approved_at, Alert.expires_at).where(
            Alert.status == AlertStatus.PUBLISHED, Alert.expires_at > now
        )
    ).all()
    done = {
        (row.alert_id, row.kind)
        for row in db.session.execute(
            select(AlertReminder.alert_id, AlertReminder.kind).where(
                AlertReminder.alert_id.in_([alert.id for alert in live])
            )
        )
    }
    written = 0
    for alert in live:
        if alert.approved_at is None:
            continue
        for kind in ReminderKind:
            if (alert.id, kind) in done:
                continue
            if reminder_moment(kind, alert.approved_at, alert.expires_at) <= now:
                written += _send_round(alert.id, kind)
    return written


def _schools_to_remind(alert_id: int, kind: ReminderKind) -> list[int]:
    recipients = select(AlertRecipient.school_id).where(AlertRecipient.alert_id == alert_id)
    if kind == ReminderKind.VIEW:
        settled = exists().where(
            AlertView.alert_id == alert_id, AlertView.school_id == AlertRecipient.school_id
        )
    else:
        settled = exists().where(
            SchoolConfirmation.alert_id == alert_id,
            SchoolConfirmation.school_id == AlertRecipient.school_id,
        )
    return list(db.session.scalars(recipients.where(~settled)))


def _send_round(alert_id: int, kind: ReminderKind) -> int:
    schools = _schools_to_remind(alert_id, kind)
    try:
        with db.session.begin_nested():
            db.session.add(AlertReminder(alert_id=alert_id, kind=kind, schools=len(schools)))
    except IntegrityError:  # another run sent this round a moment earlier
        return 0
    if not schools:
        return 0
    staff = db.session.scalars(
        select(User.id).where(eligible_staff_clause(), User.school_id.in_(schools))
    ).all()
    return notify(NOTIFICATION_KINDS[kind], alert_id, staff)
