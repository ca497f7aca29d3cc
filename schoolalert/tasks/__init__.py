"""Background work: a transactional outbox feeding an inline or an RQ back end.

Write work with :func:`schoolalert.tasks.outbox.enqueue` inside a transaction and end it with
:func:`schoolalert.transaction.commit`. :mod:`~schoolalert.tasks.execution` runs one message as a
unit of work under a lease, :mod:`~schoolalert.tasks.sweeper` makes the database drive delivery,
:mod:`~schoolalert.tasks.policy` holds the one retry policy.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import Flask, Response, current_app

from schoolalert.tasks.backends import Backend, InlineBackend, RQBackend
from schoolalert.tasks.outbox import enqueue
from schoolalert.tasks.registry import TaskRegistry

__all__ = ["TaskSystem", "enqueue"]

logger = logging.getLogger(__name__)


class TaskSystem:
    """The task registry and back end of one application (``app.extensions``)."""

    def __init__(self, app: Flask) -> None:
        plugins = app.extensions["schoolalert.plugins"]
        self.registry = TaskRegistry(plugins.contributions("schoolalert_register_tasks"))
        redis_url = app.config.get("REDIS_URL")
        self.backend: Backend = (
            RQBackend(redis_url, app.config["RQ_QUEUE"]) if redis_url else InlineBackend()
        )
        self._last_tick = {"periodic": 0.0, "sweep": 0.0}
        self._tick_lock = threading.Lock()
        app.extensions["schoolalert.tasks"] = self
        inline_periodic = isinstance(self.backend, InlineBackend) and app.config["PERIODIC_INLINE"]
        if inline_periodic or app.config["OUTBOX_SWEEP_IN_WEB"]:
            app.after_request(self._tick_after_response)

    def dispatch(self, message_ids: list[int]) -> None:
        if message_ids:
            self.backend.dispatch(message_ids)

    def _due(self, name: str, interval: float, now: float) -> bool:
        if now - self._last_tick[name] < interval:
            return False
        self._last_tick[name] = now
        return True

    def _tick_after_response(self, response: Response) -> Response:
        """After a response, at most once per interval: the outbox sweep (every web process
        helps, so delivery never waits for a worker's timer) and, without workers, the periodic
        tasks."""
        config = current_app.config
        now = time.monotonic()
        jobs: list[Callable[[], object]] = []
        if not self._tick_lock.acquire(blocking=False):
            return response
        try:
            if config["OUTBOX_SWEEP_IN_WEB"] and self._due(
                "sweep", config["OUTBOX_SWEEP_SECONDS"], now
            ):
                from schoolalert.tasks.sweeper import sweep

                jobs.append(sweep)
            if (
                isinstance(self.backend, InlineBackend)
                and config["PERIODIC_INLINE"]
                and self._due("periodic", config["PERIODIC_INTERVAL_SECONDS"], now)
            ):
                from schoolalert.tasks.periodic import run_due_periodic_tasks

                jobs.append(run_due_periodic_tasks)
        except BaseException:
            self._tick_lock.release()
            raise
        if not jobs:
            self._tick_lock.release()
            return response
        app = current_app._get_current_object()  # type: ignore[attr-defined]

        def tick() -> None:
            try:
                with app.app_context():
                    for job in jobs:
                        try:
                            job()
                        except Exception:
                            logger.exception("background tick %s failed", job.__name__)
            finally:
                self._tick_lock.release()

        response.call_on_close(tick)
        return response


def init_app(app: Flask) -> TaskSystem:
    return TaskSystem(app)
