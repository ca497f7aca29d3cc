"""Reminders: at half-time to schools where nobody has looked, before the end to schools that
have not confirmed; each only where due, and only once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from schoolalert.accounts.models import User
from schoolalert.alerts import closing
from schoolalert.alerts.models import Alert, ReminderKind
from schoolalert.alerts.reminders import reminder_moment, send_due_reminders
from schoolalert.database import utcnow
from schoolalert.extensions import db
from schoolalert.notifications.models import Notification, NotificationKind, SkipReason
from schoolalert.tasks.periodic import run_due_periodic_tasks
from schoolalert.transaction import unit_of_work

LOOK = "Herinnering: een Schoolalert voor uw school"
CONFIRM = "Herinnering: bevestig de Schoolalert voor uw school"


def shift(world, alert_id, *, passed: timedelta, left: timedelta) -> None:
    """As if the alert was published ``passed`` ago and ends in ``left``."""
    with world.app.app_context():
        alert = db.session.get(Alert, alert_id)
        alert.approved_at = utcnow() - passed
        alert.expires_at = utcnow() + left
        db.session.commit()


def remind(world) -> int:
    with world.app.app_context(), unit_of_work():
        return send_due_reminders()


def received(mailbox, subject):
    return sorted(message["To"] for message in mailbox() if message["Subject"] == subject)


def look_at(world, alert_id, user):
    image = world.staff_alert(alert_id, user).json["images"][0]["url"].removeprefix("/api/v1")
    assert world.api("GET", image, user).status_code == 200


def test_nothing_is_due_before_half_time(world, run_jobs, mailbox):
    alert_id = world.published()
    shift(world, alert_id, passed=timedelta(days=3), left=timedelta(days=4))
    assert remind(world) == 0
    run_jobs()
    assert received(mailbox, LOOK) == []


def test_at_half_time_only_schools_where_nobody_looked_are_reminded_once(world, run_jobs, mailbox):
    alert_id = world.published()
    run_jobs()
    look_at(world, alert_id, world.staff[0])
    shift(world, alert_id, passed=timedelta(days=4), left=timedelta(days=3))
    assert remind(world) == 1
    assert remind(world) == 0  # the round went out
    run_jobs()
    assert received(mailbox, LOOK) == [world.staff[1].email]
    assert received(mailbox, CONFIRM) == []
    assert received(mailbox, LOOK)  # the mail holds a link, never the content
    (mail,) = [message for message in mailbox() if message["Subject"] == LOOK]
    body = mail.get_content()
    assert f"/portal/alerts/{alert_id}" in body
    assert "blue striped" not in body
    assert "ZAAK" not in body


def test_before_the_end_schools_without_a_confirmation_are_reminded_once(world, run_jobs, mailbox):
    alert_id = world.published()
    run_jobs()
    for staff in world.staff:
        look_at(world, alert_id, staff)
    confirmed = world.api(
        "POST",
        f"/me/alerts/{alert_id}/school-confirmation",
        world.staff[1],
        json={"outcome": "nobody_recognises"},
    )
    assert confirmed.status_code == 201
    shift(world, alert_id, passed=timedelta(days=6, hours=1), left=timedelta(hours=23))
    assert remind(world) == 1  # nobody to remind to look: everyone looked
    run_jobs()
    assert received(mailbox, CONFIRM) == [world.staff[0].email]
    assert received(mailbox, LOOK) == []
    assert remind(world) == 0
    run_jobs()
    assert received(mailbox, CONFIRM) == [world.staff[0].email]


def test_the_periodic_task_sends_reminders(world, run_jobs, mailbox):
    alert_id = world.published()
    shift(world, alert_id, passed=timedelta(days=4), left=timedelta(days=3))
    with world.app.app_context():
        assert "alerts.remind" in run_due_periodic_tasks()
    run_jobs()
    assert received(mailbox, LOOK) == sorted(user.email for user in world.staff)


def test_a_closed_alert_gets_no_reminder(world, run_jobs, mailbox):
    alert_id = world.published()
    closed = world.api(
        "POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "withdrawn"}
    )
    assert closed.status_code == 200
    shift(world, alert_id, passed=timedelta(days=6, hours=12), left=timedelta(hours=12))
    assert remind(world) == 0
    run_jobs()
    assert received(mailbox, LOOK) == []
    assert received(mailbox, CONFIRM) == []


def test_reminders_not_yet_delivered_when_the_alert_closes_are_never_sent(world, run_jobs, mailbox):
    alert_id = world.published()
    run_jobs()
    shift(world, alert_id, passed=timedelta(days=4), left=timedelta(days=3))
    with world.app.app_context(), unit_of_work():
        assert send_due_reminders() == 2
        closing.close(db.session.get(User, world.investigator.id), alert_id, "withdrawn")
    run_jobs()
    assert received(mailbox, LOOK) == []
    with world.app.app_context():
        skipped = db.session.scalars(
            select(Notification.skip_reason).where(
                Notification.alert_id == alert_id,
                Notification.kind == NotificationKind.VIEW_REMINDER,
            )
        ).all()
    assert skipped == [SkipReason.STALE, SkipReason.STALE]


def test_an_english_speaker_gets_the_reminder_in_english(world, run_jobs, mailbox):
    alert_id = world.published()
    with world.app.app_context():
        db.session.get(User, world.staff[1].id).language = "en"
        db.session.commit()
    shift(world, alert_id, passed=timedelta(days=4), left=timedelta(days=3))
    remind(world)
    run_jobs()
    assert received(mailbox, "Reminder: a Schoolalert for your school") == [world.staff[1].email]


@pytest.mark.parametrize(
    ("days", "confirm_after"),
    [
        (1, timedelta(hours=21, minutes=36)),
        (2, timedelta(hours=43, minutes=12)),
        (7, timedelta(days=6)),
    ],
)
def test_the_moments_of_the_reminders(days, confirm_after):
    start = datetime(2026, 12, 1, 8, 0)
    end = start + timedelta(days=days)
    assert reminder_moment(ReminderKind.VIEW, start, end) == start + timedelta(days=days) / 2
    assert reminder_moment(ReminderKind.CONFIRM, start, end) == start + confirm_after
