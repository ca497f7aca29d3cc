"""Keyboard only: signing in, saving a draft and a teacher's answer work with Tab, typing, Space
and Enter — no mouse, no clicks — and axe finds nothing on the states on the way."""

from __future__ import annotations

from typing import Any

import pytest

from tests.alerts.conftest import world  # noqa: F401 (the alert tests' small world)
from tests.browser.accessibility import assert_accessible
from tests.browser.test_life_cycle import page, server  # noqa: F401 (browser and app server)
from tests.factories import fresh_code

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - depends on the environment
    expect = None

pytestmark = pytest.mark.browser
MAX_TABS = 60


@pytest.fixture
def backend() -> str:
    return "embedded"


def tab_to(tab: Any, selector: str) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(MAX_TABS):
        tab.keyboard.press("Tab")
        if tab.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def type_into(tab: Any, selector: str, text: str) -> None:
    tab_to(tab, selector)
    tab.keyboard.type(text)


def sign_in(app: Any, tab: Any, address: str, user: Any) -> None:
    tab.context.clear_cookies()
    tab.goto(f"{address}/sign-in")
    type_into(tab, "input[name=email]", user.email)
    type_into(tab, "input[name=password]", user.password)
    tab.keyboard.press("Enter")
    expect(tab.locator("input[name=code]")).to_be_visible()
    type_into(tab, "input[name=code]", fresh_code(app, user))
    tab.keyboard.press("Enter")
    expect(tab.locator("#home-actions")).to_be_visible()


def test_signing_in_and_saving_a_draft_by_keyboard(app, server, page, world):  # noqa: F811
    sign_in(app, page, server, world.investigator)
    page.goto(f"{server}/alerts/new")
    tab_to(page, "#save-draft")
    page.keyboard.press("Enter")  # nothing filled in: the summary gets the focus
    expect(page.locator("#error-summary")).to_be_focused()
    assert_accessible(page, "draft with errors")
    # The summary's first link takes the focus to its field.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.name") == "description"
    page.keyboard.type("Meisje van ongeveer zeven, gestreept T-shirt.")
    type_into(page, "input[name=age_estimate]", "6-8")
    type_into(page, "input[name=case_reference]", "ZAAK-KEYBOARD-1")
    type_into(
        page, "textarea[name=justification]", "Misbruik vastgesteld; andere middelen uitgeput."
    )
    type_into(page, "input[name=order_number]", "OVJ-1")
    tab_to(page, "input[name=other_means_exhausted]")
    page.keyboard.press("Space")
    type_into(page, "textarea[name=schools]", world.schools[0].code)
    tab_to(page, "#save-draft")
    page.keyboard.press("Enter")
    expect(page.locator("#upload-form")).to_be_visible()


def test_a_teacher_answers_by_keyboard(app, server, page, world):  # noqa: F811
    alert_id = world.published()
    staff = world.staff[0]
    sign_in(app, page, server, staff)
    page.set_viewport_size({"width": 390, "height": 844})  # the teacher's phone
    page.goto(f"{server}/portal")
    assert_accessible(page, "portal list on a phone")
    page.goto(f"{server}/portal/alerts/{alert_id}")
    expect(page.locator("#tip-fields")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing overflows
    tab_to(page, "input[name=kind][value=recognised]")
    page.keyboard.press("Space")  # "yes" shows the tip fields
    expect(page.locator("#tip-fields")).to_be_visible()
    assert_accessible(page, "answer with tip fields")
    type_into(page, "textarea[name=message]", "Zit bij ons in groep 4.")
    type_into(page, "input[name=child_name]", "Noor")
    tab_to(page, "#send-answer")
    page.keyboard.press("Enter")
    expect(page.locator("#answered")).to_have_attribute("data-kind", "recognised")
    answers = world.api("GET", f"/alerts/{alert_id}/responses", world.investigator).json
    assert answers["responses"][0]["tip"] == {
        "message": "Zit bij ons in groep 4.",
        "child_name": "Noor",
    }
