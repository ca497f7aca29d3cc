"""Exercise alerts: only locations opted in to exercises, at most two days, marked as an
exercise on every page, mail and image, never in the evaluation; the opt-in is a consent of its
own with its history; closing an exercise destroys like any alert."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from schoolalert.accounts.models import User
from schoolalert.alerts.evaluation import evaluation
from schoolalert.alerts.models import Alert
from schoolalert.alerts.preview import alert_preview, targeting_preview
from schoolalert.alerts.watermark import watermark_text
from schoolalert.audit.models import AuditEvent
from schoolalert.extensions import db
from schoolalert.schools.models import Board


def board_number(app, school) -> str:
    with app.app_context():
        return db.session.get(Board, school.board_id).number


@pytest.fixture
def admin(world, make_user):
    return make_user("board_admin", board_id=world.schools[0].board_id)


@pytest.fixture
def opted_in(world, admin):
    """Only the first targeted school takes part in exercises."""
    number = board_number(world.app, world.schools[0])
    response = world.api(
        "POST", f"/boards/{number}/exercises", admin, json={"schools": [world.schools[0].code]}
    )
    assert response.status_code == 200, response.json
    return world.schools[0]


def everyone(world) -> dict:
    codes = [school.code for school in (*world.schools, world.outsider_school)]
    return {"targeting": {"schools": codes}, "exercise": True, "duration_days": 2}


def test_an_exercise_reaches_only_locations_opted_in_to_exercises(world, opted_in, run_jobs):
    alert_id = world.published(**everyone(world))
    run_jobs()
    detail = world.api("GET", f"/alerts/{alert_id}", world.investigator).json
    assert detail["exercise"] is True
    assert detail["stats"]["schools_targeted"] == 1
    seen = world.staff_alert(alert_id, world.staff[0])
    assert seen.status_code == 200
    assert seen.json["exercise"] is True
    for other in (world.staff[1], world.outsider):
        assert world.staff_alert(alert_id, other).status_code == 404
    listed = world.api("GET", "/me/alerts", world.staff[0]).json["alerts"]
    assert [(item["id"], item["exercise"]) for item in listed] == [(alert_id, True)]


def test_a_real_alert_still_reaches_every_participating_school(world, opted_in, run_jobs):
    alert_id = world.published()
    detail = world.api("GET", f"/alerts/{alert_id}", world.investigator).json
    assert detail["exercise"] is False
    assert detail["stats"]["schools_targeted"] == 2


def test_an_exercise_without_an_opted_in_school_is_not_submitted(world):
    alert_id = world.draft(exercise=True, duration_days=2)
    assert world.upload(alert_id).status_code == 201
    refused = world.api("POST", f"/alerts/{alert_id}/submit", world.investigator)
    assert refused.status_code == 409
    preview = world.api(
        "POST",
        "/targeting/preview",
        world.investigator,
        json={"targeting": {"all": True}, "exercise": True},
    )
    assert preview.json["count"] == 0


def test_an_exercise_runs_at_most_two_days(world):
    body = {
        "case_reference": "OEF-1",
        "justification": "Exercise.",
        "description": "A drawn child.",
        "age_estimate": "7",
        "targeting": {"all": True},
        "exercise": True,
    }
    refused = world.api("POST", "/alerts", world.investigator, json=body | {"duration_days": 3})
    assert refused.status_code == 422
    assert "duration_days" in str(refused.json)
    made = world.api("POST", "/alerts", world.investigator, json=body)
    assert made.status_code == 201
    assert made.json["duration_days"] <= 2
    real = world.api("POST", "/alerts", world.investigator, json=body | {"exercise": False})
    assert real.json["duration_days"] > 2  # the default of a real alert is longer


def test_mails_about_an_exercise_say_so(world, opted_in, run_jobs, mailbox):
    alert_id = world.published(**everyone(world))
    run_jobs()
    answer = world.api(
        "POST", f"/me/alerts/{alert_id}/response", world.staff[0], json={"kind": "recognised"}
    )
    assert answer.status_code == 201
    run_jobs()
    subjects = {(message["To"], message["Subject"]) for message in mailbox()}
    to_staff = [s for to, s in subjects if to == world.staff[0].email]
    to_police = [s for to, s in subjects if to == world.investigator.email]
    to_prosecutor = [s for to, s in subjects if to == world.prosecutor.email]
    assert to_staff
    assert to_police
    assert to_prosecutor
    assert all(s.startswith("OEFENING: ") for s in to_staff + to_police + to_prosecutor)
    # The recognition goes to the exercising investigator, marked as an exercise.
    assert f"OEFENING: Schoolalert {alert_id}: een kind is herkend" in to_police
    assert not any(to in (world.staff[1].email, world.outsider.email) for to, _s in subjects)


def test_mails_about_a_real_alert_are_not_marked(world, run_jobs, mailbox):
    world.published()
    run_jobs()
    assert mailbox()
    assert not any("OEFENING" in message["Subject"] for message in mailbox())


def test_pages_of_an_exercise_say_so(world, opted_in, web, run_jobs):
    alert_id = world.published(**everyone(world))
    run_jobs()
    police = web.get(world.investigator, f"/alerts/{alert_id}")
    assert police.status_code == 200
    assert "OEFENING" in police.text
    assert 'id="exercise-notice"' in police.text
    assert "OEFENING" in web.get(world.investigator, "/alerts").text
    portal = web.get(world.staff[0], f"/portal/alerts/{alert_id}")
    assert portal.status_code == 200
    assert 'id="exercise-notice"' in portal.text
    assert "data-exercise" in web.get(world.staff[0], "/portal").text
    for path in (f"/alerts/{alert_id}/responses", f"/alerts/{alert_id}/close"):
        assert 'id="exercise-notice"' in web.get(world.investigator, path).text
    answered = world.api(
        "POST", f"/me/alerts/{alert_id}/response", world.staff[0], json={"kind": "not_recognised"}
    )
    assert answered.status_code == 201
    thanks = web.get(world.staff[0], f"/portal/alerts/{alert_id}/answered")
    assert 'id="exercise-notice"' in thanks.text


def test_a_real_alert_page_has_no_exercise_mark(world, web):
    alert_id = world.published()
    assert "exercise-notice" not in web.get(world.investigator, f"/alerts/{alert_id}").text


def test_the_upload_statement_of_an_exercise_is_about_a_drawing(world, web):
    exercise = world.draft(exercise=True, duration_days=2)
    real = world.draft()
    assert "tekening" in web.get(world.investigator, f"/alerts/{exercise}").text
    assert "tekening" not in web.get(world.investigator, f"/alerts/{real}").text


def test_the_watermark_of_an_exercise_says_so():
    moment = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    marked = watermark_text(viewer_code="AB12", viewed_at=moment, view_id="v1", exercise=True)
    plain = watermark_text(viewer_code="AB12", viewed_at=moment, view_id="v1")
    assert marked.splitlines()[0] == "OEFENING - EXERCISE"
    assert marked.splitlines()[1:] == plain.splitlines()
    assert "OEFENING" not in plain


def test_the_image_of_an_exercise_is_watermarked_as_an_exercise(world, opted_in, monkeypatch):
    from schoolalert.alerts import access

    seen = []
    real_watermark = access.watermark
    monkeypatch.setattr(
        access, "watermark", lambda *a, **k: seen.append(k["exercise"]) or real_watermark(*a, **k)
    )
    alert_id = world.published(**everyone(world))
    image = world.staff_alert(alert_id, world.staff[0]).json["images"][0]["url"]
    assert world.api("GET", image.removeprefix("/api/v1"), world.staff[0]).status_code == 200
    assert seen == [True]


def test_an_exercise_is_left_out_of_the_evaluation(world, opted_in, make_user, run_jobs):
    alert_id = world.published(**everyone(world))
    run_jobs()
    closed = world.api(
        "POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "identified"}
    )
    assert closed.status_code == 200
    run_jobs()
    with world.app.app_context():
        assert evaluation(db.session.get(User, make_user("admin").id)) == []
    world.published()
    with world.app.app_context():
        rows = evaluation(db.session.get(User, make_user("admin").id))
    assert rows[0].alerts == 1
    assert rows[0].identified == 0


def test_closing_an_exercise_destroys_and_verifies(world, opted_in, run_jobs):
    alert_id = world.published(**everyone(world))
    run_jobs()
    image = world.staff_alert(alert_id, world.staff[0]).json["images"][0]["url"]
    closed = world.api(
        "POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "withdrawn"}
    )
    assert closed.status_code == 200
    run_jobs()
    record = world.api("GET", f"/alerts/{alert_id}/purge", world.investigator).json
    assert record["verified"] is True
    assert record["images_destroyed"] == 2
    assert record["key_destroyed"]
    assert record["decryption_impossible"]
    assert world.api("GET", image.removeprefix("/api/v1"), world.staff[0]).status_code == 404


def test_opting_in_and_out_keeps_a_history(world, admin):
    number = board_number(world.app, world.schools[0])
    state = world.api("POST", f"/boards/{number}/exercises", admin, json={"schools": "all"})
    assert state.status_code == 200
    assert all(school["exercises"] for school in state.json["schools"])
    again = world.api("POST", f"/boards/{number}/exercises", admin, json={"schools": "all"})
    code = world.schools[1].code
    [school] = [s for s in again.json["schools"] if s["code"] == code]
    assert [entry["action"] for entry in school["history"]] == ["grant"]  # nothing changed
    out = world.api("DELETE", f"/boards/{number}/exercises/{code}", admin)
    assert out.status_code == 200
    [school] = [s for s in out.json["schools"] if s["code"] == code]
    assert school["exercises"] is False
    assert [entry["action"] for entry in school["history"]] == ["grant", "withdraw"]
    assert world.api("DELETE", f"/boards/{number}/exercises/{code}", admin).status_code == 409
    # Participation is a separate consent: still in force.
    participation = world.api("GET", f"/boards/{number}/participation", admin).json
    assert all(school["participating"] for school in participation["schools"])
    with world.app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("consent.exercises%"))
        ).all()
    assert actions.count("consent.exercises_opted_in") == 3
    assert actions.count("consent.exercises_opted_out") == 1


def test_another_board_is_not_found_and_bad_input_is_refused(world, admin, make_board, make_user):
    other_admin = make_user("board_admin", board_id=make_board().id)
    number = board_number(world.app, world.schools[0])
    code = world.schools[0].code
    body = {"schools": "all"}
    assert (
        world.api("POST", f"/boards/{number}/exercises", other_admin, json=body).status_code == 404
    )
    assert world.api("DELETE", f"/boards/{number}/exercises/{code}", other_admin).status_code == 404
    assert world.api("GET", f"/boards/{number}/exercises", other_admin).status_code == 404
    for bad in ({"schools": []}, {"schools": "some"}, {"schools": "all", "extra": 1}):
        assert world.api("POST", f"/boards/{number}/exercises", admin, json=bad).status_code == 422
    unknown = world.api("POST", f"/boards/{number}/exercises", admin, json={"schools": ["99ZZ99"]})
    assert unknown.status_code == 422


def test_the_board_page_opts_in_and_out_by_post_with_csrf(world, admin, web):
    number = board_number(world.app, world.schools[0])
    code = world.schools[0].code
    page = web.get(admin, f"/boards/{number}")
    assert 'id="exercises"' in page.text
    refused = web.post(admin, f"/boards/{number}/exercises/opt-in", {"scope": code}, csrf=False)
    assert refused.status_code == 400
    assert web.get(admin, f"/boards/{number}/exercises/opt-in").status_code == 405
    done = web.post(admin, f"/boards/{number}/exercises/opt-in", {"scope": code})
    assert done.status_code == 302
    state = world.api("GET", f"/boards/{number}/exercises", admin).json
    assert {s["code"]: s["exercises"] for s in state["schools"]}[code] is True
    web.post(admin, f"/boards/{number}/exercises/opt-out", {"scope": code})
    state = world.api("GET", f"/boards/{number}/exercises", admin).json
    assert {s["code"]: s["exercises"] for s in state["schools"]}[code] is False


def test_the_draft_form_makes_an_exercise_of_at_most_two_days(world, web):
    from tests.alerts.test_web_drafting import draft_form

    too_long = web.post(world.investigator, "/alerts/new", draft_form(world, exercise="y"))
    assert too_long.status_code == 422
    assert "Een oefening loopt hoogstens 2 dagen." in too_long.text
    made = web.post(
        world.investigator, "/alerts/new", draft_form(world, exercise="y", duration_days="2")
    )
    assert made.status_code == 302
    alert_id = int(made.headers["Location"].rstrip("/").split("/")[-1])
    alert = world.api("GET", f"/alerts/{alert_id}", world.investigator).json
    assert alert["exercise"] is True
    assert alert["duration_days"] == 2
    edit = web.get(world.investigator, f"/alerts/{alert_id}/edit").text
    start = edit.index('id="exercise"')
    tag = edit[edit.rindex("<input", 0, start) : edit.index(">", start)]
    assert "checked" in tag


def faint_and_targeted(svg: str) -> tuple[int, int]:
    """The number of dots on the map's faint layer and on its highlighted layer."""
    faint, targeted = (
        svg.split(marker)[1].split('"')[0].count("h0") if marker in svg else 0
        for marker in (f'class="map-dots {layer}" d="' for layer in ("map-all", "map-hit"))
    )
    return faint, targeted


def test_the_preview_of_an_exercise_counts_and_draws_only_opted_in_locations(
    world, opted_in, admin
):
    """Two of three locations opted in to exercises; the targeting names the first two."""
    number = board_number(world.app, world.schools[0])
    also = world.api(
        "POST",
        f"/boards/{number}/exercises",
        admin,
        json={"schools": [world.outsider_school.code]},
    )
    assert also.status_code == 200
    targeting = {"schools": [school.code for school in world.schools]}
    with world.app.app_context():
        drill = targeting_preview(targeting, exercise=True)
        real = targeting_preview(targeting)
    assert [school.code for school in drill.schools] == [opted_in.code]
    assert drill.others == 1  # the outsider takes part in exercises; schools[1] does not
    assert faint_and_targeted(str(drill.map_svg)) == (1, 1)
    assert drill.exercise
    assert (real.count, real.others) == (2, 1)
    assert faint_and_targeted(str(real.map_svg)) == (1, 2)
    api = world.api(
        "POST",
        "/targeting/preview",
        world.investigator,
        json={"targeting": targeting, "exercise": True},
    )
    assert (api.json["count"], [s["code"] for s in api.json["schools"]]) == (1, [opted_in.code])


def test_the_draft_form_preview_of_an_exercise_shows_what_it_reaches(world, opted_in, web):
    token = web.token(world.investigator)
    client = web.client(world.investigator)
    codes = " ".join(school.code for school in world.schools)
    drill = client.post(
        "/alerts/preview",
        data={"schools": codes, "exercise": "y"},
        headers={"X-CSRFToken": token},
    )
    assert drill.status_code == 200
    assert 'data-count="1"' in drill.text
    assert 'id="preview-exercise"' in drill.text
    assert "0 andere locaties die meedoen aan oefeningen" in drill.text
    assert world.schools[1].code not in drill.text
    real = client.post("/alerts/preview", data={"schools": codes}, headers={"X-CSRFToken": token})
    assert 'data-count="2"' in real.text
    assert "preview-exercise" not in real.text


def test_the_alert_page_of_an_exercise_draws_only_opted_in_locations(world, opted_in, run_jobs):
    alert_id = world.published(**everyone(world))
    with world.app.app_context():
        shown = alert_preview(db.session.get(Alert, alert_id))
    assert shown.frozen
    assert [school.code for school in shown.schools] == [opted_in.code]
    assert shown.others == 0
    assert faint_and_targeted(str(shown.map_svg)) == (0, 1)
