"""Writing work to the outbox, and running one message of it.

``enqueue`` only adds a row to the current transaction. Nothing runs unless that transaction
commits: :func:`schoolalert.transaction.commit` hands the committed messages to the back end,
and the periodic sweep picks up whatever was committed while the back end was unreachable.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import inspect, select, update

from schoolalert.database import utcnow
from schoolalert.extensions import db
from schoolalert.plugin_types import Task
from schoolalert.tasks.models import FINISHED, OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

NEW_MESSAGES = "schoolalert_outbox_new"


class UnknownTask(LookupError):
    pass


@dataclass(frozen=True)
class RegisteredTask:
    task: Task
    plugin: str | None  # None for the core


class TaskRegistry:
    """Tasks by name, each with the plugin that contributed it."""

    def __init__(self, contributions: list[tuple[str | None, Task]]) -> None:
        self._tasks: dict[str, RegisteredTask] = {}
        for plugin, task in contributions:
            if task.name in self._tasks:
                raise ValueError(f"two tasks are registered under the name {task.name!r}")
            self._tasks[task.name] = RegisteredTask(task, plugin)

    def get(self, name: str) -> RegisteredTask:
        try:
            return self._tasks[name]
        except KeyError:
            raise UnknownTask(name) from None

    def periodic(self) -> list[RegisteredTask]:
        return [entry for entry in self._tasks.values() if entry.task.every is not None]


def enqueue(task: str, payload: dict[str, Any] | None = None, *, key: str | None = None) -> None:
    """Write ``task(**payload)`` to the outbox in the current transaction.

    With ``key``, the work is written at most once ever: a second request with the same key
    (in this transaction or any earlier one) is ignored.
    """
    registry: TaskRegistry = current_app.extensions["schoolalert.tasks"].registry
    registry.get(task)  # unknown names fail here, in the caller's transaction
    payload = payload or {}
    json.dumps(payload)  # primitive values only: fail now rather than in the worker
    session = db.session
    pending: list[OutboxMessage] = session.info.setdefault(NEW_MESSAGES, [])
    if key is not None:
        if any(message.dedupe_key == key for message in pending):
            return
        with session.no_autoflush:
            exists = session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key))
        if exists is not None:
            return
    message = OutboxMessage(task=task, payload=payload, dedupe_key=key)
    session.add(message)
    pending.append(message)


def take_committed_ids() -> list[int]:
    """Ids of the messages this session wrote since the last call (call after a commit)."""
    pending: list[OutboxMessage] = db.session.info.pop(NEW_MESSAGES, [])
    states = (inspect(message) for message in pending)
    # A message of a rolled-back transaction is transient again: it has no identity.
    return [state.identity[0] for state in states if state.persistent and state.identity]


def forget_uncommitted() -> None:
    """After a rollback: the messages written in the rolled-back transaction do not exist."""
    db.session.info.pop(NEW_MESSAGES, None)


def execute(message_id: int) -> OutboxStatus | None:
    """Run one outbox message exactly once; safe to call again for the same id.

    The row is locked for the run (PostgreSQL), so a second worker waits and then sees it done.
    The task's database changes and the ``done`` mark commit together. On failure the attempt is
    recorded and the exception propagates (RQ retries; the inline back end logs it).
    """
    from schoolalert.transaction import commit

    extension = current_app.extensions["schoolalert.tasks"]
    session = db.session
    message = session.get(OutboxMessage, message_id, with_for_update=True, populate_existing=True)
    if message is None or message.status in FINISHED:
        session.rollback()
        return message.status if message else None
    try:
        entry = extension.registry.get(message.task)
    except UnknownTask:
        _finish(message, OutboxStatus.FAILED, f"unknown task {message.task!r}")
        commit()
        return OutboxStatus.FAILED
    if not current_app.extensions["schoolalert.plugins"].is_enabled(entry.plugin):
        _finish(message, OutboxStatus.SKIPPED, f"plugin {entry.plugin} is disabled")
        commit()
        return OutboxStatus.SKIPPED
    try:
        entry.task.func(**message.payload)
        message.attempts += 1
        _finish(message, OutboxStatus.DONE, None)
        commit()
    except Exception as error:
        session.rollback()
        forget_uncommitted()
        record_failure(message_id, error)
        raise
    return OutboxStatus.DONE


def record_failure(message_id: int, error: BaseException) -> None:
    """Count a failed attempt in a transaction of its own; give up after the maximum."""
    config = current_app.config
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    if message is None or message.status in FINISHED:
        return
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:500]
    if message.attempts >= config["OUTBOX_MAX_ATTEMPTS"]:
        message.status = OutboxStatus.FAILED
        message.finished_at = utcnow()
        logger.error("outbox message %s (%s) failed for good", message.id, message.task)
    else:
        message.available_at = utcnow() + backoff(message.attempts)
    db.session.commit()


def backoff(attempts: int) -> timedelta:
    """10 s, 40 s, 2.7 min, 10.7 min … capped at one hour."""
    return timedelta(seconds=min(3600, 10 * 4 ** max(0, attempts - 1)))


def due_message_ids(limit: int = 500) -> list[int]:
    """Pending messages whose time has come, oldest first."""
    return list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.available_at <= utcnow(),
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )


def claim_for_queue(message_id: int) -> bool:
    """Mark a pending message as handed to RQ; False when someone else already did."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.QUEUED, queued_at=utcnow())
    )
    return result.rowcount == 1


def _finish(message: OutboxMessage, status: OutboxStatus, note: str | None) -> None:
    message.status = status
    message.finished_at = utcnow()
    message.last_error = note
