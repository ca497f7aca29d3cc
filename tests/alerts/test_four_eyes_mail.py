"""Mail at the four-eyes step: submitted → every prosecutor; approved (and published),
rejected, expired → the investigator who created the alert. A number and a link only."""

from __future__ import annotations

from datetime import timedelta

from schoolalert.alerts.models import Alert
from schoolalert.database import utcnow
from schoolalert.extensions import db
from schoolalert.tasks.periodic import run_due_periodic_tasks

SECRET_BITS = ("ZAAK-2026-0042", "Girl of about seven", "striped", "other means exhausted")


def mails_to(mailbox, user):
    return [message for message in mailbox() if message["To"] == user.email]


def assert_link_only(message, alert_id):
    body = message.get_content()
    assert f"/alerts/{alert_id}" in body
    for secret in SECRET_BITS:
        assert secret not in body
        assert secret not in message["Subject"]
    assert not message.is_multipart()  # no attachment, no image


def test_a_submitted_alert_reaches_every_prosecutor(world, make_user, run_jobs, mailbox):
    second = make_user("prosecutor")
    gone = make_user("prosecutor", active=False)
    alert_id = world.submitted()
    run_jobs()
    for prosecutor in (world.prosecutor, second):
        (message,) = mails_to(mailbox, prosecutor)
        assert message["Subject"] == f"Schoolalert {alert_id} wacht op uw goedkeuring"
        assert_link_only(message, alert_id)
    assert mails_to(mailbox, gone) == []
    assert mails_to(mailbox, world.investigator) == []


def test_the_investigator_hears_of_the_approval(world, run_jobs, mailbox):
    alert_id = world.published()
    run_jobs()
    (message,) = mails_to(mailbox, world.investigator)
    assert message["Subject"] == f"Schoolalert {alert_id} is goedgekeurd en gepubliceerd"
    assert_link_only(message, alert_id)


def test_each_rejection_is_told_without_its_reason(world, run_jobs, mailbox):
    alert_id = world.submitted()
    reason = "Het ordernummer ZAAK-2026-0042 ontbreekt"
    for _round in range(2):
        response = world.api(
            "POST", f"/alerts/{alert_id}/reject", world.prosecutor, json={"reason": reason}
        )
        assert response.status_code == 200
        resubmitted = world.api("POST", f"/alerts/{alert_id}/submit", world.investigator)
        assert resubmitted.status_code == 200
    run_jobs()
    rejected = [m for m in mails_to(mailbox, world.investigator) if "teruggestuurd" in m["Subject"]]
    assert len(rejected) == 2  # one per rejection, not one per alert
    for message in rejected:
        assert_link_only(message, alert_id)
        assert "ontbreekt" not in message.get_content()  # the reason stays in the portal


def test_the_investigator_hears_that_the_alert_expired(world, run_jobs, mailbox):
    alert_id = world.published()
    run_jobs()
    with world.app.app_context():
        db.session.get(Alert, alert_id).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        run_due_periodic_tasks()
    run_jobs()
    expired = [m for m in mails_to(mailbox, world.investigator) if "verlopen" in m["Subject"]]
    assert len(expired) == 1
    assert_link_only(expired[0], alert_id)


def test_a_withdrawal_by_the_investigator_sends_them_no_mail(world, run_jobs, mailbox):
    alert_id = world.published()
    run_jobs()
    before = len(mails_to(mailbox, world.investigator))
    world.api("POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "withdrawn"})
    run_jobs()
    assert len(mails_to(mailbox, world.investigator)) == before


def test_mail_is_in_the_recipients_language(world, run_jobs, mailbox, make_user):
    english = make_user("prosecutor", language="en")
    alert_id = world.submitted()
    run_jobs()
    (message,) = mails_to(mailbox, english)
    assert message["Subject"] == f"Schoolalert {alert_id} awaits your approval"
    assert "Dear" in message.get_content()
