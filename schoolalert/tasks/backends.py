"""Where due outbox messages go: run inline, or handed to RQ workers through Redis.

Neither back end retries on its own: a failed run is recorded on its outbox row with a back-off
(:mod:`schoolalert.tasks.policy`) and the sweeper hands the row over again when it is due.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import DuplicateJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer
from sqlalchemy import update

from schoolalert.database import utcnow
from schoolalert.extensions import db
from schoolalert.tasks.execution import execute
from schoolalert.tasks.models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

RUN_MESSAGE = "schoolalert.tasks.worker.run_message"
RUN_PERIODIC = "schoolalert.tasks.worker.run_periodic_tasks"
# A job in one of these states will still run (or is running); any other state, or no job at all
# (Redis lost it), means the message waits for nobody.
LIVE_JOB_STATUSES = frozenset(
    {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}
)


@dataclass(frozen=True, slots=True)
class JobState:
    status: JobStatus | None
    started_at: datetime | None  # when a worker took the job (RQ's own record)


class Backend(Protocol):
    name: str

    def dispatch(self, message_ids: Iterable[int]) -> None: ...


class InlineBackend:
    """The embedded default: run each message in this process, right after the commit."""

    name = "inline"

    def dispatch(self, message_ids: Iterable[int]) -> None:
        for message_id in message_ids:
            try:
                execute(message_id)
            except Exception:
                # Not even the failure could be recorded; the sweep finds the row again.
                db.session.rollback()
                logger.exception("outbox message %s failed", message_id)


class RQBackend:
    """Hand messages to RQ under a job id derived from the message and its hand-over count."""

    name = "rq"

    def __init__(self, redis_url: str, queue_name: str) -> None:
        self.redis_url = redis_url
        # Short timeouts for the web side: a request never hangs on an unreachable Redis.
        self.connection = Redis.from_url(
            redis_url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
        )
        self.queue = Queue(queue_name, connection=self.connection, serializer=JSONSerializer)

    def worker_connection(self) -> Redis:
        """A pool of its own for a worker: RQ sets a socket timeout longer than its blocking
        dequeue (the web side's 5 s would time out every idle wait)."""
        return Redis.from_url(
            self.redis_url,
            socket_connect_timeout=2,
            socket_keepalive=True,
            health_check_interval=30,
        )

    def dispatch(self, message_ids: Iterable[int]) -> None:
        for message_id in message_ids:
            if not self.hand_over(message_id):
                return  # Redis is unreachable: the sweep delivers the rest later

    def hand_over(self, message_id: int) -> bool:
        """Mark a pending message queued and enqueue its job; False when Redis is unreachable."""
        claimed = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING)
            .values(
                status=OutboxStatus.QUEUED,
                queued_at=utcnow(),
                handovers=OutboxMessage.handovers + 1,
            )
            .returning(OutboxMessage.handovers)
        ).scalar_one_or_none()
        if claimed is None:
            db.session.rollback()
            return True
        try:
            self.queue.enqueue(
                RUN_MESSAGE,
                message_id,
                job_id=self.job_id_for(message_id, claimed),
                unique=True,
                result_ttl=3600,
                failure_ttl=7 * 24 * 3600,
            )
        except DuplicateJobError:
            pass  # already in Redis from an earlier hand-over whose commit was lost
        except RedisError:
            db.session.rollback()
            logger.warning("Redis unreachable: outbox message %s stays pending", message_id)
            return False
        db.session.commit()
        return True

    def job_states(self, jobs: list[tuple[int, int]]) -> list[JobState | None]:
        """The RQ state of each (message id, hand-over) job; None where Redis has no such job."""
        found = Job.fetch_many(
            [self.job_id_for(message_id, handover) for message_id, handover in jobs],
            connection=self.connection,
            serializer=JSONSerializer,
        )
        return [
            JobState(job.get_status(refresh=False), job.started_at) if job is not None else None
            for job in found
        ]

    def enqueue_periodic(self, slot: int) -> bool:
        """Enqueue the periodic run for one time slot, once across all workers."""
        try:
            self.queue.enqueue(
                RUN_PERIODIC,
                job_id=f"{self.queue.name}-periodic-{slot}",
                result_ttl=3600,
                unique=True,
            )
        except DuplicateJobError:
            return False
        except RedisError:
            logger.warning("Redis unreachable: periodic tasks wait for the next slot")
            return False
        return True

    def ping(self) -> bool:
        return bool(self.connection.ping())

    def job_id_for(self, message_id: int, handover: int) -> str:
        """Unique per deployment (queue), message and hand-over: never queued twice at once."""
        return f"{self.queue.name}-outbox-{message_id}-{handover}"
