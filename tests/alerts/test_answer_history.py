"""An answer is never lost: every answer and tip stays, with its time, for the investigator;
withdrawing a recognition is confirmed on the web and told to the investigator."""

from __future__ import annotations

from sqlalchemy import select

from schoolalert.alerts.models import ResponseRevision
from schoolalert.extensions import db


def answer(world, alert_id, staff, **body):
    response = world.api("POST", f"/me/alerts/{alert_id}/response", staff, json=body)
    assert response.status_code == 201
    return response


def test_the_investigator_sees_every_answer_and_tip_with_its_time(world, web):
    alert_id = world.published()
    staff = world.staff[0]
    answer(world, alert_id, staff, kind="recognised", child_name="Noor", phone="06 1234 5678")
    answer(world, alert_id, staff, kind="not_recognised")
    answer(world, alert_id, staff, kind="recognised", message="Toch wel, groep 4")
    [response] = world.api("GET", f"/alerts/{alert_id}/responses", world.investigator).json[
        "responses"
    ]
    # The existing fields are the current answer ...
    assert response["kind"] == "recognised"
    assert response["tip"] == {"message": "Toch wel, groep 4"}
    # ... and the history holds all three, oldest first, each with its own tip and time.
    history = response["history"]
    assert [entry["kind"] for entry in history] == ["recognised", "not_recognised", "recognised"]
    assert history[0]["tip"] == {"child_name": "Noor", "phone": "06 1234 5678"}
    assert history[1]["tip"] == {}
    assert history[2]["tip"] == {"message": "Toch wel, groep 4"}
    assert all(entry["at"] for entry in history)
    assert history[0]["at"] <= history[1]["at"] <= history[2]["at"]

    page = web.get(world.investigator, f"/alerts/{alert_id}/responses").text
    assert "Noor" in page
    assert "Toch wel, groep 4" in page
    assert 'data-changed="true"' in page
    assert page.count('<li data-kind="recognised">') == 2
    assert 'href="tel:0612345678"' in page


def test_a_withdrawn_recognition_keeps_the_name_and_tells_the_investigator(
    world, run_jobs, mailbox
):
    alert_id = world.published()
    run_jobs()
    before = len(mailbox())  # the four-eyes mail of the approval
    staff = world.staff[1]
    answer(world, alert_id, staff, kind="recognised", child_name="Noor")
    run_jobs()
    answer(world, alert_id, staff, kind="not_recognised")
    run_jobs()
    to_investigator = [m for m in mailbox()[before:] if m["To"] == world.investigator.email]
    subjects = [m["Subject"] for m in to_investigator]
    assert subjects == [
        f"Schoolalert {alert_id}: een kind is herkend",
        f"Schoolalert {alert_id}: een herkenning is veranderd",
    ]
    changed = to_investigator[1].get_content()
    assert "Noor" not in changed  # a link, never content
    assert f"/alerts/{alert_id}/responses" in changed
    [response] = world.api("GET", f"/alerts/{alert_id}/responses", world.investigator).json[
        "responses"
    ]
    assert response["kind"] == "not_recognised"
    assert response["history"][0]["tip"] == {"child_name": "Noor"}
    # Recognising again is a new recognition, told again.
    answer(world, alert_id, staff, kind="recognised")
    run_jobs()
    assert len([m for m in mailbox()[before:] if m["To"] == world.investigator.email]) == 3


def test_on_the_web_withdrawing_a_recognition_asks_first(world, web):
    alert_id = world.published()
    staff = world.staff[0]
    url = f"/portal/alerts/{alert_id}/response"
    web.post(staff, url, {"kind": "recognised", "child_name": "Noor"})
    asked = web.post(staff, url, {"kind": "not_recognised"})
    assert asked.status_code == 200
    assert "U antwoordde dat u dit kind herkent" in asked.text
    assert 'name="confirm" value="yes"' in asked.text
    assert f'href="/portal/alerts/{alert_id}"' in asked.text  # keep the answer
    with world.app.app_context():
        assert db.session.scalars(select(ResponseRevision.kind)).all() == ["recognised"]
    done = web.post(staff, url, {"kind": "not_recognised", "confirm": "yes"})
    assert done.status_code == 302
    with world.app.app_context():
        kinds = db.session.scalars(select(ResponseRevision.kind).order_by(ResponseRevision.id))
        assert list(kinds) == ["recognised", "not_recognised"]
    # Not recognised to recognised, or a first answer, needs no confirmation.
    assert web.post(staff, url, {"kind": "recognised"}).status_code == 302


def test_the_portal_list_shows_what_i_answered(world, web):
    first, second = world.published(), world.published()
    staff = world.staff[0]
    answer(world, first, staff, kind="recognised")
    listing = web.get(staff, "/portal").text
    assert 'data-answered="recognised"' in listing
    assert listing.count('data-answered=""') == 1
    assert f"/portal/alerts/{second}" in listing
