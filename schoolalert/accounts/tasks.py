"""Tasks of the accounts domain, registered like a plugin's."""

from __future__ import annotations

from schoolalert.accounts.links import SEND_LINK_TASK, send_link
from schoolalert.plugin_types import Task
from schoolalert.plugins import hookimpl


@hookimpl
def schoolalert_register_tasks() -> list[Task]:
    return [Task(SEND_LINK_TASK, send_link)]
