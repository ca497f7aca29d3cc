"""Periodic tasks: each runs at most once per interval across all processes."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from schoolalert.database import utcnow
from schoolalert.extensions import db
from schoolalert.tasks.models import PeriodicRun
from schoolalert.tasks.registry import RegisteredTask
from schoolalert.transaction import unit_of_work

logger = logging.getLogger(__name__)


class PeriodicTasksFailed(RuntimeError):
    pass


def run_due_periodic_tasks() -> list[str]:
    """Run every periodic task whose interval has passed; return the names that ran.

    Each task is a unit of work of its own (committed when it returns, rolled back when it
    raises). A failing task does not keep the others from running; the failures are raised
    together at the end so the job that called this is marked failed.
    """
    registry = current_app.extensions["schoolalert.tasks"].registry
    plugins = current_app.extensions["schoolalert.plugins"]
    ran, failed = [], []
    for entry in registry.periodic():
        if not plugins.is_enabled(entry.plugin) or not _claim(entry):
            continue
        try:
            with unit_of_work():
                entry.task.func()
            ran.append(entry.task.name)
        except Exception:
            logger.exception("periodic task %s failed", entry.task.name)
            failed.append(entry.task.name)
    if failed:
        raise PeriodicTasksFailed(", ".join(failed))
    return ran


def _claim(entry: RegisteredTask) -> bool:
    assert entry.task.every is not None
    name, now = entry.task.name, utcnow()
    if db.session.get(PeriodicRun, name) is None:
        try:
            with db.session.begin_nested():
                db.session.add(PeriodicRun(name=name, last_started_at=None))
        except IntegrityError:
            pass  # another process created it at the same moment
    claimed = db.session.execute(
        update(PeriodicRun)
        .where(
            PeriodicRun.name == name,
            or_(
                PeriodicRun.last_started_at.is_(None),
                # a little slack, so a tick that comes a moment early does not skip a turn
                PeriodicRun.last_started_at <= now - entry.task.every * 0.9,
            ),
        )
        .values(last_started_at=now)
    )
    db.session.commit()
    return claimed.rowcount == 1
