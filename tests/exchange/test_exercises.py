"""Exercises and partners abroad: an exercise is shared only with a partner that accepts
exercises, and goes out — the Alert and its Cancel — as CAP status Exercise; a real alert stays
Actual; a received Exercise is recorded and never becomes a real alert."""

from __future__ import annotations

from datetime import timedelta

import pytest

from plugins.exchange import cap
from plugins.exchange.models import Partner
from schoolalert.alerts.models import Alert
from schoolalert.audit.models import AuditEvent
from schoolalert.extensions import db
from schoolalert.schools.models import Board
from schoolalert.transaction import commit
from tests.exchange.helpers import element_text, info, post, signed_by, stored_document

EXERCISE = {"exercise": True, "duration_days": 2}


@pytest.fixture
def exercising(pair, make_user):
    """Our school takes part in exercises; the partner ``nrw`` does not accept them yet."""
    ours = pair.ours
    school = ours.schools[0]
    with ours.app.app_context():
        number = db.session.get(Board, school.board_id).number
    board_admin = make_user("board_admin", board_id=school.board_id)
    answer = ours.api(
        "POST", f"/boards/{number}/exercises", board_admin, json={"schools": [school.code]}
    )
    assert answer.status_code == 200, answer.json
    return pair


def accepts(instance, name: str, value: bool) -> None:
    flag = "--accepts-exercises" if value else "--no-accepts-exercises"
    result = instance.cli("exchange", "partners", "set", name, flag)
    assert result.exit_code == 0, result.output


def draft_body(instance, **extra):
    return {
        "case_reference": "OEF-1",
        "justification": "Exercise with volunteer schools.",
        "description": "Drawn child for the exercise.",
        "age_estimate": "7",
        "targeting": {"schools": [school.code for school in instance.schools]},
    } | extra


def test_an_exercise_is_refused_for_a_partner_that_does_not_accept_exercises(exercising):
    ours = exercising.ours
    body = draft_body(ours, share_with=["nrw"], **EXERCISE)
    refused = ours.api("POST", "/alerts", ours.investigator, json=body)
    assert refused.status_code == 422
    error = refused.json["error"]
    assert (error["field"], error["code"]) == ("share_with", "unresolvable")
    assert "nrw" in error["message"]
    assert "accept exercises" in error["message"]
    dutch = ours.app.test_client().post(
        "/api/v1/alerts",
        json=body,
        headers=ours.headers(ours.investigator) | {"Accept-Language": "nl"},
    )
    assert dutch.status_code == 422
    assert "oefeningen" in dutch.json["error"]["message"]
    assert "nrw" in dutch.json["error"]["message"]

    made = ours.api("POST", "/alerts", ours.investigator, json=body | {"share_with": None})
    assert made.status_code == 201
    changed = ours.api("PUT", f"/alerts/{made.json['id']}", ours.investigator, json=body)
    assert changed.status_code == 422
    assert changed.json["error"]["field"] == "share_with"
    assert "share_with" not in ours.api("GET", f"/alerts/{made.json['id']}", ours.investigator).json
    # The same partner is fine for a real alert.
    real = ours.api("POST", "/alerts", ours.investigator, json=draft_body(ours, share_with=["nrw"]))
    assert real.status_code == 201, real.json


def test_an_accepting_partner_receives_the_exercise_and_its_cancel_as_status_exercise(
    exercising, run_jobs
):
    ours, partner = exercising.ours, exercising.partner
    accepts(ours, "nrw", True)
    alert_id = ours.published(share_with=["nrw"], **EXERCISE)
    run_jobs()
    (sent,) = ours.messages()
    assert (sent.msg_type, sent.status, sent.state) == ("Alert", "Exercise", "delivered")
    document = stored_document(ours, sent)
    cap.validate(cap.parse_untrusted(document))
    assert cap.verify(document, ours.extra["certificate"].read_text()) is not None
    assert element_text(document, "c:status") == ["Exercise"]
    assert len(element_text(document, "c:info/c:resource/c:mimeType")) == 2
    # The partner (a Schoolalert too) records it and never turns it into a real alert.
    (arrived,) = partner.messages("in")
    assert (arrived.status, arrived.state) == ("Exercise", "not_actual")
    assert partner.received() == []

    closed = ours.api(
        "POST", f"/alerts/{alert_id}/close", ours.investigator, json={"reason": "withdrawn"}
    )
    assert closed.status_code == 200, closed.json
    run_jobs()
    alert_message, cancel = ours.messages()
    assert (cancel.msg_type, cancel.status, cancel.state) == ("Cancel", "Exercise", "delivered")
    assert cancel.references == alert_message.triple
    cancel_document = stored_document(ours, cancel)
    cap.validate(cap.parse_untrusted(cancel_document))
    assert cap.verify(cancel_document, ours.extra["certificate"].read_text()) is not None
    assert element_text(cancel_document, "c:status") == ["Exercise"]
    assert [message.status for message in partner.messages("in")] == ["Exercise", "Exercise"]


def test_the_cancel_of_an_expired_exercise_is_an_exercise_too(exercising, run_jobs):
    from schoolalert.alerts.closing import expire_due_alerts
    from schoolalert.database import utcnow

    ours = exercising.ours
    accepts(ours, "nrw", True)
    alert_id = ours.published(share_with=["nrw"], **EXERCISE)
    run_jobs()
    accepts(ours, "nrw", False)  # switched off later: the Cancel still goes
    with ours.app.app_context():
        db.session.get(Alert, alert_id).expires_at = utcnow() - timedelta(seconds=1)
        assert expire_due_alerts() == 1
        commit()
    run_jobs()
    _alert, cancel = ours.messages()
    assert (cancel.msg_type, cancel.status, cancel.state) == ("Cancel", "Exercise", "delivered")
    assert element_text(stored_document(ours, cancel), "c:status") == ["Exercise"]


def test_a_real_alert_still_goes_out_as_actual_to_a_partner_that_accepts_exercises(
    exercising, run_jobs
):
    ours, partner = exercising.ours, exercising.partner
    accepts(ours, "nrw", True)
    alert_id = ours.published(share_with=["nrw"])
    run_jobs()
    (sent,) = ours.messages()
    assert (sent.status, sent.state) == ("Actual", "delivered")
    assert element_text(stored_document(ours, sent), "c:status") == ["Actual"]
    assert partner.received()[0].state == "received"
    ours.api("POST", f"/alerts/{alert_id}/close", ours.investigator, json={"reason": "withdrawn"})
    run_jobs()
    _alert, cancel = ours.messages()
    assert cancel.status == "Actual"
    assert element_text(stored_document(ours, cancel), "c:status") == ["Actual"]


def test_an_exercise_is_withheld_from_a_partner_that_stopped_accepting_before_approval(
    exercising, run_jobs
):
    ours, partner = exercising.ours, exercising.partner
    accepts(ours, "nrw", True)
    alert_id = ours.submitted(share_with=["nrw"], **EXERCISE)
    accepts(ours, "nrw", False)
    approved = ours.api(
        "POST", f"/alerts/{alert_id}/approve", ours.prosecutor, json={"images_checked": True}
    )
    assert approved.status_code == 200, approved.json
    run_jobs()
    assert ours.messages() == []
    assert partner.messages() == []
    with ours.app.app_context():
        withheld = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "exchange.exercise_withheld")
        ).all()
        assert [event.alert_id for event in withheld] == [alert_id]


def test_a_received_exercise_never_becomes_a_received_alert_and_its_cancel_changes_nothing(
    exercising,
):
    ours, partner = exercising.ours, exercising.partner
    with ours.app.app_context():
        db.session.execute(db.update(Partner).values(accepts_exercises=True))
        commit()
    data, triple = signed_by(partner, info=info(), status="Exercise")
    answer = post(ours, data)
    assert (answer.status_code, answer.json["state"]) == (202, "not_actual")
    cancel, _ = signed_by(partner, "Cancel", references=[triple], status="Exercise")
    assert post(ours, cancel).json["state"] == "not_actual"
    assert ours.received() == []
    assert ours.api("GET", "/exchange/received", ours.investigator).json["received"] == []


def test_partners_set_and_list_show_whether_a_partner_accepts_exercises(pair, tmp_path):
    ours = pair.ours
    listed = ours.cli("exchange", "partners", "list")
    assert listed.output.strip().endswith("exercises:no")
    accepts(ours, "nrw", True)
    assert ours.cli("exchange", "partners", "list").output.strip().endswith("exercises:yes")
    again = ours.cli("exchange", "partners", "set", "nrw", "--accepts-exercises")
    assert "unchanged" in again.output
    assert ours.cli("exchange", "partners", "set", "bka", "--accepts-exercises").exit_code != 0
    assert ours.cli("exchange", "partners", "set", "nrw").exit_code != 0  # say which
    added = ours.cli(
        "exchange", "partners", "add", "--name", "bk", "--sender", "sa.bk.example",
        "--inbox", "https://sa.bk.example/api/v1/exchange/inbox",
        "--certificate", str(ours.extra["certificate"].parent / "nrw.pem"), "--accepts-exercises",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "accepts exercises: yes" in added.output
    with ours.app.app_context():
        rows = dict(db.session.execute(db.select(Partner.name, Partner.accepts_exercises)).all())
        assert rows == {"nrw": True, "bk": True}
        changes = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "exchange.partner_changed")
        ).all()
        assert len(changes) == 1


def test_the_administrators_page_shows_whether_a_partner_accepts_exercises(pair, web_client):
    ours = pair.ours
    page = web_client(ours.admin).get("/plugins/exchange/")
    assert "Accepts exercises" in page.text or "oefeningen" in page.text
    row = page.text[page.text.index("<td>nrw</td>") :].split("</tr>")[0]
    assert row.rstrip().endswith(("<td>no</td>", "<td>nee</td>"))
    accepts(ours, "nrw", True)
    page = web_client(ours.admin).get("/plugins/exchange/")
    row = page.text[page.text.index("<td>nrw</td>") :].split("</tr>")[0]
    assert row.rstrip().endswith(("<td>yes</td>", "<td>ja</td>"))


def test_the_draft_schema_names_the_partners_an_exercise_may_be_shared_with(pair):
    ours = pair.ours

    def description():
        document = ours.app.test_client().get("/api/v1/openapi.json").json
        return repr(document)

    assert "accept exercises (none)" in description()
    accepts(ours, "nrw", True)
    assert "accept exercises (nrw)" in description()
