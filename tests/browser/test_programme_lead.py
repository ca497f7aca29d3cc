"""The pages of the programme lead and the auditors in a real browser, checked with axe: the
evaluation with its SVG charts (administrator and public prosecutor) and the audit trail —
its first page, the next one, a filter chosen in the form, one user's actions and a bad filter.
"""

from __future__ import annotations

from typing import Any

import pytest

from schoolalert.audit import services as audit
from schoolalert.extensions import db
from tests.alerts.participation import accept_statement, grant
from tests.browser import signing_in
from tests.browser import test_life_cycle as life_cycle
from tests.browser.accessibility import assert_accessible
from tests.browser.test_narrow import published_alert

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - depends on the environment
    expect = None

pytestmark = pytest.mark.browser

# The browser, the served app and its back end, as in the life-cycle test.
backend, server, page = life_cycle.backend, life_cycle.server, life_cycle.page


def lived_alert(client, bearer, people: dict[str, Any], school) -> int:
    """Published to one school, viewed and recognised there, then closed as identified."""

    def api(method: str, path: str, user: Any, **kwargs: Any):
        response = client.open(f"/api/v1{path}", method=method, headers=bearer(user), **kwargs)
        assert response.status_code in (200, 201), response.json
        return response

    alert_id = published_alert(client, bearer, people["investigator"], people["prosecutor"], school)
    staff = people["staff"]
    image = api("GET", f"/me/alerts/{alert_id}", staff).json["images"][0]["url"]
    api("GET", image.removeprefix("/api/v1"), staff)
    api("POST", f"/me/alerts/{alert_id}/response", staff, json={"kind": "recognised"})
    api("POST", f"/alerts/{alert_id}/close", people["investigator"], json={"reason": "identified"})
    return alert_id


def fill_the_trail(app, count: int) -> None:
    """Enough entries for a second page of the audit trail."""
    with app.app_context():
        for number in range(count):
            audit.record("school.updated", object_type="school", object_id=number)
        db.session.commit()


def test_evaluation_and_audit_trail_pages(
    app, client, server, page, bearer, make_board, make_school, make_user
):
    board = make_board()
    school = make_school(board, municipality="GM0363", pc4="1011", name="De Regenboog")
    grant(app, school)
    staff = make_user("school_staff", school_id=school.id)
    accept_statement(app, staff)
    people = {
        "investigator": make_user("investigator"),
        "prosecutor": make_user("prosecutor"),
        "admin": make_user("admin"),
        "staff": staff,
    }
    alert_id = lived_alert(client, bearer, people, school)
    fill_the_trail(app, audit.PAGE_SIZE + 10)

    def sign_in(user: Any) -> None:
        signing_in.sign_in(app, page, server, user)  # the home page, whose content differs per role

    # -- the evaluation: figures for the country, SVG charts and a table per unit --------------
    for role in ("admin", "prosecutor"):
        sign_in(people[role])
        page.goto(f"{server}/alerts/evaluation")
        expect(page.locator("#national")).to_be_visible()
        assert page.locator(".chart-figure svg").count() >= 1
        expect(page.locator("#evaluation-table tbody tr")).to_have_count(1)
        assert_accessible(page, f"evaluation ({role})")

    # -- the audit trail (the prosecutor is signed in) ------------------------------------------
    page.goto(f"{server}/audit")
    expect(page.locator("#audit-table tbody tr")).to_have_count(audit.PAGE_SIZE)
    assert_accessible(page, "audit trail")
    page.click("#page-older")
    expect(page.locator("#page-newer")).to_be_visible()
    assert page.locator("#audit-table tbody tr").count() > 0
    assert_accessible(page, "audit trail page 2")
    page.select_option("#action", "alert.closed")
    page.locator("#audit-filters button[type=submit]").click()
    expect(page.locator("#audit-table tbody tr")).to_have_count(1)
    assert page.locator("#page-older").count() == 0
    assert_accessible(page, "audit trail filtered by action")
    page.goto(f"{server}/audit?alert={alert_id}")
    page.locator("#audit-table tbody tr td[data-label] a").first.click()  # one user's actions
    expect(page.locator("#audit-filters input[name=actor]")).to_have_count(1)
    assert_accessible(page, "audit trail of one user")
    assert page.goto(f"{server}/audit?alert=twelve").status == 422
    expect(page.locator("#filter-error")).to_be_visible()
    assert_accessible(page, "audit trail with a bad filter")
