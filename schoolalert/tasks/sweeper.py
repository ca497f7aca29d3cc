"""The sweeper: the database, not Redis, decides what still has to run (PRODUCT I8).

Every worker runs it on a timer of its own (not through Redis), every web process after a
response, and ``schoolalert outbox dispatch`` by hand. Each sweep, safe to run anywhere at once:

1. frees the messages whose run stopped renewing its lease (the worker was killed, or cut off
   from the database) and records that as a failed attempt;
2. puts queued messages whose RQ job Redis no longer holds (a flush, a restart without
   persistence, a job that died before it started) back to pending;
3. hands every due pending message to the back end (new work, retries after their back-off);
4. logs one ERROR line while delivery is degraded (:func:`backlog`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from redis.exceptions import RedisError
from rq.job import JobStatus
from sqlalchemy import func, select, update

from schoolalert.database import utcnow
from schoolalert.extensions import db
from schoolalert.tasks import policy
from schoolalert.tasks.backends import LIVE_JOB_STATUSES, RQBackend
from schoolalert.tasks.execution import describe, record_failure, summary
from schoolalert.tasks.models import UNFINISHED, OutboxMessage, OutboxStatus
from schoolalert.tasks.registry import UnknownTask

logger = logging.getLogger(__name__)

BATCH = 500
# Given-up messages count as degraded delivery this long (or until `schoolalert outbox retry`).
FAILED_VISIBLE = timedelta(days=7)
_last_backlog_log = 0.0


@dataclass(frozen=True)
class SweepResult:
    released: int  # runs whose lease had expired
    requeued: int  # queued messages whose job Redis had lost
    handed_over: int  # due messages given to the back end


@dataclass(frozen=True)
class Backlog:
    unfinished: int  # pending, queued or running
    overdue: int  # due longer than the threshold ago and not running
    failing: int  # failing for longer than the threshold
    failed: int  # given up (recently)
    oldest_at: datetime | None  # when the oldest unfinished message was written
    last_error: str | None

    @property
    def degraded(self) -> bool:
        return bool(self.overdue or self.failing or self.failed)

    def as_dict(self) -> dict[str, object]:
        return {
            "unfinished": self.unfinished,
            "overdue": self.overdue,
            "failing": self.failing,
            "failed": self.failed,
            "oldest_at": self.oldest_at.isoformat() if self.oldest_at else None,
            "last_error": self.last_error,
        }


def sweep() -> SweepResult:
    backend = current_app.extensions["schoolalert.tasks"].backend
    released = release_expired_leases()
    requeued = requeue_lost_jobs(backend) if isinstance(backend, RQBackend) else 0
    due = due_message_ids()
    backend.dispatch(due)
    log_backlog()
    return SweepResult(released, requeued, len(due))


def release_expired_leases() -> int:
    """Runs whose worker stopped renewing the lease: count the attempt, offer the message again."""
    registry = current_app.extensions["schoolalert.tasks"].registry
    expired = db.session.execute(
        select(
            OutboxMessage.id, OutboxMessage.task, OutboxMessage.payload, OutboxMessage.lease_owner
        )
        .where(OutboxMessage.status == OutboxStatus.RUNNING, OutboxMessage.lease_until < utcnow())
        .order_by(OutboxMessage.id)
        .limit(BATCH)
    ).all()
    db.session.rollback()
    for message in expired:
        try:
            task = registry.get(message.task).task
        except UnknownTask:
            task = None
        logger.error(
            "%s was abandoned by its worker %s (no heartbeat): it runs again",
            summary(message.task, message.id, message.payload),
            message.lease_owner,
        )
        record_failure(
            message.id,
            None,
            f"the worker running it stopped renewing its lease ({message.lease_owner})",
            task,
            immediate=True,
        )
    return len(expired)


def requeue_lost_jobs(backend: RQBackend) -> int:
    """Queued messages whose job Redis no longer runs go back to pending (due at once)."""
    rows = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.handovers, OutboxMessage.queued_at)
        .where(OutboxMessage.status == OutboxStatus.QUEUED)
        .order_by(OutboxMessage.id)
        .limit(BATCH * 4)
    ).all()
    db.session.rollback()
    if not rows:
        return 0
    try:
        jobs = backend.job_states([(row.id, row.handovers) for row in rows])
    except RedisError:
        return 0  # Redis is away: nothing can be handed over either
    # A job taken by a worker that died before it claimed the message stays "started": lost once
    # it started longer than a lease ago. Its start, not its hand-over, counts: under a backlog a
    # job may wait in the queue for longer than a lease and then be taken just now.
    started_limit = utcnow() - policy.lease()
    lost = [
        row
        for row, job in zip(rows, jobs, strict=True)
        if job is None
        or job.status not in LIVE_JOB_STATUSES
        or (
            job.status == JobStatus.STARTED
            and (started := job.started_at or row.queued_at) is not None
            and started < started_limit
        )
    ]
    requeued = 0
    for row in lost:
        changed = db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == row.id,
                OutboxMessage.status == OutboxStatus.QUEUED,
                OutboxMessage.handovers == row.handovers,
            )
            .values(status=OutboxStatus.PENDING, available_at=utcnow())
        ).rowcount
        db.session.commit()
        if changed:
            requeued += 1
            message = db.session.get(OutboxMessage, row.id)
            logger.error("the job of %s vanished from Redis: it is queued again", describe(message))
    return requeued


def due_message_ids(limit: int = BATCH) -> list[int]:
    """Pending messages whose time has come, oldest first."""
    ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.available_at <= utcnow(),
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )
    db.session.rollback()
    return ids


def backlog() -> Backlog:
    """What is waiting, how long, and the last error: for ``/readyz``, the admin page, the log."""
    now = utcnow()
    limit = now - policy.degraded_after()
    unfinished = OutboxMessage.status.in_(UNFINISHED)

    def count(*conditions) -> int:
        return db.session.scalar(select(func.count()).where(*conditions)) or 0

    result = Backlog(
        unfinished=count(unfinished),
        overdue=count(
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.QUEUED]),
            OutboxMessage.available_at <= limit,
        ),
        failing=count(unfinished, OutboxMessage.failing_since <= limit),
        failed=count(
            OutboxMessage.status == OutboxStatus.FAILED,
            OutboxMessage.finished_at >= now - FAILED_VISIBLE,
        ),
        oldest_at=db.session.scalar(select(func.min(OutboxMessage.created_at)).where(unfinished)),
        last_error=db.session.scalar(
            select(OutboxMessage.last_error)
            .where(
                OutboxMessage.status.in_([*UNFINISHED, OutboxStatus.FAILED]),
                OutboxMessage.last_error.is_not(None),
            )
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        ),
    )
    db.session.rollback()
    return result


def log_backlog() -> Backlog:
    """One ERROR line per threshold period and process while delivery is degraded."""
    global _last_backlog_log
    state = backlog()
    now = time.monotonic()
    if state.degraded and now - _last_backlog_log >= policy.degraded_after().total_seconds():
        _last_backlog_log = now
        logger.error(
            "delivery degraded: %d outbox messages overdue, %d failing for more than %s, "
            "%d given up (%d unfinished in all); last error: %s",
            state.overdue,
            state.failing,
            policy.degraded_after(),
            state.failed,
            state.unfinished,
            state.last_error or "none",
        )
    return state


def retry_failed() -> int:
    """Given-up messages run again (``schoolalert outbox retry``): attempts start afresh."""
    changed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.FAILED)
        .values(
            status=OutboxStatus.PENDING,
            attempts=0,
            available_at=utcnow(),
            finished_at=None,
            failing_since=None,
        )
    ).rowcount
    db.session.commit()
    return changed
