"""The unit of work: commit, then hand what it wrote to the outbox to the back end.

Requests, commands and tasks end their work here: :func:`commit` once, or :func:`rollback`.
:func:`unit_of_work` does either around a block.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit once when the block ends (then dispatch its outbox); roll back when it raises."""
    try:
        yield
    except BaseException:
        rollback()
        raise
    commit()
