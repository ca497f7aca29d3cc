"""The one retry policy of the outbox, and the timers of leases and sweeps.

RQ does not retry: a failed run is recorded on its outbox row with a back-off, and the sweeper
hands the row over again when it is due. Every timer is a setting, so the fault tests run fast.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from schoolalert.plugin_types import Task


def backoff(attempts: int) -> timedelta:
    """After the n-th failed attempt: base, doubled each time, capped (10 s, 20 s … 5 min)."""
    config = current_app.config
    base = config["OUTBOX_BACKOFF_BASE_SECONDS"]
    return timedelta(
        seconds=min(config["OUTBOX_BACKOFF_CAP_SECONDS"], base * 2 ** min(max(0, attempts - 1), 20))
    )


def gives_up(task: Task | None, attempts: int) -> bool:
    """Tasks with ``keep_trying`` are tried until they succeed; others a fixed number of times."""
    if task is not None and task.keep_trying:
        return False
    return attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]


def lease() -> timedelta:
    """How long a run holds its message without renewing; a dead worker's message is free after."""
    return timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])


def heartbeat_seconds() -> float:
    return float(current_app.config["OUTBOX_HEARTBEAT_SECONDS"])


def sweep_seconds() -> float:
    return float(current_app.config["OUTBOX_SWEEP_SECONDS"])


def degraded_after() -> timedelta:
    """Work waiting or failing longer than this is a delivery backlog (``/readyz``, ERROR log)."""
    return timedelta(seconds=current_app.config["OUTBOX_DEGRADED_SECONDS"])
