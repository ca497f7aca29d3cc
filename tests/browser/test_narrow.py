"""At 390 px wide (a phone) the police and admin pages reflow: nothing is wider than the
screen — the alert page with its distribution table, the dashboard, the audit trail."""

from __future__ import annotations

import io
from typing import Any

import pytest

from schoolalert.demo.drawings import face
from tests.alerts.participation import accept_statement, grant
from tests.browser import signing_in
from tests.browser import test_life_cycle as life_cycle

pytestmark = pytest.mark.browser

# The browser, the served app and its back end, as in the life-cycle test.
backend, server, page = life_cycle.backend, life_cycle.server, life_cycle.page


def published_alert(client, bearer, investigator, prosecutor, school) -> int:
    def api(method: str, path: str, user: Any, **kwargs: Any):
        response = client.open(f"/api/v1{path}", method=method, headers=bearer(user), **kwargs)
        assert response.status_code in (200, 201), response.json
        return response

    body = {
        "case_reference": "ZAAK-SMAL-1",
        "justification": "Misbruik vastgesteld; andere middelen uitgeput.",
        "description": "Meisje van ongeveer zeven met een gestreept T-shirt.",
        "age_estimate": "6-8",
        "targeting": {"schools": [school.code]},
        "duration_days": 7,
    }
    alert_id = api("POST", "/alerts", investigator, json=body).json["id"]
    api(
        "POST",
        f"/alerts/{alert_id}/images",
        investigator,
        data={"file": (io.BytesIO(face(seed=5)), "f.png"), "kind": "face", "attest": "true"},
        content_type="multipart/form-data",
    )
    api("POST", f"/alerts/{alert_id}/submit", investigator)
    api("POST", f"/alerts/{alert_id}/approve", prosecutor, json={"images_checked": True})
    return alert_id


def test_police_pages_fit_a_phone(
    app,
    client,
    server,
    page,
    bearer,
    make_board,
    make_school,
    make_user,
):
    board = make_board()
    school = make_school(
        board,
        municipality="GM0363",
        pc4="1011",
        name="Openbare Basisschool De Regenboog met een lange naam",
    )
    grant(app, school)
    staff = make_user("school_staff", school_id=school.id)
    accept_statement(app, staff)
    investigator, prosecutor = make_user("investigator"), make_user("prosecutor")
    alert_id = published_alert(client, bearer, investigator, prosecutor, school)
    page.set_viewport_size({"width": 390, "height": 844})

    def sign_in(user: Any) -> None:
        signing_in.sign_in(app, page, server, user, signed_in="#home-actions")

    def width(path: str) -> int:
        page.goto(f"{server}{path}")
        return page.evaluate("document.documentElement.scrollWidth")

    sign_in(prosecutor)
    for path in (f"/alerts/{alert_id}", "/alerts", "/audit"):
        assert width(path) <= 390, path
    assert page.locator("#audit-table tbody tr").count() > 0
    sign_in(investigator)
    assert width(f"/alerts/{alert_id}") <= 390
    assert page.locator("#coverage").is_visible()
