"""Background tasks of alerts and notifications, registered like any plugin's."""

from __future__ import annotations

from datetime import timedelta

from schoolalert.alerts.closing import (
    PURGE_TASK,
    expire_due_alerts,
    finish_purge,
)
from schoolalert.alerts.reminders import REMIND_TASK, send_due_reminders
from schoolalert.alerts.storage import DELETE_BLOBS_TASK
from schoolalert.alerts.sweeping import delete_blobs, sweep_orphans
from schoolalert.notifications.services import DELIVER_TASK, deliver
from schoolalert.plugin_types import Task
from schoolalert.plugins import hookimpl


@hookimpl
def schoolalert_register_tasks() -> list[Task]:
    return [
        # Mail is recorded per batch, also when a batch fails midway; retried while it matters.
        Task(DELIVER_TASK, deliver, commits_per_item=True, keep_trying=True),
        Task("alerts.expire", expire_due_alerts, every=timedelta(minutes=1)),
        Task(REMIND_TASK, send_due_reminders, every=timedelta(minutes=5)),
        Task("alerts.purge_responses", _retention, every=timedelta(hours=1)),
        Task(PURGE_TASK, finish_purge),
        Task(DELETE_BLOBS_TASK, delete_blobs),
        Task("alerts.sweep_orphans", sweep_orphans, every=timedelta(hours=1)),
    ]


def _retention() -> None:
    """The hourly retention run (responses, then plugins): :mod:`schoolalert.retention`."""
    from schoolalert.retention import run_retention

    run_retention()
