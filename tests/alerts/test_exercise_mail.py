"""The body of every mail about an exercise alert says it is an exercise, in the recipient's
language, whatever its kind; the mails of a real alert carry no such line."""

from __future__ import annotations

from datetime import timedelta

import pytest

from schoolalert.accounts.models import User
from schoolalert.alerts.models import Alert
from schoolalert.alerts.reminders import send_due_reminders
from schoolalert.database import utcnow
from schoolalert.extensions import db
from schoolalert.notifications.models import Notification, NotificationKind
from schoolalert.notifications.services import render
from schoolalert.schools.models import Board
from schoolalert.tasks.periodic import run_due_periodic_tasks
from schoolalert.transaction import unit_of_work

MARK_NL = "OEFENING — dit is geen echt alert."
MARK_EN = "EXERCISE — this is not a real alert."


@pytest.fixture
def opted_in(world, make_user):
    admin = make_user("board_admin", board_id=world.schools[0].board_id)
    with world.app.app_context():
        number = db.session.get(Board, world.schools[0].board_id).number
    response = world.api(
        "POST", f"/boards/{number}/exercises", admin, json={"schools": [world.schools[0].code]}
    )
    assert response.status_code == 200, response.json
    return world.schools[0]


@pytest.mark.parametrize("kind", list(NotificationKind))
@pytest.mark.parametrize(("language", "mark"), [("nl", MARK_NL), ("en", MARK_EN)])
def test_every_kind_of_mail_about_an_exercise_says_so_in_its_body(app, kind, language, mark):
    with app.test_request_context():
        user = User(name="Juf Anna", email="anna@example.org", language=language)
        notification = Notification(kind=kind, alert_id=7, user_id=1, key="k")
        subject, body = render(notification, user, exercise=True)
        assert body.startswith(mark)
        assert subject.startswith("OEFENING: " if language == "nl" else "EXERCISE: ")
        _subject, real = render(notification, user, exercise=False)
        assert "OEFENING" not in real
        assert "EXERCISE" not in real
        assert real in body  # the rest of the mail is the same


def bodies(mailbox, user) -> list[tuple[str, str]]:
    return [
        (message["Subject"], message.get_content())
        for message in mailbox()
        if message["To"] == user.email
    ]


def test_the_mails_of_a_whole_exercise_say_so_in_their_bodies(world, opted_in, run_jobs, mailbox):
    """Submitted, sent back, submitted again, approved, the new alert, a recognition, the
    half-time reminder, expiry and the "ended" mail: each body starts with the marker."""
    codes = [school.code for school in (*world.schools, world.outsider_school)]
    alert_id = world.submitted(targeting={"schools": codes}, exercise=True, duration_days=2)
    rejected = world.api(
        "POST", f"/alerts/{alert_id}/reject", world.prosecutor, json={"reason": "Nog niet."}
    )
    assert rejected.status_code == 200
    assert world.api("POST", f"/alerts/{alert_id}/submit", world.investigator).status_code == 200
    approved = world.api(
        "POST", f"/alerts/{alert_id}/approve", world.prosecutor, json={"images_checked": True}
    )
    assert approved.status_code == 200, approved.json
    run_jobs()
    answer = world.api(
        "POST", f"/me/alerts/{alert_id}/response", world.staff[0], json={"kind": "recognised"}
    )
    assert answer.status_code == 201
    with world.app.app_context():
        alert = db.session.get(Alert, alert_id)
        alert.approved_at = utcnow() - timedelta(days=1, hours=1)
        alert.expires_at = utcnow() + timedelta(hours=23)
        db.session.commit()
        with unit_of_work():
            assert send_due_reminders() >= 1
    run_jobs()
    with world.app.app_context():
        db.session.get(Alert, alert_id).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        run_due_periodic_tasks()
    run_jobs()

    police = bodies(mailbox, world.investigator) + bodies(mailbox, world.prosecutor)
    staff = bodies(mailbox, world.staff[0])
    subjects = " | ".join(subject for subject, _body in police + staff)
    for fragment in (
        "wacht op uw goedkeuring",
        "teruggestuurd",
        "goedgekeurd en gepubliceerd",
        "een kind is herkend",
        "is verlopen",
        "Een nieuw Schoolalert",
        "Herinnering",
        "beëindigd",
    ):
        assert fragment in subjects, fragment
    for subject, body in police + staff:
        assert body.startswith(MARK_NL), subject
    assert bodies(mailbox, world.staff[1]) == []


def test_the_mails_of_a_real_alert_carry_no_exercise_line(world, run_jobs, mailbox):
    alert_id = world.published()
    run_jobs()
    world.api(
        "POST", f"/me/alerts/{alert_id}/response", world.staff[0], json={"kind": "recognised"}
    )
    run_jobs()
    messages = mailbox()
    assert len(messages) >= 4
    for message in messages:
        assert "OEFENING" not in message.get_content()
        assert "EXERCISE" not in message.get_content()
