"""The transactional outbox and its two back ends (PRODUCT I8)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from rq.utils import utcformat
from schoolalert_example import EventCount
from sqlalchemy import func, select

from schoolalert import create_app
from schoolalert.database import utcnow
from schoolalert.extensions import db
from schoolalert.tasks import policy
from schoolalert.tasks.backends import RQBackend
from schoolalert.tasks.execution import execute
from schoolalert.tasks.models import OutboxMessage, OutboxStatus
from schoolalert.tasks.outbox import enqueue
from schoolalert.tasks.periodic import run_due_periodic_tasks
from schoolalert.tasks.registry import RegisteredTask, UnknownTask
from schoolalert.tasks.sweeper import release_expired_leases, sweep
from schoolalert.transaction import commit, rollback
from tests.conftest import TEST_REDIS_URL

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def recorded(app):
    """Enable the example plugin, whose task ``example.record_publication`` writes a row."""
    from schoolalert.plugin_admin import services

    with app.app_context():
        services.set_enabled(app.extensions["schoolalert.plugins"], "example", True, actor=None)
        commit()

    def count() -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(EventCount))

    return count


def replace_task(app, monkeypatch, name, func):
    registry = app.extensions["schoolalert.tasks"].registry
    entry = registry.get(name)
    monkeypatch.setitem(registry._tasks, name, RegisteredTask(replace(entry.task, func=func), None))


def statuses(app) -> list[OutboxStatus]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


def test_work_of_a_rolled_back_transaction_never_runs(app, recorded, run_jobs):
    with app.app_context():
        enqueue("example.record_publication", {"alert_id": 1})
        rollback()
        commit()  # a later, unrelated commit in the same session
    run_jobs()
    assert recorded() == 0
    assert statuses(app) == []


def test_nothing_runs_before_the_commit(app, recorded, run_jobs):
    with app.app_context():
        enqueue("example.record_publication", {"alert_id": 1})
        db.session.flush()
        run_jobs()
        assert db.session.scalar(select(func.count()).select_from(EventCount)) == 0
        commit()
    run_jobs()
    assert recorded() == 1
    assert statuses(app) == [OutboxStatus.DONE]


def test_the_same_key_is_written_once(app, recorded, run_jobs):
    with app.app_context():
        enqueue("example.record_publication", {"alert_id": 1}, key="once")
        enqueue("example.record_publication", {"alert_id": 1}, key="once")
        commit()
        enqueue("example.record_publication", {"alert_id": 1}, key="once")
        commit()
    run_jobs()
    assert recorded() == 1


def test_unknown_tasks_and_non_json_payloads_fail_in_the_callers_transaction(app):
    with app.app_context():
        with pytest.raises(UnknownTask):
            enqueue("no.such.task")
        with pytest.raises(TypeError):
            enqueue("example.record_publication", {"alert_id": object()})


def test_running_a_message_twice_runs_it_once(app, recorded):
    with app.app_context():
        enqueue("example.record_publication", {"alert_id": 1})
        db.session.commit()  # committed without dispatch, as if the process died right after
        message_id = db.session.scalar(select(OutboxMessage.id))
        assert execute(message_id) == OutboxStatus.DONE
        assert execute(message_id) == OutboxStatus.DONE
    assert recorded() == 1


def test_a_failing_task_is_retried_after_a_back_off_then_given_up(app, monkeypatch):
    calls = []

    def flaky(**payload):
        calls.append(payload)
        raise ConnectionError("mail server down")

    replace_task(app, monkeypatch, "alerts.expire", flaky)
    app.config["OUTBOX_MAX_ATTEMPTS"] = 2
    with app.app_context():
        db.session.add(OutboxMessage(task="alerts.expire", payload={}))
        db.session.commit()
        message_id = db.session.scalar(select(OutboxMessage.id))
        assert execute(message_id) == OutboxStatus.PENDING  # recorded, not raised
        message = db.session.get(OutboxMessage, message_id)
        assert message.status == OutboxStatus.PENDING
        assert message.attempts == 1
        assert message.last_error == "ConnectionError: mail server down"
        assert message.failing_since is not None
        assert message.available_at > utcnow() + timedelta(seconds=5)
        assert execute(message_id) == OutboxStatus.PENDING  # not due yet: does not run
        assert len(calls) == 1
        db.session.execute(db.update(OutboxMessage).values(available_at=utcnow()))
        db.session.commit()
        assert execute(message_id) == OutboxStatus.FAILED
        assert execute(message_id) == OutboxStatus.FAILED  # never tried again
    assert len(calls) == 2


def test_inline_failures_do_not_break_the_committing_request(app, monkeypatch):
    if app.config["REDIS_URL"]:
        pytest.skip("inline back end only")

    def broken():
        raise RuntimeError("boom")

    replace_task(app, monkeypatch, "alerts.expire", broken)
    with app.app_context():
        enqueue("alerts.expire")
        commit()  # does not raise
    assert statuses(app) == [OutboxStatus.PENDING]


def test_periodic_tasks_run_once_per_interval(app, recorded):
    with app.app_context():
        first = run_due_periodic_tasks()
        second = run_due_periodic_tasks()
    assert "alerts.expire" in first
    assert "alerts.expire" not in second


# -- Redis and RQ -------------------------------------------------------------------------------


@pytest.fixture
def rq_app(app_config):
    if not TEST_REDIS_URL:
        pytest.skip("needs SCHOOLALERT_TEST_REDIS_URL (Redis)")
    if app_config["REDIS_URL"] is None:
        pytest.skip("runs with the services back end")
    return create_app(app_config)


def queued_jobs(app) -> int:
    return app.extensions["schoolalert.tasks"].backend.queue.count


@pytest.mark.redis
def test_work_committed_while_redis_is_down_is_delivered_when_it_is_back(
    app_config, recorded, rq_app, run_jobs
):
    down = create_app({**app_config, "REDIS_URL": UNREACHABLE_REDIS})
    with down.app_context():
        enqueue("example.record_publication", {"alert_id": 1})
        commit()  # Redis unreachable: the commit still succeeds
        message = db.session.scalars(select(OutboxMessage)).one()
        assert message.status == OutboxStatus.PENDING
    # Redis is back: the sweep of any process hands the message over.
    with rq_app.app_context():
        assert sweep().handed_over == 1
    run_jobs()
    assert recorded() == 1
    assert statuses(rq_app) == [OutboxStatus.DONE]


@pytest.mark.redis
def test_a_relay_run_twice_enqueues_once(app, rq_app, recorded, run_jobs):
    with rq_app.app_context():
        enqueue("example.record_publication", {"alert_id": 1})
        db.session.commit()  # committed, not yet handed over
        backend: RQBackend = rq_app.extensions["schoolalert.tasks"].backend
        assert sweep().handed_over == 1
        assert sweep().handed_over == 0
        message_id = db.session.scalar(select(OutboxMessage.id))
        # Even a lost database update cannot queue it twice: the job id is taken.
        db.session.execute(
            db.update(OutboxMessage).values(
                status=OutboxStatus.PENDING, queued_at=None, handovers=OutboxMessage.handovers - 1
            )
        )
        db.session.commit()
        backend.dispatch([message_id])
    assert queued_jobs(rq_app) == 1
    run_jobs()
    assert recorded() == 1


@pytest.mark.redis
def test_a_job_lost_by_redis_is_queued_again_at_the_next_sweep(app, rq_app, recorded, run_jobs):
    backend: RQBackend = rq_app.extensions["schoolalert.tasks"].backend
    with rq_app.app_context():
        enqueue("example.record_publication", {"alert_id": 1})
        commit()
        backend.queue.empty()  # Redis lost the job (a flush, a restart without persistence)
        for key in backend.connection.scan_iter(match=f"*{backend.queue.name}-outbox-*"):
            backend.connection.delete(key)
        result = sweep()
        assert (result.requeued, result.handed_over) == (1, 1)
        assert sweep().requeued == 0  # the new job is live
    run_jobs()
    assert recorded() == 1


def _taken_by_a_worker(backend: RQBackend, started_at) -> None:
    """As RQ marks the job of the one message when a worker takes it (before it claims the row)."""
    (key,) = backend.connection.scan_iter(match=f"rq:job:{backend.queue.name}-outbox-*")
    backend.connection.hset(key, mapping={"status": "started", "started_at": utcformat(started_at)})


@pytest.mark.redis
def test_a_job_taken_just_now_after_a_long_wait_in_the_queue_is_not_lost(app, rq_app):
    backend: RQBackend = rq_app.extensions["schoolalert.tasks"].backend
    with rq_app.app_context():
        enqueue("example.record_publication", {"alert_id": 1})
        commit()
        long_ago = utcnow() - policy.lease() * 3  # a backlog: handed over three leases ago
        db.session.execute(db.update(OutboxMessage).values(queued_at=long_ago))
        db.session.commit()
        _taken_by_a_worker(backend, utcnow())
        handovers = db.session.scalar(select(OutboxMessage.handovers))
        assert sweep().requeued == 0
        message = db.session.scalars(select(OutboxMessage)).one()
        assert (message.status, message.handovers) == (OutboxStatus.QUEUED, handovers)


@pytest.mark.redis
def test_a_job_started_a_lease_ago_whose_message_was_never_claimed_is_queued_again(app, rq_app):
    backend: RQBackend = rq_app.extensions["schoolalert.tasks"].backend
    with rq_app.app_context():
        enqueue("example.record_publication", {"alert_id": 1})
        commit()
        _taken_by_a_worker(backend, utcnow() - policy.lease() * 2)  # the worker died at once
        result = sweep()
        assert (result.requeued, result.handed_over) == (1, 1)


@pytest.mark.redis
def test_periodic_runs_are_enqueued_once_per_slot(app, rq_app):
    backend: RQBackend = rq_app.extensions["schoolalert.tasks"].backend
    assert backend.enqueue_periodic(123) is True
    assert backend.enqueue_periodic(123) is False
    assert backend.enqueue_periodic(124) is True


def test_a_run_whose_worker_died_runs_again_after_its_lease(app, recorded, run_jobs):
    with app.app_context():
        enqueue("example.record_publication", {"alert_id": 1})
        db.session.commit()  # not dispatched: as if a worker took it and was killed
        db.session.execute(
            db.update(OutboxMessage).values(
                status=OutboxStatus.RUNNING,
                lease_owner="host:1:dead",
                lease_until=utcnow() - timedelta(seconds=1),
            )
        )
        db.session.commit()
        assert release_expired_leases() == 1
        message = db.session.scalars(select(OutboxMessage)).one()
        assert message.status == OutboxStatus.PENDING
        assert message.available_at <= utcnow()  # due again at once
        assert message.attempts == 1
        assert "stopped renewing its lease (host:1:dead)" in message.last_error
        assert sweep().handed_over == 1
    run_jobs()
    assert statuses(app) == [OutboxStatus.DONE]
    assert recorded() == 1


def test_a_live_lease_is_left_alone(app, recorded):
    with app.app_context():
        enqueue("example.record_publication", {"alert_id": 1})
        db.session.commit()
        db.session.execute(
            db.update(OutboxMessage).values(
                status=OutboxStatus.RUNNING,
                lease_owner="host:1:alive",
                lease_until=utcnow() + timedelta(seconds=30),
            )
        )
        db.session.commit()
        message_id = db.session.scalar(select(OutboxMessage.id))
        assert sweep().released == 0
        assert execute(message_id) == OutboxStatus.RUNNING  # another run holds it
    assert recorded() == 0


def test_the_back_off_doubles_and_is_capped(app):
    from schoolalert.tasks.policy import backoff

    with app.app_context():
        waits = [backoff(n).total_seconds() for n in range(1, 12)]
    assert waits[:4] == [10, 20, 40, 80]
    assert max(waits) == app.config["OUTBOX_BACKOFF_CAP_SECONDS"] == 300


@pytest.mark.redis
def test_the_worker_redis_pool_fits_the_blocking_dequeue(app, rq_app):
    from schoolalert.tasks.worker import AppSimpleWorker, make_worker

    backend: RQBackend = rq_app.extensions["schoolalert.tasks"].backend
    with rq_app.app_context():
        backend.ping()  # the web side's pool, with its short timeout, is in use
    worker = make_worker(rq_app, backend, AppSimpleWorker)
    timeout = worker.connection.connection_pool.connection_kwargs["socket_timeout"]
    assert timeout > worker.dequeue_timeout
    assert backend.connection.connection_pool.connection_kwargs["socket_timeout"] == 5


@pytest.mark.redis
def test_a_heartbeat_keeps_a_long_run_leased(app, rq_app, monkeypatch):
    """PostgreSQL: a run longer than its lease keeps it while it beats; a sweep leaves it."""
    import threading
    import time

    rq_app.config.update(OUTBOX_LEASE_SECONDS=1, OUTBOX_HEARTBEAT_SECONDS=0.2)
    released = []

    def sweep_elsewhere() -> None:
        with rq_app.app_context():
            released.append(release_expired_leases())

    def slow() -> None:
        time.sleep(1.6)  # longer than the lease
        other = threading.Thread(target=sweep_elsewhere)
        other.start()
        other.join()

    replace_task(rq_app, monkeypatch, "alerts.expire", slow)
    with rq_app.app_context():
        db.session.add(OutboxMessage(task="alerts.expire", payload={}))
        db.session.commit()
        message_id = db.session.scalar(select(OutboxMessage.id))
        assert execute(message_id) == OutboxStatus.DONE
    assert released == [0]
