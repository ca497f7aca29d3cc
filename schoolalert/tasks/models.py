"""The transactional outbox: work written in the same transaction as the change causing it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from schoolalert.database import str_enum, utcnow
from schoolalert.extensions import db


class OutboxStatus(StrEnum):
    PENDING = "pending"  # committed, not yet handed to a back end (or due for another try)
    QUEUED = "queued"  # handed to RQ, no worker has taken it yet
    RUNNING = "running"  # a worker holds its lease (renewed by a heartbeat while it runs)
    DONE = "done"
    SKIPPED = "skipped"  # its plugin was disabled when it came to run
    FAILED = "failed"  # gave up (tasks with an attempt limit); `schoolalert outbox retry` resumes


FINISHED = frozenset({OutboxStatus.DONE, OutboxStatus.SKIPPED, OutboxStatus.FAILED})
UNFINISHED = frozenset({OutboxStatus.PENDING, OutboxStatus.QUEUED, OutboxStatus.RUNNING})


class OutboxMessage(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_available_at", "status", "available_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Work with the same key is written once, however often it is asked for.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, length=10),
        default=OutboxStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[datetime | None]
    # How often it was handed to RQ: part of the job id, so a new hand-over is a new job.
    handovers: Mapped[int] = mapped_column(default=0)
    # The worker running it and until when; a heartbeat renews the lease while it runs.
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None]
    # Start of the current run of failures (cleared on success): how long delivery is failing.
    failing_since: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))


class PeriodicRun(db.Model):
    """When each periodic task last started; the conditional update on it is the claim."""

    __tablename__ = "periodic_runs"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_started_at: Mapped[datetime | None]
