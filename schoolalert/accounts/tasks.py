"""Tasks of the accounts domain, registered like a plugin's."""

from __future__ import annotations

from schoolalert.accounts.links import SEND_LINK_TASK, send_link
from schoolalert.accounts.notices import (
    RESET_REQUEST_TASK,
    SEND_NOTICE_TASK,
    password_reset,
    send_notice,
)
from schoolalert.plugin_types import Task
from schoolalert.plugins import hookimpl


@hookimpl
def schoolalert_register_tasks() -> list[Task]:
    return [
        Task(SEND_LINK_TASK, send_link),
        Task(SEND_NOTICE_TASK, send_notice),
        Task(RESET_REQUEST_TASK, password_reset),
    ]
