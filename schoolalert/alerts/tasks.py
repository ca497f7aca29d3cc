"""Background tasks of alerts and notifications, registered like any plugin's."""

from __future__ import annotations

from datetime import timedelta

from schoolalert.alerts.closing import expire_due_alerts, purge_expired_responses
from schoolalert.notifications.services import DELIVER_TASK, deliver
from schoolalert.plugin_types import Task
from schoolalert.plugins import hookimpl


@hookimpl
def schoolalert_register_tasks() -> list[Task]:
    return [
        # Mail is recorded as it goes; notifications are retried while they matter.
        Task(DELIVER_TASK, deliver, commits_per_item=True, keep_trying=True),
        Task("alerts.expire", expire_due_alerts, every=timedelta(minutes=1)),
        Task("alerts.purge_responses", purge_expired_responses, every=timedelta(hours=1)),
    ]
