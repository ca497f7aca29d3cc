"""Writing notifications with the change that causes them, and delivering them after commit.

Each notification row has a unique key, so it is written once; delivery sends a batch over one
connection and records what the mail server accepted in one commit — also when a send fails
midway — so a retried batch skips what already went out (PRODUCT I8: exactly once per recipient,
even when a job runs twice; only a crash before that commit sends the batch's mails again).

Nothing stale, nothing out of order: a "new alert" mail or a reminder is sent only while its
alert is published, under a shared lock on the alert row held until the batch commits, which
closing must wait for, so no such mail goes out after a close has committed; closing skips the
unsent ones and writes an "ended" mail only for staff whose "new alert" mail or reminder went out
(:func:`end_notifications`).
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable, Sequence

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role
from schoolalert.alerts.delivery_lock import hold_for_delivery
from schoolalert.alerts.models import Alert, AlertStatus
from schoolalert.database import utcnow
from schoolalert.extensions import db
from schoolalert.notifications.mail import Mailer
from schoolalert.notifications.models import (
    STAFF_ALERT_KINDS,
    Notification,
    NotificationKind,
    SkipReason,
)
from schoolalert.tasks.outbox import enqueue

DELIVER_TASK = "notifications.deliver"

# The mails of the four-eyes step and of expiry, to the police: a number and a link only.
FOUR_EYES_SUBJECTS = {
    NotificationKind.SUBMITTED: _l("Schoolalert %(number)d awaits your approval"),
    NotificationKind.APPROVED: _l("Schoolalert %(number)d is approved and published"),
    NotificationKind.REJECTED: _l("Schoolalert %(number)d was sent back to you"),
    NotificationKind.EXPIRED: _l("Schoolalert %(number)d has expired"),
}

# The reminders to staff (:mod:`schoolalert.alerts.reminders`): a link only.
REMINDER_SUBJECTS = {
    NotificationKind.VIEW_REMINDER: _l("Reminder: a Schoolalert for your school"),
    NotificationKind.CONFIRM_REMINDER: _l(
        "Reminder: please confirm the Schoolalert for your school"
    ),
}


# The first line of the body of every mail about an exercise alert, whatever its kind.
EXERCISE_BODY_LINE = _l(
    "EXERCISE — this is not a real alert. This mail is about an exercise: no real child is "
    "sought and nothing needs to be done outside the exercise."
)


def notification_key(kind: NotificationKind, alert_id: int, user_id: int, extra: str = "") -> str:
    return f"{kind.value}:{alert_id}:{user_id}" + (f":{extra}" if extra else "")


def notify(
    kind: NotificationKind, alert_id: int, user_ids: Iterable[int], *, extra: str = ""
) -> int:
    """Write one notification per user (skipping any written before) and queue delivery."""
    wanted = {notification_key(kind, alert_id, user_id, extra): user_id for user_id in user_ids}
    if not wanted:
        return 0
    existing = set(
        db.session.scalars(
            select(Notification.key).where(
                Notification.alert_id == alert_id, Notification.key.in_(wanted)
            )
        )
    )
    rows = [
        {"key": key, "alert_id": alert_id, "user_id": user_id, "kind": kind, "created_at": utcnow()}
        for key, user_id in wanted.items()
        if key not in existing
    ]
    if rows:
        db.session.execute(insert(Notification), rows)
        ids = list(
            db.session.scalars(
                select(Notification.id)
                .where(Notification.key.in_([row["key"] for row in rows]))
                .order_by(Notification.id)
            )
        )
        size = current_app.config["NOTIFICATION_BATCH_SIZE"]
        for start in range(0, len(ids), size):
            batch = ids[start : start + size]
            enqueue(
                DELIVER_TASK,
                {"ids": batch, "alert_id": alert_id},
                key=f"deliver:{batch[0]}-{batch[-1]}",
            )
    return len(rows)


def notify_prosecutors(alert_id: int, extra: str) -> int:
    """An alert awaits approval: tell every active public prosecutor (a link, no content)."""
    prosecutors = db.session.scalars(
        select(User.id).where(User.role == Role.PROSECUTOR, User.active.is_(True))
    ).all()
    return notify(NotificationKind.SUBMITTED, alert_id, prosecutors, extra=extra)


def notify_investigator(kind: NotificationKind, alert: Alert, extra: str = "") -> int:
    """Tell the investigator who created ``alert`` of a decision about it or of its expiry."""
    return notify(kind, alert.id, [alert.created_by_id], extra=extra)


def end_notifications(alert_id: int) -> int:
    """When an alert closes (its row locked): unsent "new alert" mails and reminders are
    skipped, and the staff who were told (by either) get an "ended" mail. Returns the number
    of "ended" mails written."""
    db.session.execute(
        update(Notification)
        .where(
            Notification.alert_id == alert_id,
            Notification.kind.in_(STAFF_ALERT_KINDS),
            Notification.sent_at.is_(None),
            Notification.skipped_at.is_(None),
        )
        .values(skipped_at=utcnow(), skip_reason=SkipReason.STALE)
        .execution_options(synchronize_session=False)
    )
    told = db.session.scalars(
        select(Notification.user_id)
        .where(
            Notification.alert_id == alert_id,
            Notification.kind.in_(STAFF_ALERT_KINDS),
            Notification.sent_at.is_not(None),
        )
        .distinct()
    ).all()
    return notify(NotificationKind.ENDED, alert_id, told)


def deliver(ids: Sequence[int], alert_id: int | None = None) -> None:
    """Outbox task (commits per batch): send each notification of the batch not yet gone out.

    The batch's unsent notifications are claimed in one locked select, sent over one SMTP
    connection, and recorded as sent in one update and one commit: a crash before that commit
    sends the batch's mails again, at most the whole batch, nothing else. When a send fails
    midway, what the server had accepted is recorded before the error is raised, so the retry
    (after a back-off) sends only the rest. A temporary refusal (4xx, connection errors) raises
    that way; a permanent refusal of one address (5xx) skips that notification and goes on.
    """
    claimed = _claim(ids)
    if not claimed:
        return
    sent: list[int] = []
    skipped: dict[SkipReason, list[int]] = {}
    exercises = set(
        db.session.scalars(
            select(Alert.id).where(
                Alert.id.in_({notification.alert_id for notification, _user, _stale in claimed}),
                Alert.exercise.is_(True),
            )
        )
    )
    try:
        with Mailer() as mailer:
            for notification, user, stale in claimed:
                exercise = notification.alert_id in exercises
                reason = _send(mailer, notification, user, stale, exercise=exercise)
                if reason is None:
                    sent.append(notification.id)
                else:
                    skipped.setdefault(reason, []).append(notification.id)
    finally:
        _record(sent, skipped)
        db.session.commit()


def _claim(ids: Sequence[int]) -> list[tuple[Notification, User, bool]]:
    """The batch's notifications still to go, locked until the batch commits, with whether each
    is stale. A second run of the same batch skips the locked ones, then sees them sent."""
    heads = db.session.execute(
        select(Notification.kind, Notification.alert_id).where(
            Notification.id.in_(ids),
            Notification.sent_at.is_(None),
            Notification.skipped_at.is_(None),
        )
    ).all()
    if not heads:
        return []
    # The alerts' delivery locks first: closing waits for this batch, and none starts after it.
    watched = sorted(
        {
            head.alert_id
            for head in heads
            if head.kind in STAFF_ALERT_KINDS or head.kind == NotificationKind.ENDED
        }
    )
    hold_for_delivery(watched)
    now = utcnow()
    live = {
        alert.id
        for alert in db.session.execute(
            select(Alert.id, Alert.status, Alert.expires_at).where(Alert.id.in_(watched))
        )
        if alert.status == AlertStatus.PUBLISHED
        and (alert.expires_at is None or alert.expires_at > now)
    }
    rows = db.session.execute(
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.id.in_(ids),
            Notification.sent_at.is_(None),
            Notification.skipped_at.is_(None),
        )
        .order_by(Notification.id)
        .with_for_update(of=Notification, skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    return [
        (
            notification,
            user,
            notification.kind in STAFF_ALERT_KINDS and notification.alert_id not in live,
        )
        for notification, user in rows
    ]


def _send(
    mailer: Mailer, notification: Notification, user: User, stale: bool, *, exercise: bool
) -> SkipReason | None:
    """Send one claimed notification; the reason it is skipped instead, or None when sent."""
    if not user.active:
        return SkipReason.INACTIVE
    if stale:
        return SkipReason.STALE
    subject, body = render(notification, user, exercise=exercise)
    try:
        mailer.send(user.email, subject, body)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as error:
        if not _permanent(error):
            raise
        return SkipReason.REFUSED
    return None


def _record(sent: list[int], skipped: dict[SkipReason, list[int]]) -> None:
    now = utcnow()
    if sent:
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(sent))
            .values(sent_at=now)
            .execution_options(synchronize_session=False)
        )
    for reason, ids in skipped.items():
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(ids))
            .values(skipped_at=now, skip_reason=reason)
            .execution_options(synchronize_session=False)
        )


def _permanent(error: smtplib.SMTPException) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
    else:
        codes = [getattr(error, "smtp_code", 0)]
    return bool(codes) and all(500 <= code < 600 for code in codes)


def render(notification: Notification, user: User, *, exercise: bool = False) -> tuple[str, str]:
    """Subject and body in the user's language: a link, never content (PRODUCT I3). The
    subject of every mail about an exercise alert starts with "OEFENING: " ("EXERCISE: ") and
    its body with a line saying it is an exercise (:data:`EXERCISE_BODY_LINE`)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    police_url = f"{base}/alerts/{notification.alert_id}"
    with force_locale(user.language):
        if notification.kind == NotificationKind.PUBLISHED:
            subject = _("A new Schoolalert for your school")
            body = render_template("mail/alert_published.txt", user=user, url=f"{base}/portal")
        elif notification.kind in REMINDER_SUBJECTS:
            subject = str(REMINDER_SUBJECTS[notification.kind])
            body = render_template(
                f"mail/{notification.kind.value}.txt",
                user=user,
                url=f"{base}/portal/alerts/{notification.alert_id}",
            )
        elif notification.kind == NotificationKind.ENDED:
            subject = _("A Schoolalert has ended")
            body = render_template(
                "mail/alert_ended.txt", user=user, alert_id=notification.alert_id
            )
        elif notification.kind == NotificationKind.ANSWER_CHANGED:
            subject = _(
                "Schoolalert %(number)d: a recognition was changed", number=notification.alert_id
            )
            url = f"{base}/alerts/{notification.alert_id}/responses"
            body = render_template(
                "mail/answer_changed.txt", user=user, url=url, alert_id=notification.alert_id
            )
        elif notification.kind == NotificationKind.RECOGNITION:
            subject = _(
                "Schoolalert %(number)d: a child was recognised", number=notification.alert_id
            )
            body = render_template(
                "mail/recognition.txt", user=user, url=police_url, alert_id=notification.alert_id
            )
        else:
            subject = str(FOUR_EYES_SUBJECTS[notification.kind]) % {"number": notification.alert_id}
            body = render_template(
                f"mail/alert_{notification.kind.value}.txt",
                user=user,
                url=police_url,
                alert_id=notification.alert_id,
            )
        if exercise:
            subject = _("EXERCISE: %(subject)s", subject=subject)
            body = f"{EXERCISE_BODY_LINE}\n\n{body}"
    return subject, body
