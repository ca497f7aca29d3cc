"""Where committed outbox messages go: run inline, or handed to RQ workers through Redis."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Protocol

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer
from sqlalchemy import select, update

from schoolalert.database import utcnow
from schoolalert.extensions import db
from schoolalert.tasks.models import OutboxMessage, OutboxStatus
from schoolalert.tasks.outbox import claim_for_queue, due_message_ids, execute

logger = logging.getLogger(__name__)

RUN_MESSAGE = "schoolalert.tasks.worker.run_message"
RUN_PERIODIC = "schoolalert.tasks.worker.run_periodic_tasks"
RETRY_INTERVALS = (10, 60, 300)
LOST_JOB_STATUSES = {None, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}


class Backend(Protocol):
    name: str

    def dispatch(self, message_ids: Iterable[int]) -> None: ...

    def relay_due(self) -> int: ...


class InlineBackend:
    """The embedded default: run each message in this process, right after the commit."""

    name = "inline"

    def dispatch(self, message_ids: Iterable[int]) -> None:
        for message_id in message_ids:
            self._run(message_id)

    def relay_due(self) -> int:
        message_ids = due_message_ids()
        self.dispatch(message_ids)
        return len(message_ids)

    @staticmethod
    def _run(message_id: int) -> None:
        try:
            execute(message_id)
        except Exception:
            # The attempt is recorded on the message; the sweep tries again after a back-off.
            logger.exception("outbox message %s failed", message_id)


class RQBackend:
    """Hand messages to RQ; a message is enqueued once, under a job id derived from its id."""

    name = "rq"

    def __init__(self, redis_url: str, queue_name: str, stale_after: timedelta) -> None:
        self.connection = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
        self.queue = Queue(queue_name, connection=self.connection, serializer=JSONSerializer)
        self.stale_after = stale_after

    def dispatch(self, message_ids: Iterable[int]) -> None:
        for message_id in message_ids:
            if not self._hand_over(message_id):
                return  # Redis is unreachable: the sweep delivers the rest later

    def relay_due(self) -> int:
        self._requeue_lost_jobs()
        handed = 0
        for message_id in due_message_ids():
            if not self._hand_over(message_id):
                break
            handed += 1
        return handed

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

    def _hand_over(self, message_id: int) -> bool:
        if not claim_for_queue(message_id):
            db.session.rollback()
            return True
        try:
            self.queue.enqueue(
                RUN_MESSAGE,
                message_id,
                job_id=self.job_id_for(message_id),
                unique=True,
                retry=Retry(max=len(RETRY_INTERVALS), interval=list(RETRY_INTERVALS)),
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

    def _requeue_lost_jobs(self) -> None:
        """Messages queued long ago whose job Redis no longer runs go back to pending."""
        stale = db.session.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.status == OutboxStatus.QUEUED,
                OutboxMessage.queued_at < utcnow() - self.stale_after,
            )
        ).all()
        for message_id in stale:
            try:
                status = Job.fetch(
                    self.job_id_for(message_id),
                    connection=self.connection,
                    serializer=JSONSerializer,
                ).get_status()
            except NoSuchJobError:
                status = None
            except RedisError:
                return
            if status in LOST_JOB_STATUSES:
                if status is not None:
                    Job(self.job_id_for(message_id), connection=self.connection).delete()
                db.session.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.id == message_id,
                        OutboxMessage.status == OutboxStatus.QUEUED,
                    )
                    .values(status=OutboxStatus.PENDING, available_at=utcnow())
                )
        db.session.commit()

    def job_id_for(self, message_id: int) -> str:
        """Unique per deployment (queue) and message: the same message is never queued twice."""
        return f"{self.queue.name}-outbox-{message_id}"
