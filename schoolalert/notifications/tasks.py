"""The task that sends mail of plugin-defined kinds, registered like any plugin's."""

from __future__ import annotations

from schoolalert.notifications.plugin_mail import PLUGIN_MAIL_TASK, deliver_plugin_mail
from schoolalert.plugin_types import Task
from schoolalert.plugins import hookimpl


@hookimpl
def schoolalert_register_tasks() -> list[Task]:
    return [Task(PLUGIN_MAIL_TASK, deliver_plugin_mail)]
