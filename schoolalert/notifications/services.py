"""Writing notifications with the change that causes them, and delivering them after commit.

Each notification row has a unique key, so it is written once; delivery marks it sent in its own
commit right after the mail server accepted it, so a retried batch skips what already went out
(PRODUCT I8: exactly once per recipient, even when a job runs twice).

Nothing stale, nothing out of order: a "new alert" mail is sent only while its alert is
published, under a shared lock on the alert row that closing must wait for, so no such mail goes
out after a close has committed; closing skips the unsent ones and writes an "ended" mail only for
staff whose "new alert" mail went out (:func:`end_notifications`).
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
from schoolalert.alerts.models import Alert, AlertStatus
from schoolalert.database import utcnow
from schoolalert.extensions import db
from schoolalert.notifications.mail import Mailer
from schoolalert.notifications.models import Notification, NotificationKind, SkipReason
from schoolalert.tasks.outbox import enqueue

DELIVER_TASK = "notifications.deliver"

# The mails of the four-eyes step and of expiry, to the police: a number and a link only.
FOUR_EYES_SUBJECTS = {
    NotificationKind.SUBMITTED: _l("Schoolalert %(number)d awaits your approval"),
    NotificationKind.APPROVED: _l("Schoolalert %(number)d is approved and published"),
    NotificationKind.REJECTED: _l("Schoolalert %(number)d was sent back to you"),
    NotificationKind.EXPIRED: _l("Schoolalert %(number)d has expired"),
}


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
    """When an alert closes (its row locked): unsent "new alert" mails are skipped, and the
    staff who were told get an "ended" mail. Returns the number of "ended" mails written."""
    db.session.execute(
        update(Notification)
        .where(
            Notification.alert_id == alert_id,
            Notification.kind == NotificationKind.PUBLISHED,
            Notification.sent_at.is_(None),
            Notification.skipped_at.is_(None),
        )
        .values(skipped_at=utcnow(), skip_reason=SkipReason.STALE)
        .execution_options(synchronize_session=False)
    )
    told = db.session.scalars(
        select(Notification.user_id).where(
            Notification.alert_id == alert_id,
            Notification.kind == NotificationKind.PUBLISHED,
            Notification.sent_at.is_not(None),
        )
    ).all()
    return notify(NotificationKind.ENDED, alert_id, told)


def deliver(ids: Sequence[int], alert_id: int | None = None) -> None:
    """Outbox task (commits per item): send each notification of the batch not yet gone out.

    Each mail is marked sent in its own commit right after the server accepted it; a crash in
    between sends that one mail again, nothing else. A temporary refusal (4xx, connection
    errors) raises: the batch is retried after a back-off and resumes where it stopped. A
    permanent refusal of one address (5xx) skips that notification and goes on.
    """
    with Mailer() as mailer:
        for notification_id in ids:
            deliver_one(mailer, notification_id)
            db.session.commit()


def deliver_one(mailer: Mailer, notification_id: int) -> None:
    head = db.session.execute(
        select(Notification.kind, Notification.alert_id, Notification.sent_at).where(
            Notification.id == notification_id, Notification.skipped_at.is_(None)
        )
    ).one_or_none()
    if head is None or head.sent_at is not None:
        return
    stale = False
    if head.kind in (NotificationKind.PUBLISHED, NotificationKind.ENDED):
        # Shared lock on the alert first (always in this order): closing waits for this send.
        alert = db.session.execute(
            select(Alert.status, Alert.expires_at)
            .where(Alert.id == head.alert_id)
            .with_for_update(read=True)
        ).one()
        stale = head.kind == NotificationKind.PUBLISHED and (
            alert.status != AlertStatus.PUBLISHED
            or (alert.expires_at is not None and alert.expires_at <= utcnow())
        )
    # Locked for the send: a second worker on the same batch skips it, then sees it sent.
    row = db.session.execute(
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(Notification.id == notification_id)
        .with_for_update(of=Notification, skip_locked=True)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if row is None or row.Notification.sent_at or row.Notification.skipped_at:
        return
    notification, user = row
    if not user.active:
        _skip(notification, SkipReason.INACTIVE)
    elif stale:
        _skip(notification, SkipReason.STALE)
    else:
        subject, body = render(notification, user)
        try:
            mailer.send(user.email, subject, body)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as error:
            if not _permanent(error):
                raise
            _skip(notification, SkipReason.REFUSED)
            return
        notification.sent_at = utcnow()


def _skip(notification: Notification, reason: SkipReason) -> None:
    notification.skipped_at = utcnow()
    notification.skip_reason = reason


def _permanent(error: smtplib.SMTPException) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
    else:
        codes = [getattr(error, "smtp_code", 0)]
    return bool(codes) and all(500 <= code < 600 for code in codes)


def render(notification: Notification, user: User) -> tuple[str, str]:
    """Subject and body in the user's language: a link, never content (PRODUCT I3)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    police_url = f"{base}/alerts/{notification.alert_id}"
    with force_locale(user.language):
        if notification.kind == NotificationKind.PUBLISHED:
            subject = _("A new Schoolalert for your school")
            body = render_template("mail/alert_published.txt", user=user, url=f"{base}/portal")
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
    return subject, body
