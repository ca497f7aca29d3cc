"""Writing notifications with the change that causes them, and delivering them after commit.

Each notification row has a unique key, so it is written once; delivery marks it sent in its own
commit right after the mail server accepted it, so a retried batch skips what already went out
(PRODUCT I8: exactly once per recipient, even when a job runs twice).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import insert, select

from schoolalert.accounts.models import User
from schoolalert.database import utcnow
from schoolalert.extensions import db
from schoolalert.notifications.mail import Mailer
from schoolalert.notifications.models import Notification, NotificationKind
from schoolalert.tasks import enqueue

DELIVER_TASK = "notifications.deliver"
BATCH_SIZE = 200


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
        for start in range(0, len(ids), BATCH_SIZE):
            batch = ids[start : start + BATCH_SIZE]
            enqueue(DELIVER_TASK, {"ids": batch}, key=f"deliver:{batch[0]}-{batch[-1]}")
    return len(rows)


def deliver(ids: Sequence[int]) -> None:
    """Outbox task: send each notification of the batch that has not gone out yet."""
    with Mailer() as mailer:
        for notification_id in ids:
            # Locked for the send: a second worker on the same batch skips it, then sees it sent.
            row = db.session.execute(
                select(Notification, User)
                .join(User, User.id == Notification.user_id)
                .where(Notification.id == notification_id)
                .with_for_update(of=Notification, skip_locked=True)
                .execution_options(populate_existing=True)
            ).one_or_none()
            if row is None or row.Notification.sent_at or row.Notification.skipped_at:
                db.session.rollback()
                continue
            notification, user = row
            if not user.active:
                notification.skipped_at = utcnow()
            else:
                subject, body = render(notification, user)
                mailer.send(user.email, subject, body)
                notification.sent_at = utcnow()
            db.session.commit()


def render(notification: Notification, user: User) -> tuple[str, str]:
    """Subject and body in the user's language: a link, never content (PRODUCT I3)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    with force_locale(user.language):
        if notification.kind == NotificationKind.PUBLISHED:
            subject = _("A new Schoolalert for your school")
            body = render_template("mail/alert_published.txt", user=user, url=f"{base}/portal")
        elif notification.kind == NotificationKind.ENDED:
            subject = _("A Schoolalert has ended")
            body = render_template(
                "mail/alert_ended.txt", user=user, alert_id=notification.alert_id
            )
        else:
            subject = _(
                "Schoolalert %(number)d: a child was recognised", number=notification.alert_id
            )
            url = f"{base}/alerts/{notification.alert_id}"
            body = render_template(
                "mail/recognition.txt", user=user, url=url, alert_id=notification.alert_id
            )
    return subject, body
