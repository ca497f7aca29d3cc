"""Support referral in a real browser: a teacher who received an alert asks for urgent support
in the portal and sees the 24/7 lines at once; the support worker of the organisation serving
the school's police unit takes the request from requested to closed. Screenshots go to
``test-artifacts/``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.alerts.conftest import World
from tests.alerts.participation import accept_statement, grant
from tests.browser import signing_in
from tests.browser.accessibility import assert_accessible
from tests.browser.test_life_cycle import ARTIFACTS, backend, page, server  # noqa: F401
from tests.referral.conftest import add_organisation, add_worker, enable

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - depends on the environment
    expect = None

pytestmark = pytest.mark.browser


@pytest.fixture
def scene(app, client, bearer, make_board, make_school, make_user) -> dict[str, Any]:
    enable(app)
    board = make_board()
    school = make_school(board, municipality="GM0363", pc4="1011", name="De Regenboog")
    grant(app, school)
    teacher = make_user("school_staff", school_id=school.id, email="meester@school.example")
    accept_statement(app, teacher)
    world = World(
        app=app,
        client=client,
        headers=bearer,
        investigator=make_user("investigator"),
        prosecutor=make_user("prosecutor"),
        schools=[school],
        staff=[teacher],
        outsider_school=None,
        outsider=None,
    )
    organisation = add_organisation(
        app, "Schoolsteun Amsterdam", "school_support", ["RE05"], "steun@org.example"
    )
    worker = make_user("support_worker", email="hulp@org.example")
    add_worker(app, organisation, worker)
    return {"alert_id": world.published(), "teacher": teacher, "worker": worker}


def test_a_teacher_asks_for_support_and_a_worker_takes_it_up(app, server, page, scene):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))

    def shot(name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"referral-{name}.png"), full_page=True)
        assert_accessible(page, f"referral {name}")

    def sign_in(user: Any) -> None:
        # Signed in: the navigation offers the account page (a worker has no home actions).
        signing_in.sign_in(app, page, server, user, signed_in='header a[href="/account"]')

    alert_id = scene["alert_id"]
    # -- the teacher asks, urgently, with a phone number and consent ---------------------------
    sign_in(scene["teacher"])
    page.goto(f"{server}/portal/alerts/{alert_id}")
    page.click("#ask-support")
    expect(page.locator("#crisis-lines")).to_contain_text("0800-0188")
    page.check("input[name=urgency][value=urgent]")
    page.fill("input[name=phone]", "06 12345678")
    page.check("input[name=share_contact]")
    shot("1-form")
    page.click("#send-support")
    expect(page.locator("#support-sent")).to_have_attribute("data-referral-state", "requested")
    lines = page.locator("#crisis-lines")
    for number in ("112", "0900-8844", "0900-0101", "0800-0188"):
        expect(lines).to_contain_text(number)
    expect(page.locator("#support-sent")).to_contain_text("Schoolsteun Amsterdam")
    shot("2-sent")

    # -- the worker takes it from requested to closed ------------------------------------------
    sign_in(scene["worker"])
    page.goto(f"{server}/plugins/referral/queue")
    assert_accessible(page, "referral queue")
    page.locator("#referral-queue a").first.click()
    expect(page.locator("#referral-phone")).to_have_text("06 12345678")
    page.click("#referral-accept")
    expect(page.locator("#referral-detail")).to_have_attribute("data-referral-state", "accepted")
    page.click("#referral-start")
    expect(page.locator("#referral-detail")).to_have_attribute("data-referral-state", "in_progress")
    page.select_option("select[name=outcome]", "supported")
    page.click("#referral-close")
    expect(page.locator("#referral-detail")).to_have_attribute("data-referral-state", "closed")
    shot("3-closed")

    # -- the teacher sees the state of the request on the alert ---------------------------------
    sign_in(scene["teacher"])
    page.goto(f"{server}/portal/alerts/{alert_id}")
    expect(page.locator("#referral-support [data-referral-state=closed]")).to_be_visible()
    assert_accessible(page, "portal alert with the referral")
    assert not [text for text in problems if "Content Security Policy" in text], problems
