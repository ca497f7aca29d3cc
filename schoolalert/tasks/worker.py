"""The RQ worker: jobs run inside the application context; a ticker sweeps the outbox.

The worker outlives Redis: when RQ's loop stops on a connection error (RQ quits its loop on
most of them) the worker waits until Redis answers again and starts a fresh loop. Its sweeps
run on a thread of its own, against the database, whether Redis is up or not.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from flask import Flask
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker, Worker
from rq.serializers import JSONSerializer

from schoolalert.extensions import db
from schoolalert.tasks import policy
from schoolalert.tasks.backends import RQBackend
from schoolalert.tasks.execution import describe, execute
from schoolalert.tasks.models import OutboxMessage
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
    """Jobs run in an app context of ``app``; a killed job is logged with what it held."""

    # After a Redis outage RQ retries its dequeue with a back-off; keep it short.
    max_connection_wait_time = 2.0

    def __init__(self, *args: Any, app: Flask, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = app

    def perform_job(self, *args: Any, **kwargs: Any) -> bool:
        with self.app.app_context():
            return super().perform_job(*args, **kwargs)  # type: ignore[misc]

    def handle_work_horse_killed(self, job: Any, retpid: int, ret_val: int, rusage: Any) -> None:
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)  # type: ignore[misc]
        what = f"job {job.id}"
        try:
            if job.func_name == "schoolalert.tasks.worker.run_message" and job.args:
                with self.app.app_context():
                    what = describe(db.session.get(OutboxMessage, job.args[0]))
                    db.session.rollback()
        except Exception:  # the database may be what killed it
            logger.debug("could not describe killed job %s", job.id, exc_info=True)
        logger.error(
            "the process running %s died (exit status %s); it runs again once its lease expires",
            what,
            ret_val,
        )


# Held by the ticker thread while it works, and by the worker while it forks a horse: a fork
# copies only the forking thread, so a lock the ticker held at that moment (the database pool's,
# a template cache's, the import lock) would stay locked in the horse for ever.
TICKER_BUSY = threading.Lock()


class AppWorker(AppContextMixin, Worker):
    """Forks a work horse per job (the default)."""

    def fork_work_horse(self, *args: Any, **kwargs: Any) -> None:
        with TICKER_BUSY:  # never while the ticker is in the middle of something
            super().fork_work_horse(*args, **kwargs)

    def main_work_horse(self, *args: Any, **kwargs: Any) -> None:
        # The forked horse must not share the parent's database connections.
        with self.app.app_context():
            db.engine.dispose(close=False)
        super().main_work_horse(*args, **kwargs)


class AppSimpleWorker(AppContextMixin, SimpleWorker):
    """Runs jobs in its own process (``--no-fork``)."""


class Ticker(threading.Thread):
    """Sweeps the outbox every ``OUTBOX_SWEEP_SECONDS`` and enqueues one periodic run per
    interval slot (several workers still give one run)."""

    def __init__(self, app: Flask, backend: RQBackend) -> None:
        super().__init__(name="schoolalert-ticker", daemon=True)
        self.app = app
        self.backend = backend
        self.stopped = threading.Event()
        with app.app_context():
            self.sweep_seconds = policy.sweep_seconds()
        self.periodic_seconds = app.config["PERIODIC_INTERVAL_SECONDS"]

    def run(self) -> None:
        from schoolalert.tasks.sweeper import sweep

        while not self.stopped.is_set():
            with TICKER_BUSY:
                try:
                    with self.app.app_context():
                        sweep()
                except Exception as error:
                    logger.warning(
                        "outbox sweep failed (retried in %ss): %s", self.sweep_seconds, error
                    )
                self.backend.enqueue_periodic(int(time.time()) // self.periodic_seconds)
            self.stopped.wait(self.sweep_seconds)


def wait_for_redis(connection: Redis, stopped: threading.Event) -> None:
    """Block until Redis answers (logging the outage once)."""
    logged = False
    while not stopped.is_set():
        try:
            connection.ping()
            if logged:
                logger.warning("Redis answers again: the worker resumes")
            return
        except RedisError as error:
            if not logged:
                logger.error("Redis unreachable (%s): the worker waits for it", error)
                logged = True
            stopped.wait(1.0)


def make_worker(app: Flask, backend: RQBackend, worker_class: type[Worker]) -> Worker:
    """A worker on a Redis pool of its own, whose socket timeout RQ fits to its blocking
    dequeue (a shorter one would time out every idle wait and log it as an error)."""
    connection = backend.worker_connection()
    queue = Queue(backend.queue.name, connection=connection, serializer=JSONSerializer)
    return worker_class([queue], connection=connection, serializer=JSONSerializer, app=app)


def _stop_was_requested(worker: Worker) -> bool:
    """SIGTERM/SIGINT ended RQ's loop (busy: it finished the job first; idle: at once)."""
    return bool(
        getattr(worker, "_stop_requested", False)
        or getattr(worker, "_shutdown_requested_date", None)
    )


def _stop_on_signals(stopped: threading.Event) -> None:
    """Between RQ loops (RQ's own handlers are gone with its loop): SIGTERM/SIGINT stop."""
    if threading.current_thread() is not threading.main_thread():
        return

    def stop(signum: int, frame: Any) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def run_worker(
    app: Flask, *, burst: bool = False, fork: bool = True, with_ticker: bool = True
) -> bool:
    """Work the Schoolalert queue until stopped (or until it is empty, with ``burst``)."""
    backend = app.extensions["schoolalert.tasks"].backend
    if not isinstance(backend, RQBackend):
        raise RuntimeError("the worker needs SCHOOLALERT_REDIS_URL; without it jobs run inline")
    ticker = Ticker(app, backend)
    if with_ticker:
        ticker.start()
    worker_class = AppWorker if fork else AppSimpleWorker
    worked = False
    try:
        while True:
            worker = make_worker(app, backend, worker_class)
            connection = worker.connection
            try:
                worked = worker.work(burst=burst) or worked
            except RedisError as error:
                if burst:
                    raise
                logger.error("the worker lost Redis (%s)", error)
            else:
                if burst or _stop_was_requested(worker):
                    return worked
                logger.error("the RQ loop stopped on an error; it starts again once Redis answers")
            _stop_on_signals(ticker.stopped)
            ticker.stopped.wait(1.0)
            wait_for_redis(connection, ticker.stopped)
            connection.close()
            if ticker.stopped.is_set():
                return worked
    finally:
        ticker.stopped.set()
