"""Background tasks of the audit trail, registered like any plugin's."""

from __future__ import annotations

from datetime import timedelta

from schoolalert.audit.checkpoints import CHECKPOINT_TASK, checkpoint_task
from schoolalert.plugin_api import Task
from schoolalert.plugins import hookimpl


@hookimpl
def schoolalert_register_tasks() -> list[Task]:
    return [Task(CHECKPOINT_TASK, checkpoint_task, every=timedelta(minutes=15))]
