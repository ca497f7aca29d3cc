"""Faults on purpose, measured: no notification lost, at most one batch of extra mails per crash,
nothing sent for a closed alert, delivery resumed within a bound after the fault ends (PRODUCT I8).

Each scenario publishes one alert to 150 staff (6 delivery batches) through real worker
processes, a Redis server and an SMTP sink of its own, and breaks one thing.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

from redis import Redis
from rq import Worker
from sqlalchemy import func, select

from schoolalert.accounts.models import User
from schoolalert.alerts import closing, review
from schoolalert.alerts.access import statistics
from schoolalert.errors import Conflict
from schoolalert.extensions import db
from schoolalert.notifications.models import Notification, NotificationKind, SkipReason
from schoolalert.tasks.models import UNFINISHED, OutboxMessage, OutboxStatus
from schoolalert.transaction import commit, rollback
from tests.faults.harness import Nation, populate, submitted_alert, wait_until

SCHOOLS, PER_SCHOOL = 30, 5
# After the fault ends, everything is delivered within this bound (timers of conftest.TIMERS;
# it takes 5-15 s on an idle machine, the margin is for a loaded CI host).
RECOVERY_BOUND = 60


def start(fault, workers: int) -> tuple[Nation, int]:
    nation = populate(fault.app, SCHOOLS, PER_SCHOOL)
    alert_id = submitted_alert(fault.app, nation)
    fault.workers.start(workers)
    connection = Redis.from_url(fault.redis.url)
    wait_until(lambda: Worker.count(connection=connection) >= workers, 60, "workers listening")
    connection.close()
    return nation, alert_id


def approve(fault, nation: Nation, alert_id: int, prosecutor: int = 0) -> None:
    with fault.app.app_context():
        review.approve(
            db.session.get(User, nation.prosecutors[prosecutor]), alert_id, images_checked=True
        )
        commit()


def new_alert_mails(fault) -> Counter[str]:
    return Counter(mail.to for mail in fault.sink.mails(fault.new_alert_subject))


def all_told(fault, nation: Nation) -> bool:
    return set(new_alert_mails(fault)) >= set(nation.staff)


def assert_each_told_once(fault, nation: Nation, *, extra: int) -> None:
    received = new_alert_mails(fault)
    missing = set(nation.staff) - set(received)
    assert not missing, f"{len(missing)} staff never got the alert"
    duplicates = sum(count - 1 for count in received.values())
    assert duplicates <= extra, f"{duplicates} extra mails (at most {extra} allowed)"


def one_batch(fault) -> int:
    """A crash resends at most the mails of the one batch in flight."""
    return fault.app.config["NOTIFICATION_BATCH_SIZE"]


def outbox_drained(fault) -> bool:
    with fault.app.app_context():
        left = db.session.scalar(select(func.count()).where(OutboxMessage.status.in_(UNFINISHED)))
        db.session.rollback()
        return left == 0


def staff_notified(fault, alert_id: int) -> int:
    with fault.app.app_context():
        return statistics(alert_id)["staff_notified"]


def test_redis_killed_and_restarted_empty_mid_fan_out(fault):
    nation, alert_id = start(fault, workers=2)
    approve(fault, nation, alert_id)
    wait_until(lambda: len(new_alert_mails(fault)) >= 30, 30, "the fan-out under way")
    fault.redis.kill()
    time.sleep(2)
    fault.redis.start()  # back, and empty: every queued job is gone
    back = time.monotonic()
    wait_until(lambda: all_told(fault, nation), RECOVERY_BOUND, "every staff member told")
    print(f"recovered {time.monotonic() - back:.1f}s after Redis came back")
    assert all(fault.workers.alive()), "a worker exited on the Redis outage"
    assert_each_told_once(fault, nation, extra=one_batch(fault))
    wait_until(lambda: outbox_drained(fault), 10, "the outbox drained")
    assert staff_notified(fault, alert_id) == len(nation.staff)


def test_smtp_refusing_longer_than_the_old_retry_window_then_back(fault):
    fault.sink.stop()  # connections refused
    nation, alert_id = start(fault, workers=1)
    approve(fault, nation, alert_id)
    limit = fault.config["OUTBOX_MAX_ATTEMPTS"]

    def retried_past_the_old_limit() -> bool:
        with fault.app.app_context():
            attempts = db.session.scalars(
                select(OutboxMessage.attempts).where(OutboxMessage.task == "notifications.deliver")
            ).all()
            db.session.rollback()
            return bool(attempts) and max(attempts) > limit

    wait_until(retried_past_the_old_limit, 90, "a batch retried past the old attempt limit")
    client = fault.app.test_client()
    ready = wait_until(
        lambda: (body := client.get("/readyz").json)["status"] == "degraded" and body,
        30,
        "/readyz reports degraded delivery",
    )
    assert ready["delivery"]["failing"] > 0
    assert "Connection refused" in ready["delivery"]["last_error"]
    assert staff_notified(fault, alert_id) == 0
    with fault.app.app_context():
        failed = db.session.scalar(
            select(func.count()).where(OutboxMessage.status == OutboxStatus.FAILED)
        )
    assert failed == 0  # nothing given up
    fault.sink.start()
    back = time.monotonic()
    wait_until(lambda: all_told(fault, nation), RECOVERY_BOUND, "every staff member told")
    print(f"recovered {time.monotonic() - back:.1f}s after SMTP came back")
    assert_each_told_once(fault, nation, extra=0)
    wait_until(lambda: outbox_drained(fault), 10, "the outbox drained")
    assert client.get("/readyz").json["status"] == "ready"
    assert staff_notified(fault, alert_id) == len(nation.staff)
    assert "delivery degraded" in fault.workers.log_tail(400)


def test_smtp_answering_451_then_back(fault):
    fault.sink.handler.temporary_failure = True
    nation, alert_id = start(fault, workers=1)
    approve(fault, nation, alert_id)

    def refused_once() -> bool:
        with fault.app.app_context():
            errors = db.session.scalars(select(OutboxMessage.last_error)).all()
            db.session.rollback()
            return any(error and "451" in error for error in errors)

    wait_until(refused_once, 20, "a batch refused with 451")
    time.sleep(2)
    fault.sink.handler.temporary_failure = False
    back = time.monotonic()
    wait_until(lambda: all_told(fault, nation), RECOVERY_BOUND, "every staff member told")
    print(f"recovered {time.monotonic() - back:.1f}s after the 451s ended")
    assert_each_told_once(fault, nation, extra=0)
    assert staff_notified(fault, alert_id) == len(nation.staff)


def test_a_worker_killed_mid_batch(fault):
    nation, alert_id = start(fault, workers=2)
    approve(fault, nation, alert_id)
    wait_until(lambda: len(new_alert_mails(fault)) >= 30, 30, "the fan-out under way")

    def running_owner() -> str | None:
        with fault.app.app_context():
            owner = db.session.scalar(
                select(OutboxMessage.lease_owner).where(
                    OutboxMessage.status == OutboxStatus.RUNNING
                )
            )
            db.session.rollback()
            return owner

    def kill_a_running_batch() -> bool:
        owner = running_owner()
        if owner is None:
            return False
        try:  # its main process and its horse
            fault.workers.kill_worker_of(int(owner.split(":")[1]))
        except (ProcessLookupError, FileNotFoundError):
            return False  # that batch just finished
        return True

    wait_until(kill_a_running_batch, 10, "a batch running to kill", step=0.02)
    killed = time.monotonic()
    wait_until(lambda: all_told(fault, nation), RECOVERY_BOUND, "every staff member told")
    print(f"recovered {time.monotonic() - killed:.1f}s after the kill")
    assert fault.workers.alive().count(True) == 1
    assert_each_told_once(fault, nation, extra=one_batch(fault))


def test_close_during_fan_out(fault):
    # A slower mail server, so that the fan-out is still under way when the close comes (a
    # batch delivers fast enough to send every mail before a close that waits for it).
    fault.sink.handler.delay = 0.1
    nation, alert_id = start(fault, workers=2)
    approve(fault, nation, alert_id)
    wait_until(lambda: len(new_alert_mails(fault)) >= 30, 30, "the fan-out under way")
    with fault.app.app_context():
        closing.close(db.session.get(User, nation.investigator), alert_id, "identified")
        commit()
    closed = time.time()
    wait_until(lambda: outbox_drained(fault), RECOVERY_BOUND, "the outbox drained")
    new = fault.sink.mails(fault.new_alert_subject)
    ended = fault.sink.mails(fault.ended_subject)
    assert all(mail.at <= closed for mail in new), "a 'new alert' mail went out after the close"
    told = Counter(mail.to for mail in new)
    assert max(told.values()) == 1
    assert len(told) < len(nation.staff)  # the close stopped the fan-out
    first_told = {mail.to: mail.at for mail in new}
    thanked = Counter(mail.to for mail in ended)
    assert set(thanked) == set(told), "'ended' must go exactly to the staff who were told"
    assert max(thanked.values()) == 1
    assert all(mail.at > first_told[mail.to] for mail in ended)
    assert staff_notified(fault, alert_id) == len(told)
    with fault.app.app_context():
        skipped = db.session.scalar(
            select(func.count()).where(
                Notification.alert_id == alert_id,
                Notification.kind == NotificationKind.PUBLISHED,
                Notification.skip_reason == SkipReason.STALE,
            )
        )
    assert skipped == len(nation.staff) - len(told)


def test_double_approval(fault):
    nation, alert_id = start(fault, workers=1)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(prosecutor: int) -> None:
        with fault.app.app_context():
            barrier.wait()
            try:
                review.approve(
                    db.session.get(User, nation.prosecutors[prosecutor]),
                    alert_id,
                    images_checked=True,
                )
                commit()
                outcomes.append("approved")
            except Conflict:
                rollback()
                outcomes.append("conflict")

    threads = [threading.Thread(target=attempt, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["approved", "conflict"]
    wait_until(lambda: all_told(fault, nation), RECOVERY_BOUND, "every staff member told")
    assert_each_told_once(fault, nation, extra=0)


def test_a_worker_stops_on_sigterm(fault):
    """Surviving Redis outages must not make a worker deaf to an ordinary stop."""
    import signal

    start(fault, workers=1)
    (process,) = fault.workers.processes
    connection = Redis.from_url(fault.redis.url)
    wait_until(  # listening: RQ's signal handlers are in place
        lambda: [w.get_state() for w in Worker.all(connection=connection)] == ["idle"],
        20,
        "the worker idle",
    )
    connection.close()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
