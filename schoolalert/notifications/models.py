"""Notifications: one e-mail to one person about one alert, sent exactly once."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from schoolalert.database import str_enum, utcnow
from schoolalert.extensions import db


class NotificationKind(StrEnum):
    PUBLISHED = "published"  # to staff: there is an alert for your school
    ENDED = "ended"  # to staff: the alert has ended, thank you
    RECOGNITION = "recognition"  # to the investigator: someone recognised the child
    SUBMITTED = "submitted"  # to every prosecutor: an alert awaits approval
    APPROVED = "approved"  # to the investigator: approved and published
    REJECTED = "rejected"  # to the investigator: sent back with a reason
    EXPIRED = "expired"  # to the investigator: the end time was reached
    ANSWER_CHANGED = "changed"  # to the investigator: someone withdrew their recognition
    VIEW_REMINDER = "remind_view"  # to staff at half-time: nobody at your school has looked yet
    CONFIRM_REMINDER = "remind_conf"  # to staff before the end: your school has not confirmed


# Mails to staff about a live alert: sent only while it is published, skipped once it closed.
STAFF_ALERT_KINDS = frozenset(
    {NotificationKind.PUBLISHED, NotificationKind.VIEW_REMINDER, NotificationKind.CONFIRM_REMINDER}
)


class SkipReason(StrEnum):
    INACTIVE = "inactive"  # the account was deactivated before delivery
    STALE = "stale"  # a "new alert" mail whose alert was no longer published when it came to go
    REFUSED = "refused"  # the mail server refused the address for good (a 5xx answer)


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    # ``kind:alert:user[:response]``: the same notification can never be written twice.
    key: Mapped[str] = mapped_column(String(80), unique=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind, length=12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # Not sent, and never will be: see ``skip_reason``.
    skipped_at: Mapped[datetime | None]
    skip_reason: Mapped[SkipReason | None] = mapped_column(str_enum(SkipReason, length=12))
