"""The RQ worker: jobs run inside the application context; a ticker feeds periodic tasks."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import Flask
from rq import SimpleWorker, Worker
from rq.serializers import JSONSerializer

from schoolalert.extensions import db
from schoolalert.tasks.backends import RQBackend
from schoolalert.tasks.outbox import execute
from schoolalert.tasks.periodic import run_due_periodic_tasks

logger = logging.getLogger(__name__)


def run_message(message_id: int) -> str | None:
    """RQ job: run one outbox message (idempotent)."""
    status = execute(message_id)
    return status.value if status else None


def run_periodic_tasks() -> list[str]:
    """RQ job: run the periodic tasks that are due."""
    return run_due_periodic_tasks()


class AppContextMixin:
    """Jobs run in an app context of ``app``."""

    def __init__(self, *args: Any, app: Flask, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = app

    def perform_job(self, *args: Any, **kwargs: Any) -> bool:
        with self.app.app_context():
            return super().perform_job(*args, **kwargs)  # type: ignore[misc]


class AppWorker(AppContextMixin, Worker):
    """Forks a work horse per job (the default)."""

    def main_work_horse(self, *args: Any, **kwargs: Any) -> None:
        # The forked horse must not share the parent's database connections.
        with self.app.app_context():
            db.engine.dispose(close=False)
        super().main_work_horse(*args, **kwargs)


class AppSimpleWorker(AppContextMixin, SimpleWorker):
    """Runs jobs in its own process (``--no-fork``)."""


class PeriodicTicker(threading.Thread):
    """Enqueues one periodic run per interval slot; several workers still give one run."""

    def __init__(self, backend: RQBackend, interval: int) -> None:
        super().__init__(name="schoolalert-ticker", daemon=True)
        self.backend = backend
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.backend.enqueue_periodic(int(time.time()) // self.interval)
            self.stopped.wait(self.interval - time.time() % self.interval)


def run_worker(
    app: Flask, *, burst: bool = False, fork: bool = True, with_ticker: bool = True
) -> bool:
    """Work the Schoolalert queue until stopped (or until it is empty, with ``burst``)."""
    backend = app.extensions["schoolalert.tasks"].backend
    if not isinstance(backend, RQBackend):
        raise RuntimeError("the worker needs SCHOOLALERT_REDIS_URL; without it jobs run inline")
    ticker = PeriodicTicker(backend, app.config["PERIODIC_INTERVAL_SECONDS"])
    if with_ticker:
        ticker.start()
    worker_class = AppWorker if fork else AppSimpleWorker
    worker = worker_class(
        [backend.queue], connection=backend.connection, serializer=JSONSerializer, app=app
    )
    try:
        return worker.work(burst=burst, with_scheduler=True)
    finally:
        ticker.stopped.set()
