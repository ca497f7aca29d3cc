"""Support referral end to end over the API and the command line: asking, routing, the work
queue, who sees what, reminders, erasure, evaluation counts and the plugin switch."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from plugins.referral.models import Referral
from schoolalert.audit.models import AuditEvent
from schoolalert.extensions import db
from tests.referral.conftest import enable, referral_row


def mails_to(mailbox, run_jobs=None, address=""):
    """The mail to ``address`` so far, after the outbox's jobs ran (RQ in the services variant)."""
    if run_jobs is not None:
        run_jobs()
    return [message for message in mailbox() if message["To"] == address]


def test_staff_ask_and_the_serving_organisations_worker_takes_it_to_closed(
    referral, mailbox, run_jobs
):
    alert_id = referral.published()
    response = referral.ask(alert_id, phone="06 12345678", share_contact=True)
    assert response.status_code == 201, response.json
    assert response.json["state"] == "requested"
    assert response.json["organisation"]["id"] == referral.school_support
    assert "crisis_lines" not in response.json
    rid = response.json["id"]

    queue = referral.api("GET", "/referral/referrals", referral.worker)
    assert [item["id"] for item in queue.json["referrals"]] == [rid]
    detail = referral.api("GET", f"/referral/referrals/{rid}", referral.worker).json
    assert detail["phone"] == "06 12345678"
    assert detail["alert"] == alert_id
    assert detail["requester"]["email"] == referral.staff[0].email

    for action, state in (("accept", "accepted"), ("start", "in_progress")):
        answer = referral.api("POST", f"/referral/referrals/{rid}/{action}", referral.worker)
        assert answer.status_code == 200, answer.json
        assert answer.json["state"] == state
    closed = referral.api(
        "POST", f"/referral/referrals/{rid}/close", referral.worker, json={"outcome": "supported"}
    )
    assert closed.status_code == 200, closed.json
    assert closed.json["state"] == "closed"
    assert closed.json["outcome"] == "supported"

    # The organisation was mailed a link, without a phone number or anything of the alert.
    (mail,) = mails_to(mailbox, run_jobs=run_jobs, address="steun@org.example")
    body = mail.get_content()
    assert "https://schoolalert.test/plugins/referral/queue" in body
    assert "12345678" not in body
    assert "striped" not in body
    assert "ZAAK" not in body

    with referral.app.app_context():
        actions = set(
            db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.action.like("referral.%"))
            )
        )
    assert {
        "referral.requested",
        "referral.queue_viewed",
        "referral.viewed",
        "referral.contact_read",
        "referral.accepted",
        "referral.in_progress",
        "referral.closed",
    } <= actions


def test_other_transitions_are_409(referral):
    alert_id = referral.published()
    rid = referral.ask(alert_id).json["id"]
    for action in ("start", "close"):
        answer = referral.api("POST", f"/referral/referrals/{rid}/{action}", referral.worker)
        assert answer.status_code == 409, (action, answer.json)
    assert (
        referral.api("POST", f"/referral/referrals/{rid}/accept", referral.worker).status_code
        == 200
    )
    assert (
        referral.api("POST", f"/referral/referrals/{rid}/accept", referral.worker).status_code
        == 409
    )
    assert referral_row(referral.app, rid).state == "accepted"


def test_other_organisations_other_staff_and_the_investigator_never_see_it(referral):
    alert_id = referral.published()
    rid = referral.ask(alert_id).json["id"]
    for worker in (referral.other_worker, referral.victim_worker):
        assert referral.api("GET", "/referral/referrals", worker).json["referrals"] == []
        assert referral.api("GET", f"/referral/referrals/{rid}", worker).status_code == 404
        assert referral.api("POST", f"/referral/referrals/{rid}/accept", worker).status_code == 404
    for user in (referral.colleague, referral.staff[1], referral.investigator, referral.prosecutor):
        assert referral.api("GET", "/referral/referrals", user).status_code == 403
        assert referral.api("GET", f"/referral/referrals/{rid}", user).status_code == 403
    # The colleague's own view of the alert says nothing of the other's request.
    mine = referral.staff_alert(alert_id, referral.colleague).json["plugins"]["referral"]
    assert mine["my_requests"] == []
    theirs = referral.staff_alert(alert_id, referral.staff[0]).json["plugins"]["referral"]
    assert theirs["my_requests"] == [{"id": rid, "state": "requested"}]
    assert theirs["support"] == f"/api/v1/me/alerts/{alert_id}/support"
    # The administrator sees every referral, but may not work on it.
    assert referral.api("GET", f"/referral/referrals/{rid}", referral.admin).status_code == 200
    assert (
        referral.api("POST", f"/referral/referrals/{rid}/accept", referral.admin).status_code == 403
    )


def test_asking_after_the_alert_ended_and_never_for_an_alert_not_received(referral):
    alert_id = referral.published()
    referral.staff_alert(alert_id, referral.staff[0])
    closed = referral.api(
        "POST", f"/alerts/{alert_id}/close", referral.investigator, json={"reason": "identified"}
    )
    assert closed.status_code == 200, closed.json
    response = referral.ask(alert_id)
    assert response.status_code == 201, response.json
    assert referral.ask(alert_id, referral.outsider).status_code == 404
    assert referral.ask(9999).status_code == 404
    # The purge left the referral alone, and it holds nothing of the alert but its number.
    row = referral_row(referral.app, response.json["id"])
    assert (row.alert_id, row.state) == (alert_id, "requested")


def test_a_second_open_request_on_the_same_alert_is_409(referral):
    alert_id = referral.published()
    assert referral.ask(alert_id).status_code == 201
    again = referral.ask(alert_id)
    assert again.status_code == 409
    assert "already" in again.json["error"]["message"]


def test_urgent_requests_show_the_24_7_lines_at_once(referral):
    alert_id = referral.published()
    response = referral.ask(alert_id, urgency="urgent")
    assert response.status_code == 201
    numbers = [line["number"] for line in response.json["crisis_lines"]]
    assert numbers == ["112", "0900-8844", "0900-0101", "0800-0188"]


def test_phone_only_with_consent_and_sealed(referral):
    alert_id = referral.published()
    refused = referral.ask(alert_id, phone="0612345678")
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "unprocessable"
    assert referral.ask(alert_id, phone="call me", share_contact=True).status_code == 422
    assert referral.ask(alert_id, urgency="whenever").status_code == 422
    rid = referral.ask(alert_id, phone="0612345678", share_contact=True).json["id"]
    row = referral_row(referral.app, rid)
    assert row.consent_version == 1
    assert row.phone_sealed is not None
    assert b"0612345678" not in row.phone_sealed
    with referral.app.app_context():
        assert db.session.scalar(select(Referral).where(Referral.id == rid)).note_sealed is None


def test_no_serving_organisation_is_409_and_the_administrator_is_told(referral, mailbox, run_jobs):
    alert_id = referral.published()
    rotterdam_staff = referral.staff[1]
    response = referral.ask(alert_id, rotterdam_staff)
    assert response.status_code == 409
    assert (
        "No support organisation serves your school's region" in response.json["error"]["message"]
    )
    (notice,) = mails_to(mailbox, run_jobs=run_jobs, address=referral.admin.email)
    assert "RE07" in notice.get_content()
    assert "/plugins/referral/organisations" in notice.get_content()
    with referral.app.app_context():
        assert db.session.scalar(select(Referral.id)) is None


def test_the_investigator_refers_to_an_organisation_of_their_choice(referral, mailbox, run_jobs):
    alert_id = referral.published()
    response = referral.api(
        "POST",
        f"/alerts/{alert_id}/referrals",
        referral.investigator,
        json={"organisation": referral.victim_support, "note": "Gezin is geïnformeerd."},
    )
    assert response.status_code == 201, response.json
    rid = response.json["id"]
    detail = referral.api("GET", f"/referral/referrals/{rid}", referral.victim_worker).json
    assert detail["source"] == "investigator"
    assert detail["note"] == "Gezin is geïnformeerd."
    assert referral.api("GET", f"/referral/referrals/{rid}", referral.worker).status_code == 404
    assert (
        referral.api("GET", f"/referral/referrals/{rid}", referral.investigator).status_code == 403
    )
    assert mails_to(mailbox, run_jobs=run_jobs, address="zorg@org.example")
    unknown = referral.api(
        "POST", f"/alerts/{alert_id}/referrals", referral.investigator, json={"organisation": 999}
    )
    assert unknown.status_code == 422
    staff = referral.api(
        "POST", f"/alerts/{alert_id}/referrals", referral.staff[0], json={"organisation": 1}
    )
    assert staff.status_code == 403


def test_reminders_reach_the_organisation_without_content_and_then_the_administrator(
    referral, runner, mailbox, run_jobs
):
    referral.app.config["REFERRAL_REMINDER_HOURS"] = 0
    alert_id = referral.published()
    referral.ask(alert_id, phone="0612345678", share_contact=True)
    before = len(mails_to(mailbox, run_jobs=run_jobs, address="steun@org.example"))
    result = runner.invoke(args=["referral", "remind"])
    assert result.exit_code == 0, result.output
    assert "reminded 1 organisation(s)" in result.output
    reminders = mails_to(mailbox, run_jobs=run_jobs, address="steun@org.example")[before:]
    assert len(reminders) == 1
    body = reminders[0].get_content()
    assert "1 " in body
    assert "/plugins/referral/queue" in body
    assert "0612345678" not in body
    assert referral.staff[0].email not in body
    assert mails_to(mailbox, run_jobs=run_jobs, address=referral.admin.email) == []
    result = runner.invoke(args=["referral", "remind"])
    assert "1 overdue referral(s)" in result.output
    assert len(mails_to(mailbox, run_jobs=run_jobs, address=referral.admin.email)) == 1
    runner.invoke(args=["referral", "remind"])
    assert len(mails_to(mailbox, run_jobs=run_jobs, address=referral.admin.email)) == 1  # told once


def test_reminders_wait_for_the_reminder_time(referral, runner, mailbox, run_jobs):
    alert_id = referral.published()
    referral.ask(alert_id)
    result = runner.invoke(args=["referral", "remind"])
    assert "reminded 0 organisation(s)" in result.output


def test_contact_details_are_erased_after_closing_and_counts_remain(referral, runner):
    from schoolalert.database import utcnow

    alert_id = referral.published()
    rid = referral.ask(alert_id, phone="0612345678", share_contact=True).json["id"]
    for action in ("accept", "start", "close"):
        referral.api("POST", f"/referral/referrals/{rid}/{action}", referral.worker)
    result = runner.invoke(args=["retention", "run"])
    assert "referral: erased 0 record(s)" in result.output
    with referral.app.app_context():
        row = db.session.get(Referral, rid)
        row.closed_at = utcnow() - timedelta(days=91)
        db.session.commit()
    result = runner.invoke(args=["retention", "run"])
    assert "referral: erased 1 record(s)" in result.output, result.output
    row = referral_row(referral.app, rid)
    assert (row.requester_id, row.school_id, row.alert_id, row.phone_sealed) == (None,) * 4
    assert row.erased_at is not None
    with referral.app.app_context():
        from plugins.referral import services

        admin = db.session.get(type(referral.admin), referral.admin.id)
        counts = {row.organisation: row for row in services.statistics(admin)}
    assert counts["Schoolsteun Amsterdam"].requests == 1
    assert counts["Schoolsteun Amsterdam"].closed == 1
    assert counts["Schoolsteun Amsterdam"].median_hours_to_acceptance is not None


def test_disabling_removes_routes_and_enabling_shows_the_referrals_as_they_were(referral):
    alert_id = referral.published()
    rid = referral.ask(alert_id).json["id"]
    enable(referral.app, False)
    assert referral.ask(alert_id).status_code == 404
    assert referral.api("GET", "/referral/referrals", referral.worker).status_code == 404
    assert "referral" not in referral.staff_alert(alert_id, referral.staff[0]).json["plugins"]
    enable(referral.app)
    queue = referral.api("GET", "/referral/referrals", referral.worker).json["referrals"]
    assert [(item["id"], item["state"]) for item in queue] == [(rid, "requested")]


def test_commands_add_organisations_and_workers(referral, runner, make_user):
    result = runner.invoke(
        args=[
            "referral",
            "organisations",
            "add",
            "--name",
            "Steunpunt Oost",
            "--kind",
            "counselling",
            "--regions",
            "RE07,RE08",
            "--email",
            "oost@org.example",
        ]
    )
    assert result.exit_code == 0, result.output
    organisation_id = int(result.output.strip())
    bad = runner.invoke(
        args=[
            "referral",
            "organisations",
            "add",
            "--name",
            "X",
            "--kind",
            "counselling",
            "--regions",
            "RE99",
            "--email",
            "x@org.example",
        ]
    )
    assert bad.exit_code != 0
    worker = make_user("support_worker")
    result = runner.invoke(
        args=[
            "referral",
            "workers",
            "add",
            "--organisation",
            str(organisation_id),
            "--email",
            worker.email,
        ]
    )
    assert result.exit_code == 0, result.output
    teacher = runner.invoke(
        args=[
            "referral",
            "workers",
            "add",
            "--organisation",
            str(organisation_id),
            "--email",
            referral.staff[0].email,
        ]
    )
    assert teacher.exit_code != 0
    # Rotterdam is served now.
    alert_id = referral.published()
    response = referral.ask(alert_id, referral.staff[1])
    assert response.status_code == 201
    assert response.json["organisation"]["id"] == organisation_id
    listed = runner.invoke(args=["referral", "organisations", "list"])
    assert "Steunpunt Oost" in listed.output


def test_the_openapi_document_lists_the_referral_operations(referral):
    paths = referral.client.get("/api/v1/openapi.json").json["paths"]
    assert "post" in paths["/me/alerts/{alert_id}/support"]
    assert "post" in paths["/alerts/{alert_id}/referrals"]
    assert "get" in paths["/referral/referrals"]
    assert "post" in paths["/referral/referrals/{referral_id}/close"]


def test_the_queue_refuses_a_state_it_does_not_know(referral):
    answer = referral.api("GET", "/referral/referrals?state=lost", referral.worker)
    assert answer.status_code == 422
    assert answer.json["error"]["field"] == "state"
    assert (
        referral.api("GET", "/referral/referrals?state=closed", referral.worker).status_code == 200
    )
