"""Hostile input gets a clear 4xx, never a server error: lone surrogates and control characters
(422 naming the field), deep JSON (400), huge numbers, ids beyond the database's integer range
(404 in paths, 422 in queries), bad redirect targets, and stored bad text on a page."""

from __future__ import annotations

import logging

import pytest

from schoolalert.accounts.models import User
from schoolalert.alerts import responses
from schoolalert.extensions import db
from tests.factories import csrf_from, fresh_code

SURROGATE = "\ud800"


@pytest.fixture
def no_tracebacks(caplog):
    caplog.set_level(logging.ERROR)
    yield
    assert not [r for r in caplog.records if r.exc_info], "a traceback reached the log"


def raw_json(world, method, path, user, text: str):
    return world.client.open(
        f"/api/v1{path}",
        method=method,
        headers={**world.headers(user), "Content-Type": "application/json"},
        data=text.encode("utf-8", "surrogatepass"),
    )


def test_a_tip_with_a_lone_surrogate_is_refused_and_a_stored_one_does_not_break_the_page(
    world, web, backend, no_tracebacks
):
    alert_id = world.published()
    tip = {"kind": "recognised", "message": f"Looks like Sam {SURROGATE}"}
    refused = world.api("POST", f"/me/alerts/{alert_id}/response", world.staff[0], json=tip)
    assert refused.status_code == 422
    assert refused.json["error"]["field"] == "message"
    escaped = raw_json(
        world,
        "POST",
        f"/me/alerts/{alert_id}/response",
        world.staff[0],
        '{"kind": "recognised", "message": "x\\ud800"}',
    )
    assert escaped.status_code == 422
    page = web.get(world.investigator, f"/alerts/{alert_id}/responses")
    assert page.status_code == 200
    if backend != "embedded":
        return  # PostgreSQL stores no lone surrogate at all; the boundary is the guard there
    # text that got in before the boundary existed renders with U+FFFD instead of a 500
    with world.app.app_context():
        staff = db.session.get(User, world.staff[1].id)
        responses.respond(staff, alert_id, "recognised", {"message": f"Tip {SURROGATE} here"})
        db.session.commit()
    page = web.get(world.investigator, f"/alerts/{alert_id}/responses")
    assert page.status_code == 200
    assert "Tip \ufffd here" in page.text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("case_reference", f"ZAAK {SURROGATE}"),
        ("description", f"A girl {SURROGATE}"),
        ("case_reference", "ZAAK\x00-1"),
        ("justification", "bell\x07"),
    ],
)
def test_bad_characters_in_a_draft_are_a_422_naming_the_field(world, field, value, no_tracebacks):
    body = {
        "case_reference": "ZAAK-1",
        "justification": "Why.",
        "description": "Who.",
        "age_estimate": "7",
        "targeting": {"all": True},
        field: value,
    }
    response = world.api("POST", "/alerts", world.investigator, json=body)
    assert response.status_code == 422
    assert response.json["error"]["field"] == field


def test_newlines_and_tabs_in_long_texts_are_fine(world):
    world.draft(description="Line one\nline two\twith a tab")


def test_a_lone_surrogate_in_the_password_at_the_token_endpoint(client, no_tracebacks):
    response = client.post(
        "/api/v1/auth/token",
        json={"email": "a@example.org", "password": f"pw{SURROGATE}", "otp": "123456"},
    )
    assert response.status_code == 422
    assert response.json["error"]["field"] == "password"


def test_an_invited_name_with_a_lone_surrogate(app, client, make_user, bearer, no_tracebacks):
    admin = make_user("admin")
    response = client.post(
        "/api/v1/boards/999999/staff",
        headers=bearer(admin),
        json={"email": "x@school.example", "name": f"Juf {SURROGATE}", "school": "00AA00"},
    )
    assert response.status_code in (403, 404, 422)  # never a server error


def test_deep_json_is_a_400(world, no_tracebacks):
    deep = "[" * 3000 + "]" * 3000
    response = raw_json(world, "POST", "/alerts", world.investigator, '{"targeting": ' + deep + "}")
    assert response.status_code == 400
    token = world.client.post(
        "/api/v1/auth/token", data='{"email": ' + deep + "}", content_type="application/json"
    )
    assert token.status_code in (400, 401)


def test_nan_and_huge_integers(world, no_tracebacks):
    nan = raw_json(world, "POST", "/alerts", world.investigator, '{"duration_days": NaN}')
    assert nan.status_code == 400
    huge = world.api(
        "POST", "/alerts", world.investigator, json={"duration_days": 10**30, "targeting": {}}
    )
    assert huge.status_code == 422
    assert huge.json["error"]["field"] == "duration_days"


def test_a_401_digit_radius_in_the_regional_preview(world, no_tracebacks):
    radius = '{"targeting": {"radius": {"lat": 52.1, "lon": 5.1, "km": ' + "9" * 401 + "}}}"
    response = raw_json(world, "POST", "/targeting/preview", world.investigator, radius)
    assert response.status_code == 422


@pytest.mark.parametrize("alert_id", ["99999999999999999999", str(2**31), str(2**63)])
def test_ids_beyond_the_integer_range_are_not_found(world, web, alert_id, no_tracebacks):
    for path in (f"/alerts/{alert_id}", f"/alerts/{alert_id}/images/{alert_id}"):
        assert world.api("GET", path, world.investigator).status_code == 404
    assert world.api("GET", f"/me/alerts/{alert_id}", world.staff[0]).status_code == 404
    assert web.get(world.investigator, f"/alerts/{alert_id}").status_code == 404
    assert web.get(world.investigator, f"/alerts/{alert_id}/responses").status_code == 404


@pytest.mark.parametrize("value", ["99999999999999999999", str(2**31), "²"])
def test_ids_beyond_the_integer_range_in_queries_are_a_422(world, make_user, value):
    admin = make_user("admin")
    for path, field in ((f"/audit?alert={value}", "alert"), (f"/tokens?user={value}", "user")):
        response = world.api("GET", path, admin)
        assert response.status_code == 422
        assert response.json["error"]["field"] == field
    assert world.api("GET", f"/audit?page={value}", admin).status_code == 422


def test_web_pages_take_any_page_number(world, web, make_user):
    admin = make_user("admin")
    assert web.get(admin, "/audit?page=99999999999999999999").status_code == 200


def test_nul_in_a_web_form_or_query_is_a_422(world, web, make_user, no_tracebacks):
    admin = make_user("admin")
    assert web.get(admin, "/admin/users?q=a%00b").status_code == 422
    assert web.get(admin, "/admin/users?q=ok").status_code == 200


def test_a_redirect_target_with_a_line_break_falls_back_to_home(app, make_user, no_tracebacks):
    user = make_user()
    client = app.test_client()
    page = client.get("/sign-in?next=/portal%0d%0aSet-Cookie:%20x=1")
    assert page.status_code == 200
    client.post(
        "/sign-in?next=/portal%0d%0aSet-Cookie:%20x=1",
        data={
            "email": user.email,
            "password": user.password,
            "next": "/portal\r\nSet-Cookie: x=1",
            "csrf_token": csrf_from(page.text),
        },
    )
    page = client.get("/sign-in/code")
    done = client.post(
        "/sign-in/code", data={"code": fresh_code(app, user), "csrf_token": csrf_from(page.text)}
    )
    assert done.status_code == 302
    assert done.headers["Location"] == "/"
