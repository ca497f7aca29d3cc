"""Running one outbox message: claim it under a lease, run its task as one unit of work.

The claim is a conditional update that commits at once, so the message is ``running`` and owned
by this run. While the task runs a heartbeat renews the lease from a connection of its own; when
the process dies the lease runs out and the sweeper offers the message again within seconds.
Every outcome — done, skipped, failed attempt — is written only if this run still owns the lease,
so a run that lost its lease (it stalled, another took over) changes nothing.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import timedelta
from types import TracebackType
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from schoolalert.database import utcnow
from schoolalert.extensions import db
from schoolalert.plugin_types import Task
from schoolalert.tasks import policy
from schoolalert.tasks.models import OutboxMessage, OutboxStatus
from schoolalert.tasks.registry import UnknownTask
from schoolalert.transaction import rollback, unit_of_work

logger = logging.getLogger(__name__)

# Without a heartbeat (SQLite allows one writer) a run holds its message this long.
UNRENEWED_LEASE = timedelta(minutes=15)


class LeaseLost(RuntimeError):
    """Another run took the message over; this run's changes are rolled back."""


def describe(message: OutboxMessage | None, payload: dict[str, Any] | None = None) -> str:
    """``notifications.deliver #12 (alert 3, 200 recipients)`` for log lines."""
    if message is None:
        return "outbox message"
    return summary(message.task, message.id, payload or message.payload)


def summary(task: str, message_id: int, payload: dict[str, Any] | None) -> str:
    identity = f"#{message_id}"
    payload = payload or {}
    details = []
    if "alert_id" in payload:
        details.append(f"alert {payload['alert_id']}")
    if isinstance(payload.get("ids"), list):
        details.append(f"{len(payload['ids'])} recipients")
    return f"{task} {identity}" + (f" ({', '.join(details)})" if details else "")


def execute(message_id: int) -> OutboxStatus | None:
    """Run one outbox message; safe to call again for the same id (it runs once).

    Returns the message's status afterwards: ``done``, ``skipped``, ``pending`` (the attempt
    failed and is retried after a back-off; the error is on the row), ``failed`` (given up), or
    the status another run holds it in. Task errors are recorded, not raised.
    """
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    if not _claim(message_id, owner):
        status = db.session.scalar(
            select(OutboxMessage.status).where(OutboxMessage.id == message_id)
        )
        rollback()
        return status
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    assert message is not None
    registry = current_app.extensions["schoolalert.tasks"].registry
    try:
        entry = registry.get(message.task)
    except UnknownTask:
        return _end(message_id, owner, OutboxStatus.FAILED, f"unknown task {message.task!r}")
    if not current_app.extensions["schoolalert.plugins"].is_enabled(entry.plugin):
        return _end(message_id, owner, OutboxStatus.SKIPPED, f"plugin {entry.plugin} is disabled")
    payload = dict(message.payload)
    with Heartbeat(message_id, owner):
        try:
            with unit_of_work():
                entry.task.func(**payload)
                _mark(message_id, owner, status=OutboxStatus.DONE, finished=True, error=None)
        except Exception as error:
            if isinstance(error, LeaseLost):
                logger.warning("%s: another run took it over", describe(message, payload))
                return None
            return record_failure(message_id, owner, error, entry.task, payload)
    return OutboxStatus.DONE


def record_failure(
    message_id: int,
    owner: str | None,
    error: BaseException | str,
    task: Task | None,
    payload: dict[str, Any] | None = None,
    *,
    immediate: bool = False,
) -> OutboxStatus:
    """Count a failed attempt in a transaction of its own: retry after a back-off, or give up.

    ``owner`` None: the run is gone (its lease expired) and the sweeper records it; with
    ``immediate`` the message is due again at once (the run died, nothing says the work fails).
    """
    rollback()
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    if message is None:
        return OutboxStatus.FAILED
    attempts = message.attempts + 1
    now = utcnow()
    giving_up = policy.gives_up(task, attempts)
    status = OutboxStatus.FAILED if giving_up else OutboxStatus.PENDING
    condition = (
        OutboxMessage.lease_owner == owner
        if owner is not None
        else (OutboxMessage.status == OutboxStatus.RUNNING) & (OutboxMessage.lease_until < now)
    )
    delay = timedelta(0) if immediate else policy.backoff(attempts)
    changed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, condition)
        .values(
            status=status,
            attempts=attempts,
            last_error=text[:500],
            failing_since=func.coalesce(OutboxMessage.failing_since, now),
            available_at=now + delay,
            finished_at=now if giving_up else None,
            lease_owner=None,
            lease_until=None,
        )
    ).rowcount
    db.session.commit()
    if not changed:
        return message.status
    what = describe(message, payload)
    if giving_up:
        logger.error("%s failed for good after %d attempts: %s", what, attempts, text)
    else:
        logger.warning("%s: attempt %d failed (%s); next try in %s", what, attempts, text, delay)
    return status


def _claim(message_id: int, owner: str) -> bool:
    """Take a message that is due, or whose previous run let its lease run out."""
    now = utcnow()
    renewed = db.engine.dialect.name != "sqlite"
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            (
                OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.QUEUED])
                & (OutboxMessage.available_at <= now)
            )
            | ((OutboxMessage.status == OutboxStatus.RUNNING) & (OutboxMessage.lease_until < now)),
        )
        .values(
            status=OutboxStatus.RUNNING,
            lease_owner=owner,
            lease_until=now + (policy.lease() if renewed else UNRENEWED_LEASE),
        )
    )
    db.session.commit()
    return result.rowcount == 1


def _mark(message_id: int, owner: str, *, status: OutboxStatus, finished: bool, error: str | None):
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.lease_owner == owner)
        .values(
            status=status,
            attempts=OutboxMessage.attempts + 1,
            finished_at=utcnow() if finished else None,
            last_error=error,
            failing_since=None,
            lease_owner=None,
            lease_until=None,
        )
    )
    if result.rowcount != 1:
        raise LeaseLost(message_id)


def _end(message_id: int, owner: str, status: OutboxStatus, note: str) -> OutboxStatus:
    try:
        with unit_of_work():
            _mark(message_id, owner, status=status, finished=True, error=note)
    except LeaseLost:
        return OutboxStatus.RUNNING
    if status == OutboxStatus.FAILED:
        logger.error("outbox message %s failed: %s", message_id, note)
    return status


class Heartbeat:
    """Renews a run's lease from a connection of its own until the run ends."""

    def __init__(self, message_id: int, owner: str) -> None:
        self.message_id = message_id
        self.owner = owner
        self.engine: Engine = db.engine
        self.enabled = self.engine.dialect.name != "sqlite"
        self.interval = policy.heartbeat_seconds()
        self.lease = policy.lease()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="outbox-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        if self.enabled:
            self.thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stopped.set()
        if self.enabled:
            self.thread.join()

    def _run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                with self.engine.begin() as connection:
                    connection.execute(
                        update(OutboxMessage)
                        .where(
                            OutboxMessage.id == self.message_id,
                            OutboxMessage.lease_owner == self.owner,
                        )
                        .values(lease_until=utcnow() + self.lease)
                    )
            except Exception as error:  # the database is away: the lease may run out
                logger.warning("lease of outbox message %s not renewed: %s", self.message_id, error)
