"""Life-cycle events, delivered to plugins through the ``schoolalert_track_event`` hook.

Events carry primitive values only (ids, codes, timestamps), never ORM objects or personal data:
a plugin that needs more loads it itself, subject to the same rules as core code. Events are
emitted inside the transaction that makes the change, so a plugin can write to the outbox
atomically with it; each handler runs in a savepoint of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from schoolalert.database import utcnow


@dataclass(frozen=True, kw_only=True)
class Event:
    name: ClassVar[str]
    actor_id: int | None = None
    occurred_at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True, kw_only=True)
class AlertSubmitted(Event):
    name: ClassVar[str] = "alert_submitted"
    alert_id: int


@dataclass(frozen=True, kw_only=True)
class AlertPublished(Event):
    name: ClassVar[str] = "alert_published"
    alert_id: int
    expires_at: datetime
    school_count: int


@dataclass(frozen=True, kw_only=True)
class AlertClosed(Event):
    """An alert ended; ``reason`` is ``identified``, ``withdrawn`` or ``expired``."""

    name: ClassVar[str] = "alert_closed"
    alert_id: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class AlertPurged(Event):
    """An alert's images and key were destroyed; ``verified`` tells whether the check passed."""

    name: ClassVar[str] = "alert_purged"
    alert_id: int
    verified: bool


@dataclass(frozen=True, kw_only=True)
class AlertViewed(Event):
    """A staff member opened a live alert (the portal page or ``GET /me/alerts/{id}``);
    ``actor_id`` is the staff member."""

    name: ClassVar[str] = "alert_viewed"
    alert_id: int
    school_id: int


@dataclass(frozen=True, kw_only=True)
class ResponseReceived(Event):
    """A staff member answered; ``kind`` is ``recognised`` or ``not_recognised``."""

    name: ClassVar[str] = "response_received"
    alert_id: int
    response_id: int
    school_id: int
    kind: str


@dataclass(frozen=True, kw_only=True)
class ConsentChanged(Event):
    """A board granted or withdrew participation; ``school_id`` is None for the whole board."""

    name: ClassVar[str] = "consent_changed"
    board_id: int
    school_id: int | None
    granted: bool
