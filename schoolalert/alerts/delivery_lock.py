"""Closing an alert waits for the batch of its mail in flight, and no batch starts after it.

A batch of an alert's staff mail holds the alert's delivery lock shared until it commits; a
closing takes it exclusively before it commits. These are PostgreSQL advisory locks: unlike row
locks they queue fairly, so a closing is not starved by batch after batch taking the lock
shared (with row locks a national fan-out could hold a closing back until its last mail). On
SQLite, which has one writer at a time, there is nothing to take.
"""

from __future__ import annotations

from sqlalchemy import func, select

from schoolalert.extensions import db

# The first key of the two-key advisory lock: "SA" + 1, this lock's namespace.
NAMESPACE = 0x5341_0001


def hold_for_delivery(alert_ids: list[int]) -> None:
    """Shared, until the transaction ends (in id order, as every batch takes them)."""
    _take(func.pg_advisory_xact_lock_shared, sorted(alert_ids))


def hold_for_closing(alert_id: int) -> None:
    """Exclusive, until the transaction ends: waits for the batches in flight."""
    _take(func.pg_advisory_xact_lock, [alert_id])


def _take(lock: object, alert_ids: list[int]) -> None:
    if db.engine.dialect.name != "postgresql":
        return
    for alert_id in alert_ids:
        db.session.execute(select(lock(NAMESPACE, alert_id)))  # type: ignore[operator]
