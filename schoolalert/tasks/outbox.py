"""Writing work to the outbox: the write side, a leaf module any service may import.

``enqueue`` only adds a row to the current transaction. Nothing runs unless that transaction
commits: :func:`schoolalert.transaction.commit` hands the committed messages to the back end,
and the sweeper (:mod:`schoolalert.tasks.sweeper`) picks up whatever was committed while the back
end was unreachable, or whose job was lost.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app
from sqlalchemy import inspect, select

from schoolalert.extensions import db
from schoolalert.tasks.models import OutboxMessage

NEW_MESSAGES = "schoolalert_outbox_new"


def enqueue(task: str, payload: dict[str, Any] | None = None, *, key: str | None = None) -> None:
    """Write ``task(**payload)`` to the outbox in the current transaction.

    With ``key``, the work is written at most once ever: a second request with the same key
    (in this transaction or any earlier one) is ignored.
    """
    registry = current_app.extensions["schoolalert.tasks"].registry
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
