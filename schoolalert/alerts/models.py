"""Alerts, their images, keys, frozen recipients, views, responses and purge records."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schoolalert.database import str_enum, utcnow
from schoolalert.extensions import db


class AlertStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    CLOSED = "closed"


class CloseReason(StrEnum):
    IDENTIFIED = "identified"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class ImageKind(StrEnum):
    FACE = "face"
    CLOTHING = "clothing"
    OBJECT = "object"


class ResponseKind(StrEnum):
    RECOGNISED = "recognised"
    NOT_RECOGNISED = "not_recognised"


class ConfirmationOutcome(StrEnum):
    NOBODY_RECOGNISES = "nobody_recognises"  # we looked and nobody recognises the child
    RECOGNISED = "recognised"  # someone recognised the child (see our answer)


class Alert(db.Model):
    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_status_expires_at", "status", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[AlertStatus] = mapped_column(str_enum(AlertStatus, length=10))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What schools see, sealed with the alert's image key: destroyed with the images.
    description_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    age_estimate: Mapped[str] = mapped_column(String(20))
    # Police-only: kept for the investigation and the OM after closing.
    case_reference: Mapped[str] = mapped_column(String(100))
    justification: Mapped[str] = mapped_column(Text)
    order_number: Mapped[str] = mapped_column(String(50))
    order_date: Mapped[date | None]
    other_means_exhausted: Mapped[bool] = mapped_column(default=False)
    targeting: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    proposed_duration_days: Mapped[int]
    submitted_at: Mapped[datetime | None]
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[CloseReason | None] = mapped_column(str_enum(CloseReason, length=10))
    # An exercise: only locations opted in to exercises, marked everywhere, never in statistics.
    exercise: Mapped[bool] = mapped_column(default=False, server_default=false())

    images: Mapped[list[AlertImage]] = relationship(
        back_populates="alert", order_by="AlertImage.id", cascade="all, delete-orphan"
    )


class AlertKey(db.Model):
    """The ids of the alert's two keys in the key store (never the keys: see
    :mod:`schoolalert.alerts.keys`).

    The image key seals images and the description and is destroyed at closing
    (crypto-shredding); the response key seals tip texts and is destroyed when the response
    retention period ends. The ids stay, so the purge verification can ask the key store. An id
    is None only for a key destroyed before keys moved out of the database.
    """

    __tablename__ = "alert_keys"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), primary_key=True)
    image_key_id: Mapped[str | None] = mapped_column(String(64))
    response_key_id: Mapped[str | None] = mapped_column(String(64))
    image_key_destroyed_at: Mapped[datetime | None]
    response_key_destroyed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertImage(db.Model):
    __tablename__ = "alert_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    kind: Mapped[ImageKind] = mapped_column(str_enum(ImageKind, length=10))
    blob_name: Mapped[str | None] = mapped_column(String(64))  # None once destroyed
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    attested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    attested_at: Mapped[datetime] = mapped_column(default=utcnow)
    destroyed_at: Mapped[datetime | None]

    alert: Mapped[Alert] = relationship(back_populates="images")


class AlertRecipient(db.Model):
    """A school location in the alert's recipient set, frozen at approval."""

    __tablename__ = "alert_recipients"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True, index=True)


class AlertView(db.Model):
    """An image view by a staff member (or a police reviewer), for statistics."""

    __tablename__ = "alert_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("alert_images.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    view_id: Mapped[str] = mapped_column(String(32), unique=True)
    viewed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Response(db.Model):
    """A staff member's answer; one per person per alert, which they may correct."""

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("alert_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    kind: Mapped[ResponseKind] = mapped_column(str_enum(ResponseKind, length=16))
    # The tip (message, name, class, phone) sealed with the alert's response key.
    tip_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    purged_at: Mapped[datetime | None]


class ResponseRevision(db.Model):
    """One answer as it was given: a response's history, never changed or deleted before the
    retention purge (which only shreds the tip)."""

    __tablename__ = "response_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"), index=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    kind: Mapped[ResponseKind] = mapped_column(str_enum(ResponseKind, length=16))
    # Sealed like the response's tip (same key and associated data).
    tip_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SchoolConfirmation(db.Model):
    """A school's confirmation that its staff looked at an alert (the nil return): once per
    school, by one named staff member."""

    __tablename__ = "school_confirmations"
    __table_args__ = (UniqueConstraint("alert_id", "school_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[ConfirmationOutcome] = mapped_column(str_enum(ConfirmationOutcome, length=20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReminderKind(StrEnum):
    VIEW = "view"  # at half-time, to schools where nobody has looked
    CONFIRM = "confirm"  # before the end, to schools without a confirmation


class AlertReminder(db.Model):
    """That a round of reminders of an alert went out: each kind once per alert."""

    __tablename__ = "alert_reminders"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), primary_key=True)
    kind: Mapped[ReminderKind] = mapped_column(str_enum(ReminderKind, length=10), primary_key=True)
    schools: Mapped[int]  # how many schools were reminded
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class PurgeRecord(db.Model):
    """What was destroyed for a closed alert, when, by whom, and whether it was verified."""

    __tablename__ = "purge_records"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), primary_key=True)
    reason: Mapped[CloseReason] = mapped_column(str_enum(CloseReason, length=10))
    purged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    purged_at: Mapped[datetime] = mapped_column(default=utcnow)
    images_destroyed: Mapped[int]
    files_removed: Mapped[bool]
    key_destroyed: Mapped[bool]
    decryption_impossible: Mapped[bool]
    verified: Mapped[bool]
    # Each plugin's report: [{"component", "description", "verified"}].
    plugin_reports: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # When the check after the commit ran; the flags above mean nothing before it.
    checked_at: Mapped[datetime | None]
    responses_purged_at: Mapped[datetime | None]
