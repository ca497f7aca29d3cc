"""Background work: a transactional outbox feeding an inline or an RQ back end.

Use :func:`enqueue` inside a transaction and :func:`schoolalert.transaction.commit` to end it.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from flask import Flask, Response, current_app

from schoolalert.tasks.backends import Backend, InlineBackend, RQBackend
from schoolalert.tasks.outbox import TaskRegistry, enqueue

__all__ = ["TaskSystem", "enqueue"]

logger = logging.getLogger(__name__)


class TaskSystem:
    """The task registry and back end of one application (``app.extensions``)."""

    def __init__(self, app: Flask) -> None:
        plugins = app.extensions["schoolalert.plugins"]
        self.registry = TaskRegistry(plugins.contributions("schoolalert_register_tasks"))
        redis_url = app.config.get("REDIS_URL")
        self.backend: Backend = (
            RQBackend(
                redis_url,
                app.config["RQ_QUEUE"],
                stale_after=timedelta(seconds=app.config["OUTBOX_STALE_SECONDS"]),
            )
            if redis_url
            else InlineBackend()
        )
        self._last_inline_tick = 0.0
        self._tick_lock = threading.Lock()
        app.extensions["schoolalert.tasks"] = self
        if isinstance(self.backend, InlineBackend) and app.config["PERIODIC_INLINE"]:
            app.after_request(self._tick_after_response)

    def dispatch(self, message_ids: list[int]) -> None:
        if message_ids:
            self.backend.dispatch(message_ids)

    def _tick_after_response(self, response: Response) -> Response:
        """Without workers, periodic tasks run after a response, at most once per interval."""
        interval = current_app.config["PERIODIC_INTERVAL_SECONDS"]
        now = time.monotonic()
        if now - self._last_inline_tick < interval or not self._tick_lock.acquire(blocking=False):
            return response
        self._last_inline_tick = now
        app = current_app._get_current_object()  # type: ignore[attr-defined]

        def tick() -> None:
            from schoolalert.tasks.periodic import run_due_periodic_tasks

            try:
                with app.app_context():
                    run_due_periodic_tasks()
            except Exception:
                logger.exception("periodic tasks failed")
            finally:
                self._tick_lock.release()

        response.call_on_close(tick)
        return response


def init_app(app: Flask) -> TaskSystem:
    return TaskSystem(app)
