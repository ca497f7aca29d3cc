"""Background tasks of alerts and notifications, registered like any plugin's."""

from __future__ import annotations

from datetime import timedelta

from schoolalert.alerts.closing import expire_due_alerts
from schoolalert.notifications.services import DELIVER_TASK, deliver
from schoolalert.plugin_types import Task
from schoolalert.plugins import hookimpl


@hookimpl
def schoolalert_register_tasks() -> list[Task]:
    return [
        Task(DELIVER_TASK, deliver),
        Task("alerts.expire", expire_due_alerts, every=timedelta(minutes=1)),
        Task("alerts.purge_responses", _retention, every=timedelta(hours=1)),
    ]


def _retention() -> None:
    """The hourly retention run (responses, then plugins): :mod:`schoolalert.retention`."""
    from schoolalert.retention import run_retention

    run_retention()
