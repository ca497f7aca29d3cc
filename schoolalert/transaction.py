"""Ending a unit of work: commit, then hand what it wrote to the outbox to the back end."""

from __future__ import annotations

from flask import current_app

from schoolalert.extensions import db
from schoolalert.tasks.outbox import forget_uncommitted, take_committed_ids


def commit() -> None:
    """Commit the session; only then does the work it enqueued start (PRODUCT I8)."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        forget_uncommitted()
        raise
    current_app.extensions["schoolalert.tasks"].dispatch(take_committed_ids())


def rollback() -> None:
    db.session.rollback()
    forget_uncommitted()
