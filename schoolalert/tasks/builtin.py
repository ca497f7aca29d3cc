"""Core tasks of the task system itself, registered like any plugin's."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from schoolalert.plugin_types import Task
from schoolalert.plugins import hookimpl


def relay_due_messages() -> None:
    """Hand over what was committed while the back end was unreachable, and retries."""
    current_app.extensions["schoolalert.tasks"].backend.relay_due()


@hookimpl
def schoolalert_register_tasks() -> list[Task]:
    return [Task("outbox.relay", relay_due_messages, every=timedelta(minutes=1))]
