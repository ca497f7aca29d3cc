"""Delivery of notifications through the outbox: nothing stale, nothing out of order, retried
while it matters, visible to an operator when it is not going (PRODUCT I8)."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from sqlalchemy import select

from schoolalert.alerts.access import statistics
from schoolalert.database import utcnow
from schoolalert.extensions import db
from schoolalert.notifications import services as notification_services
from schoolalert.notifications.models import Notification, NotificationKind, SkipReason
from schoolalert.tasks.models import OutboxMessage, OutboxStatus
from schoolalert.tasks.sweeper import backlog, sweep
from tests.alerts.participation import accept_statement


def refuse(self, to, subject, body):
    raise ConnectionRefusedError("[Errno 111] Connection refused")


def retries_due(app) -> None:
    """As if every back-off has passed."""
    with app.app_context():
        db.session.execute(db.update(OutboxMessage).values(available_at=utcnow()))
        db.session.commit()


def deliveries(app) -> list[OutboxMessage]:
    """The delivery jobs of mail to school staff (not the police's four-eyes mail)."""
    with app.app_context():
        rows = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.task == "notifications.deliver")
        ).all()
        to_staff = set(
            db.session.scalars(
                select(Notification.id).where(
                    Notification.kind.in_([NotificationKind.PUBLISHED, NotificationKind.ENDED])
                )
            )
        )
        db.session.expunge_all()
        return [row for row in rows if to_staff & set(row.payload["ids"])]


def school_mail(world, mailbox) -> list:
    """The messages to school staff (the police also get mail at the four-eyes step)."""
    staff = {user.email for user in world.staff}
    return [message for message in mailbox() if message["To"] in staff]


def refuse_staff(world, monkeypatch) -> None:
    """The mail server refuses every message to school staff."""
    staff = {user.email for user in world.staff}
    original = notification_services.Mailer.send

    def send(self, to, subject, body):
        if to in staff:
            refuse(self, to, subject, body)
        original(self, to, subject, body)

    monkeypatch.setattr(notification_services.Mailer, "send", send)


def test_a_close_before_delivery_sends_no_new_alert_and_no_thank_you(
    world, run_jobs, mailbox, monkeypatch
):
    monkeypatch.setattr(notification_services.Mailer, "send", refuse)
    alert_id = world.published()
    run_jobs()
    world.api("POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "withdrawn"})
    monkeypatch.undo()  # the mail server is back
    retries_due(world.app)
    with world.app.app_context():
        sweep()
    run_jobs()
    assert school_mail(world, mailbox) == []
    with world.app.app_context():
        reasons = db.session.scalars(
            select(Notification.skip_reason).where(Notification.kind == NotificationKind.PUBLISHED)
        ).all()
        assert reasons == [SkipReason.STALE] * len(world.staff)
        assert statistics(alert_id)["staff_notified"] == 0
    assert {message.status for message in deliveries(world.app)} == {OutboxStatus.DONE}


def test_only_staff_who_were_told_are_thanked(world, run_jobs, mailbox, monkeypatch):
    told, untold = world.staff
    original = notification_services.Mailer.send

    def only_first(self, to, subject, body):
        if to != told.email:
            raise ConnectionRefusedError("refused")
        original(self, to, subject, body)

    monkeypatch.setattr(notification_services.Mailer, "send", only_first)
    alert_id = world.published()
    run_jobs()
    with world.app.app_context():
        assert statistics(alert_id)["staff_notified"] == 1  # sent, not merely written
    monkeypatch.undo()
    world.api("POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "withdrawn"})
    retries_due(world.app)
    with world.app.app_context():
        sweep()
    run_jobs()
    with world.app.app_context():
        sweep()
    run_jobs()
    received = [(message["To"], message["Subject"]) for message in school_mail(world, mailbox)]
    assert received == [
        (told.email, "Een nieuw Schoolalert voor uw school"),
        (told.email, "Een Schoolalert is beëindigd"),
    ]
    with world.app.app_context():
        untold_row = db.session.scalar(
            select(Notification).where(Notification.user_id == untold.id)
        )
        assert untold_row.skip_reason == SkipReason.STALE
        assert statistics(alert_id)["staff_notified"] == 1


def test_notifications_keep_trying_past_the_attempt_limit(world, run_jobs, mailbox, monkeypatch):
    world.app.config["OUTBOX_MAX_ATTEMPTS"] = 2
    monkeypatch.setattr(notification_services.Mailer, "send", refuse)
    world.published()
    run_jobs()
    for _ in range(4):
        retries_due(world.app)
        with world.app.app_context():
            sweep()
        run_jobs()
    (message,) = deliveries(world.app)
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 5
    assert "Connection refused" in message.last_error
    # The back-off is capped at a few minutes, whatever the number of attempts.
    assert message.available_at - utcnow() <= timedelta(
        seconds=world.app.config["OUTBOX_BACKOFF_CAP_SECONDS"]
    )
    monkeypatch.undo()
    retries_due(world.app)
    with world.app.app_context():
        sweep()
    run_jobs()
    assert sorted(m["To"] for m in school_mail(world, mailbox)) == sorted(
        user.email for user in world.staff
    )
    (message,) = deliveries(world.app)
    assert message.status == OutboxStatus.DONE
    assert message.failing_since is None


def test_a_permanently_refused_address_is_skipped_and_the_batch_goes_on(
    world, run_jobs, mailbox, monkeypatch
):
    refused, fine = world.staff
    original = notification_services.Mailer.send

    def reject_one(self, to, subject, body):
        if to == refused.email:
            raise smtplib.SMTPRecipientsRefused({to: (550, b"5.1.1 no such user")})
        original(self, to, subject, body)

    monkeypatch.setattr(notification_services.Mailer, "send", reject_one)
    world.published()
    run_jobs()
    assert [message["To"] for message in school_mail(world, mailbox)] == [fine.email]
    with world.app.app_context():
        row = db.session.scalar(select(Notification).where(Notification.user_id == refused.id))
        assert row.skip_reason == SkipReason.REFUSED
    assert {message.status for message in deliveries(world.app)} == {OutboxStatus.DONE}


def test_a_failing_backlog_is_reported_on_readyz_the_admin_page_and_the_log(
    world, run_jobs, monkeypatch, signed_in, make_user, caplog
):
    refuse_staff(world, monkeypatch)
    world.published()
    run_jobs()
    assert world.client.get("/readyz").json["status"] == "ready"
    with world.app.app_context():  # the failure started longer ago than the threshold
        db.session.execute(
            db.update(OutboxMessage).values(failing_since=utcnow() - timedelta(minutes=2))
        )
        db.session.commit()
    ready = world.client.get("/readyz")
    assert ready.status_code == 200  # the node still serves
    assert ready.json["status"] == "degraded"
    assert ready.json["delivery"]["failing"] == 1
    assert "Connection refused" in ready.json["delivery"]["last_error"]
    page = signed_in(make_user("admin")).get("/admin/delivery")
    assert page.status_code == 200
    assert "De bezorging is verstoord." in page.text
    assert "Connection refused" in page.text
    assert "alert " in page.text
    assert "2 recipients" in page.text
    with world.app.app_context():
        import schoolalert.tasks.sweeper as sweeper

        monkeypatch.setattr(sweeper, "_last_backlog_log", -1e9)
        caplog.clear()
        sweep()
    errors = [r for r in caplog.records if r.levelname == "ERROR" and "degraded" in r.message]
    assert errors
    assert "1 failing" in errors[0].message


def test_the_delivery_page_is_for_administrators_only(world, signed_in):
    assert signed_in(world.investigator).get("/admin/delivery").status_code in (403, 404)


def test_outbox_commands(world, run_jobs, monkeypatch, mailbox):
    runner = world.app.test_cli_runner()
    world.app.config["OUTBOX_MAX_ATTEMPTS"] = 1
    # A task with an attempt limit that fails gives up; `outbox retry` resumes it.
    from schoolalert.tasks.outbox import enqueue
    from schoolalert.transaction import commit

    calls = []
    registry = world.app.extensions["schoolalert.tasks"].registry
    entry = registry.get("alerts.expire")

    def failing():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first time fails")

    from dataclasses import replace

    from schoolalert.tasks.registry import RegisteredTask

    monkeypatch.setitem(
        registry._tasks, "alerts.expire", RegisteredTask(replace(entry.task, func=failing), None)
    )
    with world.app.app_context():
        enqueue("alerts.expire")
        commit()
    run_jobs()
    status = runner.invoke(args=["outbox", "status"])
    assert status.exit_code == 1  # degraded: something was given up
    assert "failed: 1" in status.output
    result = runner.invoke(args=["outbox", "retry"])
    assert result.exit_code == 0, result.output
    assert "resumed 1 failed" in result.output
    run_jobs()
    assert len(calls) == 2
    assert runner.invoke(args=["outbox", "status"]).exit_code == 0
    dispatch = runner.invoke(args=["outbox", "dispatch"])
    assert dispatch.exit_code == 0
    assert "handed over 0 due" in dispatch.output
    with world.app.app_context():
        assert not backlog().degraded


@pytest.mark.parametrize("kind", [NotificationKind.PUBLISHED])
def test_a_second_run_of_a_sent_batch_sends_nothing(world, run_jobs, mailbox, kind):
    world.published()
    run_jobs()
    sent = len(mailbox())
    (message,) = deliveries(world.app)
    with world.app.app_context():
        notification_services.deliver(**message.payload)
        db.session.commit()
    assert len(mailbox()) == sent
    assert len(school_mail(world, mailbox)) == len(world.staff)


@pytest.mark.parametrize(
    "failure",
    [
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        smtplib.SMTPDataError(451, b"4.3.0 try again later"),
    ],
    ids=["connection-lost", "temporary-refusal"],
)
def test_a_batch_that_fails_midway_sends_each_mail_once_when_retried(
    world, run_jobs, mailbox, monkeypatch, make_user, failure
):
    staff = list(world.staff)
    for school in world.schools:
        for _ in range(2):
            user = make_user("school_staff", school_id=school.id)
            accept_statement(world.app, user)
            staff.append(user)
    addresses = {user.email for user in staff}  # the police's four-eyes mail goes as usual
    original = notification_services.Mailer.send
    accepted: list[str] = []

    def fail_after_two(self, to, subject, body):
        if to in addresses and len(accepted) == 2:
            accepted.append("failure")
            raise failure
        original(self, to, subject, body)
        if to in addresses:
            accepted.append(to)

    monkeypatch.setattr(notification_services.Mailer, "send", fail_after_two)
    alert_id = world.published()
    run_jobs()
    first_run = [message["To"] for message in mailbox() if message["To"] in addresses]
    assert len(first_run) == 2
    (message,) = deliveries(world.app)
    assert message.status == OutboxStatus.PENDING  # waits for its retry
    with world.app.app_context():  # what went out is on record despite the failure
        assert statistics(alert_id)["staff_notified"] == 2
    retries_due(world.app)
    with world.app.app_context():
        sweep()
    run_jobs()
    received = sorted(message["To"] for message in mailbox() if message["To"] in addresses)
    assert received == sorted(user.email for user in staff)  # each exactly once
    (message,) = deliveries(world.app)
    assert message.status == OutboxStatus.DONE
    with world.app.app_context():
        assert statistics(alert_id)["staff_notified"] == len(staff)
