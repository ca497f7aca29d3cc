"""A school confirms an alert once (the nil return), and the police see per school who looked
and which schools confirmed (``GET /alerts/{id}/schools``)."""

from __future__ import annotations

import pytest

from schoolalert.alerts import confirmation
from schoolalert.audit.models import AuditEvent
from schoolalert.extensions import db
from tests.alerts.participation import accept_statement


def confirm(world, alert_id, user, outcome="nobody_recognises"):
    return world.api(
        "POST", f"/me/alerts/{alert_id}/school-confirmation", user, json={"outcome": outcome}
    )


def answer(world, alert_id, user, kind="recognised"):
    response = world.api("POST", f"/me/alerts/{alert_id}/response", user, json={"kind": kind})
    assert response.status_code == 201, response.json


def test_a_school_confirms_once_with_the_name_of_whoever_confirmed(world, make_user):
    alert_id = world.published()
    colleague = make_user("school_staff", school_id=world.schools[0].id)
    accept_statement(world.app, colleague)
    first = confirm(world, alert_id, world.staff[0])
    assert first.status_code == 201, first.json
    assert first.json["outcome"] == "nobody_recognises"
    assert first.json["by"] == world.staff[0].name
    assert first.json["at"]
    assert confirm(world, alert_id, world.staff[0], "recognised").status_code == 409
    again = confirm(world, alert_id, colleague, "recognised")
    assert again.status_code == 409
    # another school confirms for itself
    answer(world, alert_id, world.staff[1])
    assert confirm(world, alert_id, world.staff[1], "recognised").status_code == 201
    with world.app.app_context():
        entries = db.session.query(AuditEvent).filter_by(action="school.confirmed").all()
        assert len(entries) == 2


def test_a_confirmation_that_raced_another_is_a_conflict(world, monkeypatch):
    alert_id = world.published()
    assert confirm(world, alert_id, world.staff[0]).status_code == 201
    # The check before the insert saw nothing (the other one was not yet committed).
    monkeypatch.setattr(confirmation, "school_confirmation", lambda *_args: None)
    response = confirm(world, alert_id, world.staff[0])
    assert response.status_code == 409
    with world.app.app_context():
        count = db.session.query(confirmation.SchoolConfirmation).count()
        assert count == 1


def test_staff_of_a_school_that_was_not_targeted_get_404(world):
    alert_id = world.published()
    assert confirm(world, alert_id, world.outsider).status_code == 404
    assert confirm(world, 999999, world.staff[0]).status_code == 404


def test_nobody_confirms_a_draft_or_an_alert_that_ended(world):
    assert confirm(world, world.submitted(), world.staff[0]).status_code == 404
    alert_id = world.published()
    closed = world.api(
        "POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "withdrawn"}
    )
    assert closed.status_code == 200
    assert confirm(world, alert_id, world.staff[0]).status_code == 404


@pytest.mark.parametrize("body", [{}, {"outcome": "maybe"}, {"outcome": "recognised", "x": 1}])
def test_a_bad_outcome_is_422_and_records_nothing(world, body):
    alert_id = world.published()
    response = world.api(
        "POST", f"/me/alerts/{alert_id}/school-confirmation", world.staff[0], json=body
    )
    assert response.status_code == 422
    assert confirm(world, alert_id, world.staff[0]).status_code == 201


def test_the_police_see_every_school_with_its_confirmation(world, run_jobs):
    alert_id = world.published()
    run_jobs()
    staff = world.staff[0]
    image = world.staff_alert(alert_id, staff).json["images"][0]["url"].removeprefix("/api/v1")
    for _twice in range(2):
        assert world.api("GET", image, staff).status_code == 200
    world.api("POST", f"/me/alerts/{alert_id}/response", staff, json={"kind": "not_recognised"})
    assert confirm(world, alert_id, staff).status_code == 201
    for reader in (world.investigator, world.prosecutor):
        response = world.api("GET", f"/alerts/{alert_id}/schools", reader)
        assert response.status_code == 200
        rows = {row["code"]: row for row in response.json["schools"]}
        assert set(rows) == {school.code for school in world.schools}
        first, second = rows[world.schools[0].code], rows[world.schools[1].code]
        assert first["name"] == world.schools[0].name
        assert (first["eligible_staff"], first["notified"], first["viewed"]) == (1, 1, 1)
        assert first["answered"] == 1
        assert first["confirmation"]["outcome"] == "nobody_recognises"
        assert first["confirmation"]["by"] == staff.name
        assert (second["viewed"], second["answered"], second["confirmation"]) == (0, 0, None)


def test_the_schools_of_an_alert_are_404_for_others(world, make_user):
    alert_id = world.published()
    assert world.api("GET", "/alerts/999999/schools", world.investigator).status_code == 404
    draft = world.draft()
    assert world.api("GET", f"/alerts/{draft}/schools", world.prosecutor).status_code == 404
    assert world.api("GET", f"/alerts/{alert_id}/schools", world.staff[0]).status_code == 403


def test_staff_confirm_on_the_portal_page_and_see_who_did(world, web, make_user):
    alert_id = world.published()
    colleague = make_user("school_staff", school_id=world.schools[0].id)
    accept_statement(world.app, colleague)
    page = web.get(world.staff[0], f"/portal/alerts/{alert_id}").text
    assert 'id="school-confirmation-form"' in page
    assert 'value="nobody_recognises"' in page
    without_token = web.post(
        world.staff[0],
        f"/portal/alerts/{alert_id}/school-confirmation",
        {"outcome": "nobody_recognises"},
        csrf=False,
    )
    assert without_token.status_code == 400
    refused = web.post(world.staff[0], f"/portal/alerts/{alert_id}/school-confirmation", {})
    assert refused.status_code == 422
    assert 'id="school-confirmation-form"' in refused.text
    done = web.post(
        world.staff[0],
        f"/portal/alerts/{alert_id}/school-confirmation",
        {"outcome": "nobody_recognises"},
    )
    assert done.status_code == 302
    for user in (world.staff[0], colleague):
        page = web.get(user, f"/portal/alerts/{alert_id}").text
        assert 'id="school-confirmation-form"' not in page
        notice = page[page.index('id="school-confirmation"') :].split("</p>")[0]
        assert 'data-outcome="nobody_recognises"' in notice
        assert world.staff[0].name in notice
    again = web.post(
        colleague, f"/portal/alerts/{alert_id}/school-confirmation", {"outcome": "recognised"}
    )
    assert again.status_code == 302
    assert "al bevestigd" in web.get(colleague, f"/portal/alerts/{alert_id}").text
    # the other school has not confirmed
    other = web.get(world.staff[1], f"/portal/alerts/{alert_id}").text
    assert 'id="school-confirmation-form"' in other
    outsider = web.post(
        world.outsider,
        f"/portal/alerts/{alert_id}/school-confirmation",
        {"outcome": "nobody_recognises"},
    )
    assert outsider.status_code == 404


def test_the_alert_page_shows_the_confirmation_per_school(world, web):
    alert_id = world.published()
    answer(world, alert_id, world.staff[1])
    assert confirm(world, alert_id, world.staff[1], "recognised").status_code == 201
    page = web.get(world.investigator, f"/alerts/{alert_id}").text
    table = page[page.index('id="coverage"') :].split("</table>")[0]
    first, second = (table.split(school.name, 1)[1].split("</tr>")[0] for school in world.schools)
    assert world.staff[1].name in second
    assert "Iemand heeft het kind herkend" in second
    assert "nog niet" in first


def schools(world, alert_id) -> dict[str, dict]:
    response = world.api("GET", f"/alerts/{alert_id}/schools", world.investigator)
    assert response.status_code == 200
    return {row["code"]: row for row in response.json["schools"]}


def test_nobody_recognises_is_refused_while_a_colleague_answered_recognised(world, make_user):
    alert_id = world.published()
    colleague = make_user("school_staff", school_id=world.schools[0].id)
    accept_statement(world.app, colleague)
    answer(world, alert_id, colleague)
    refused = confirm(world, alert_id, world.staff[0], "nobody_recognises")
    assert refused.status_code == 422
    assert "herkent" in str(refused.json)
    assert "outcome" in str(refused.json)
    with world.app.app_context():
        assert db.session.query(confirmation.SchoolConfirmation).count() == 0
    # the colleague's answer at another school does not count for this one
    answer(world, alert_id, world.staff[1])
    assert confirm(world, alert_id, world.staff[0], "recognised").status_code == 201


def test_someone_recognised_is_refused_while_nobody_of_the_school_answered_so(world):
    alert_id = world.published()
    answer(world, alert_id, world.staff[0], "not_recognised")
    answer(world, alert_id, world.staff[1])  # another school's recognition does not count
    refused = confirm(world, alert_id, world.staff[0], "recognised")
    assert refused.status_code == 422
    assert "Niemand van uw school" in str(refused.json)
    assert confirm(world, alert_id, world.staff[0], "nobody_recognises").status_code == 201


def test_a_recognition_after_nobody_was_confirmed_is_kept_and_flagged(world, make_user):
    alert_id = world.published()
    colleague = make_user("school_staff", school_id=world.schools[0].id)
    accept_statement(world.app, colleague)
    assert confirm(world, alert_id, world.staff[0]).status_code == 201
    assert schools(world, alert_id)[world.schools[0].code]["conflict"] is False
    answer(world, alert_id, colleague)  # accepted: a tip is never lost
    rows = schools(world, alert_id)
    first, second = rows[world.schools[0].code], rows[world.schools[1].code]
    assert (first["recognised"], first["conflict"]) == (1, True)
    assert first["confirmation"]["outcome"] == "nobody_recognises"
    assert (second["recognised"], second["conflict"]) == (0, False)
    listed = world.api("GET", f"/alerts/{alert_id}/responses", world.investigator).json
    assert [item["kind"] for item in listed["responses"]] == ["recognised"]


def test_a_withdrawn_recognition_after_someone_recognised_is_flagged(world):
    alert_id = world.published()
    answer(world, alert_id, world.staff[0])
    assert confirm(world, alert_id, world.staff[0], "recognised").status_code == 201
    assert schools(world, alert_id)[world.schools[0].code]["conflict"] is False
    answer(world, alert_id, world.staff[0], "not_recognised")
    assert schools(world, alert_id)[world.schools[0].code]["conflict"] is True


def test_the_portal_form_shows_a_contradicting_confirmation_at_the_field(world, web):
    alert_id = world.published()
    refused = web.post(
        world.staff[0], f"/portal/alerts/{alert_id}/school-confirmation", {"outcome": "recognised"}
    )
    assert refused.status_code == 422
    assert 'id="error-summary"' in refused.text
    assert "Niemand van uw school" in refused.text
    assert 'id="school-confirmation-form"' in refused.text
    assert 'id="outcome-error"' in refused.text


def test_the_alert_page_marks_a_conflicting_school(world, web, make_user):
    alert_id = world.published()
    colleague = make_user("school_staff", school_id=world.schools[0].id)
    accept_statement(world.app, colleague)
    assert confirm(world, alert_id, world.staff[0]).status_code == 201
    page = web.get(world.investigator, f"/alerts/{alert_id}").text
    assert 'id="conflicting-schools"' not in page
    answer(world, alert_id, colleague)
    page = web.get(world.investigator, f"/alerts/{alert_id}").text
    assert 'id="conflicting-schools"' in page
    table = page[page.index('id="coverage"') :].split("</table>")[0]
    first, second = (table.split(school.name, 1)[1].split("</tr>")[0] for school in world.schools)
    assert "Let op" in first
    assert "Let op" not in second
    assert table.count("data-conflict") == 1
