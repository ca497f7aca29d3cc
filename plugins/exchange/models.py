"""The exchange plugin's tables: this instance's identity, partners with their pinned
certificates, the draft part ``share_with``, every document sent or received, received alerts
with their encrypted images, and tombstones of cancelled alerts that never arrived."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schoolalert.plugin_api import db, utcnow

OUT, IN = "out", "in"


class Identity(db.Model):
    """The one signing identity: the certificate, and the private key sealed under a key
    derived from the master key (the core's key store holds symmetric keys only)."""

    __tablename__ = "plg_exchange_identity"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender: Mapped[str] = mapped_column(String(200))
    certificate: Mapped[str] = mapped_column(Text)
    key_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Partner(db.Model):
    """A partner abroad; ``accepts_exercises``: exercise alerts may be shared with it (as CAP
    ``status`` Exercise), off unless the operator switches it on."""

    __tablename__ = "plg_exchange_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    sender: Mapped[str] = mapped_column(String(200), unique=True)
    inbox_url: Mapped[str] = mapped_column(String(500))
    certificate: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_delivery_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    accepts_exercises: Mapped[bool] = mapped_column(default=False, server_default=false())


class Share(db.Model):
    """A partner an alert is shared with (the draft part ``share_with``)."""

    __tablename__ = "plg_exchange_shares"

    alert_id: Mapped[int] = mapped_column(
        ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True
    )
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("plg_exchange_partners.id"), primary_key=True
    )


class Message(db.Model):
    """One CAP document, sent (to one partner) or received; ``document`` holds the signed bytes
    of an outgoing one, sealed under ``key_id`` when it carries images, until the purge."""

    __tablename__ = "plg_exchange_messages"
    __table_args__ = (UniqueConstraint("sender", "identifier", "sent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    partner_id: Mapped[int] = mapped_column(ForeignKey("plg_exchange_partners.id"), index=True)
    msg_type: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    sender: Mapped[str] = mapped_column(String(200))
    identifier: Mapped[str] = mapped_column(String(200))
    sent: Mapped[str] = mapped_column(String(25))
    references: Mapped[str] = mapped_column(Text, default="")
    alert_id: Mapped[int | None] = mapped_column(index=True)
    received_id: Mapped[int | None] = mapped_column(ForeignKey("plg_exchange_received.id"))
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    document: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]

    partner: Mapped[Partner] = relationship()

    @property
    def triple(self) -> str:
        return f"{self.sender},{self.identifier},{self.sent}"


class ReceivedAlert(db.Model):
    """A partner's alert: for investigators and prosecutors only, never for schools by itself.
    Its description and images are sealed under ``key_id``, destroyed on ``Cancel``."""

    __tablename__ = "plg_exchange_received"
    __table_args__ = (UniqueConstraint("sender", "identifier", "sent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("plg_exchange_partners.id"))
    sender: Mapped[str] = mapped_column(String(200))
    identifier: Mapped[str] = mapped_column(String(200))
    sent: Mapped[str] = mapped_column(String(25))
    expires: Mapped[datetime | None]
    state: Mapped[str] = mapped_column(String(10))
    key_id: Mapped[str | None] = mapped_column(String(64))
    description_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    age_estimate: Mapped[str | None] = mapped_column(String(20))
    adopted_alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"))
    adopted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    purged_at: Mapped[datetime | None]

    images: Mapped[list[ReceivedImage]] = relationship(
        order_by="ReceivedImage.id", cascade="all, delete-orphan"
    )

    @property
    def triple(self) -> str:
        return f"{self.sender},{self.identifier},{self.sent}"


class ReceivedImage(db.Model):
    __tablename__ = "plg_exchange_received_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_id: Mapped[int] = mapped_column(
        ForeignKey("plg_exchange_received.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    size: Mapped[int]
    data_sealed: Mapped[bytes] = mapped_column(LargeBinary)


class Tombstone(db.Model):
    """A message a partner cancelled before it arrived: the late original is refused."""

    __tablename__ = "plg_exchange_tombstones"
    __table_args__ = (UniqueConstraint("sender", "identifier", "sent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sender: Mapped[str] = mapped_column(String(200))
    identifier: Mapped[str] = mapped_column(String(200))
    sent: Mapped[str] = mapped_column(String(25))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
