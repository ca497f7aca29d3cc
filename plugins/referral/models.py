"""The plugin's tables (``plg_referral_…``): organisations, their workers, referrals.

A referral holds who asked, the school, the alert number, urgency, state and times — and, only
with the requester's consent, a phone number, sealed. Never an alert's description, images, case
reference or a tip. ``alert_id`` is a plain number, not a foreign key: the alert's purge and
the referral are independent.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from schoolalert.plugin_api import db, utcnow


class OrganisationKind(StrEnum):
    VICTIM_SUPPORT = "victim_support"
    SCHOOL_SUPPORT = "school_support"
    COUNSELLING = "counselling"


# Organisations that take staff requests; victim support takes the investigator's referrals.
STAFF_KINDS = frozenset({OrganisationKind.SCHOOL_SUPPORT, OrganisationKind.COUNSELLING})


class State(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


class Source(StrEnum):
    STAFF = "staff"
    INVESTIGATOR = "investigator"


class Organisation(db.Model):
    __tablename__ = "plg_referral_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    # Police unit codes served, comma-separated (``RE01,RE05``).
    regions: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    opening_hours: Mapped[str] = mapped_column(String(200), default="")
    first_contact_hours: Mapped[int] = mapped_column(Integer, default=24)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def region_codes(self) -> list[str]:
        return [code for code in self.regions.split(",") if code]


class Worker(db.Model):
    """Plugin data attached to a user: the organisation a ``support_worker`` works for."""

    __tablename__ = "plg_referral_workers"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("plg_referral_organisations.id"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Referral(db.Model):
    __tablename__ = "plg_referral_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("plg_referral_organisations.id"), index=True
    )
    source: Mapped[str] = mapped_column(String(20))
    urgency: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(20), default=State.REQUESTED.value, index=True)
    # Contact details: erased a set time after closing (then None, ``erased_at`` set).
    requester_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="SET NULL"))
    alert_id: Mapped[int | None] = mapped_column(Integer)
    phone_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    consent_version: Mapped[int | None] = mapped_column(Integer)
    note_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    outcome: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]
