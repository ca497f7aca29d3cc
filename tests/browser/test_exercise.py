"""An exercise in a real browser: a teacher at a school opted in to exercises sees the
OEFENING marking on the portal list and on the alert page, answers "recognised", is refused
when confirming "nobody recognises" against that answer, and confirms that someone recognised
the child. Every page state is checked with axe-core. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

from typing import Any

import pytest

from schoolalert.extensions import db
from schoolalert.schools.models import Board
from tests.alerts.conftest import World
from tests.alerts.participation import accept_statement, grant
from tests.browser import signing_in
from tests.browser.accessibility import assert_accessible
from tests.browser.test_life_cycle import ARTIFACTS, backend, page, server  # noqa: F401

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - depends on the environment
    expect = None

pytestmark = pytest.mark.browser


@pytest.fixture
def scene(app, client, bearer, make_board, make_school, make_user) -> dict[str, Any]:
    board = make_board()
    volunteer = make_school(board, municipality="GM0363", pc4="1011", name="De Regenboog")
    other = make_school(board, municipality="GM0344", pc4="3511", name="De Zonnewijzer")
    for school in (volunteer, other):
        grant(app, school)
    teacher = make_user("school_staff", school_id=volunteer.id, email="juf@school.example")
    accept_statement(app, teacher)
    world = World(
        app=app,
        client=client,
        headers=bearer,
        investigator=make_user("investigator"),
        prosecutor=make_user("prosecutor"),
        schools=[volunteer, other],
        staff=[teacher],
        outsider_school=None,
        outsider=None,
    )
    admin = make_user("board_admin", board_id=board.id)
    with app.app_context():
        number = db.session.get(Board, board.id).number
    opted = world.api(
        "POST", f"/boards/{number}/exercises", admin, json={"schools": [volunteer.code]}
    )
    assert opted.status_code == 200, opted.json
    alert_id = world.published(
        targeting={"schools": [volunteer.code, other.code]}, exercise=True, duration_days=2
    )
    return {"alert_id": alert_id, "teacher": teacher}


def test_a_teacher_takes_part_in_an_exercise(app, server, page, scene):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))

    def shot(name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"exercise-{name}.png"), full_page=True)
        assert_accessible(page, f"exercise {name}")

    teacher = scene["teacher"]
    signing_in.sign_in(app, page, server, teacher, signed_in="#home-actions")

    page.goto(f"{server}/portal")
    if page.locator("#briefing-link").count():  # the consent module's briefing, when present
        page.click("#briefing-link")
        for box in page.locator("main form input[type=checkbox]").all():
            box.check()
        page.locator("main form button[type=submit]").click()
        page.goto(f"{server}/portal")
    listed = page.locator("#staff-alerts [data-exercise]")
    expect(listed).to_have_count(1)
    expect(listed).to_have_text("OEFENING")
    shot("1-portal")

    page.locator("#staff-alerts a").first.click()
    alert_url = page.url
    assert alert_url.endswith(f"/portal/alerts/{scene['alert_id']}")
    expect(page.locator("#exercise-notice")).to_contain_text("OEFENING")
    shot("2-alert")

    page.check("input[name=kind][value=recognised]")
    page.fill("textarea[name=message]", "Oefening: zit bij ons in groep 4.")
    page.click("#send-answer")
    expect(page.locator("#answered")).to_have_attribute("data-kind", "recognised")
    expect(page.locator("#exercise-notice")).to_be_visible()
    shot("3-answered")

    # Confirming "nobody recognises" against one's own answer is refused at the field.
    page.goto(alert_url)
    page.check("#school-confirmation-form input[name=outcome][value=nobody_recognises]")
    page.click("#send-confirmation")
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#outcome-error")).to_contain_text("herkent")
    expect(page.locator("#exercise-notice")).to_be_visible()
    shot("4-refused")

    page.check("#school-confirmation-form input[name=outcome][value=recognised]")
    page.click("#send-confirmation")
    expect(page.locator("#school-confirmation")).to_have_attribute("data-outcome", "recognised")
    expect(page.locator("#school-confirmation")).to_contain_text(teacher.name)
    expect(page.locator("#exercise-notice")).to_be_visible()
    shot("5-confirmed")
    assert not [text for text in problems if "Content Security Policy" in text], problems
