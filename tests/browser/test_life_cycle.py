"""The life of an alert in a real browser: the system Chromium driven by Playwright against the
app served from a thread (embedded back end: SQLite, inline jobs).

Investigator drafts (the live preview must answer), uploads drawn images and submits; the
prosecutor approves; a staff member of a targeted school views and answers "recognised"; the
investigator sees it on the dashboard and closes the alert as identified; the staff member no
longer sees the alert and the old image URL answers 404. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from schoolalert.demo.drawings import clothing, face
from tests.alerts.participation import accept_statement, grant
from tests.browser import signing_in
from tests.browser.accessibility import assert_accessible

try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    sync_playwright = None

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def backend() -> str:
    return "embedded"


@pytest.fixture
def server(app) -> Iterator[str]:
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}"
    finally:
        http.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    if not CHROMIUM.exists():
        pytest.skip(f"needs the system Chromium at {CHROMIUM} (apt-get install chromium)")
    if sync_playwright is None:
        pytest.skip("needs the playwright package (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
        )
        try:
            tab = context.pages[0] if context.pages else context.new_page()
            tab.set_default_timeout(10_000)
            yield tab
        finally:
            context.close()


@pytest.fixture
def people(app, make_board, make_school, make_user) -> dict[str, Any]:
    board = make_board()
    targeted = make_school(board, municipality="GM0363", pc4="1011", name="De Regenboog")
    other = make_school(board, municipality="GM0344", pc4="3511", name="De Zonnewijzer")
    for school in (targeted, other):
        grant(app, school)
    staff = make_user("school_staff", school_id=targeted.id, email="juf@school.example")
    accept_statement(app, staff)
    return {
        "investigator": make_user("investigator", email="rechercheur@politie.example"),
        "prosecutor": make_user("prosecutor", email="officier@om.example"),
        "staff": staff,
        "school": targeted,
    }


def test_the_life_of_an_alert(app, server, page, people):
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))

    def shot(name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"life-cycle-{name}.png"), full_page=True)
        assert_accessible(page, name)

    def sign_in(user: Any) -> None:
        signing_in.sign_in(app, page, server, user, signed_in="#home-actions", check_pages=True)

    def main(selector: str):
        return page.locator(f"main {selector}")

    # -- the investigator drafts, uploads, submits ---------------------------------------------
    sign_in(people["investigator"])
    page.goto(f"{server}/alerts")
    assert_accessible(page, "dashboard")
    page.click("#new-alert")
    page.click("#save-draft")  # empty: every error at once, the summary focused
    expect(page.locator("#error-summary")).to_be_focused()
    assert page.title().startswith("Fout: ")
    assert_accessible(page, "draft with errors")
    page.fill("textarea[name=description]", "Meisje van ongeveer zeven, gestreept T-shirt.")
    page.fill("input[name=age_estimate]", "6-8")
    page.fill("input[name=case_reference]", "ZAAK-BROWSER-1")
    page.fill("textarea[name=justification]", "Misbruik vastgesteld; andere middelen uitgeput.")
    page.fill("input[name=order_number]", "OVJ-1")
    page.fill("input[name=order_date]", "2026-11-20")
    page.check("input[name=other_means_exhausted]")
    page.fill("textarea[name=schools]", people["school"].code)
    # The live preview (JavaScript) answers without a page load.
    expect(page.locator("#preview-count")).to_have_attribute("data-count", "1")
    expect(page.locator("#targeting-preview svg .map-hit")).to_have_count(1)
    shot("1-draft")
    page.click("#save-draft")
    expect(page.locator("#upload-form")).to_be_visible()
    alert_url = page.url
    page.uncheck("#upload-form input[name=attest]")
    page.locator("#upload-form button[type=submit]").click()  # no file, no statement
    expect(page.locator("#error-summary")).to_be_focused()
    assert page.title().startswith("Fout: ")
    expect(page.locator("#error-summary a")).to_have_count(2)
    assert_accessible(page, "upload with errors")
    for name, drawing in (("face", face()), ("clothing", clothing())):
        page.set_input_files(
            "#upload-form input[name=file]",
            files=[{"name": f"{name}.png", "mimeType": "image/png", "buffer": drawing}],
        )
        page.check(f"#upload-form input[name=kind][value={name}]")
        page.check("#upload-form input[name=attest]")
        page.locator("#upload-form button[type=submit]").click()
        expect(page.locator(".notice-success")).to_be_visible()
    expect(main("#images img")).to_have_count(2)
    assert_accessible(page, "draft with images")
    page.click("#submit-alert")
    expect(main("#summary-images")).to_be_visible()  # check your answers first
    page.click("#confirm-submit")
    expect(main(".badge-submitted")).to_be_visible()
    assert_accessible(page, "submitted")

    # -- the prosecutor approves ---------------------------------------------------------------
    sign_in(people["prosecutor"])
    page.goto(f"{server}/alerts")
    page.locator("#prosecutor-queue a").first.click()
    assert _images_loaded(page) == 2
    shot("2-review")
    page.check("#approve-form input[name=images_checked]")
    page.locator("#approve-form button[type=submit]").click()
    expect(main("#summary-schools")).to_be_visible()  # check your answers first
    page.click("#confirm-approve")
    expect(main(".badge-published")).to_be_visible()
    assert_accessible(page, "published")

    # -- a staff member of a targeted school answers -------------------------------------------
    sign_in(people["staff"])
    page.goto(f"{server}/portal")
    assert_accessible(page, "portal")
    if page.locator("#briefing-link").count():  # the consent module's briefing, when present
        page.click("#briefing-link")
        for box in page.locator("main form input[type=checkbox]").all():
            box.check()
        page.locator("main form button[type=submit]").click()
        page.goto(f"{server}/portal")
    page.locator("#staff-alerts a").first.click()
    staff_alert_url = page.url
    assert _images_loaded(page) == 2
    image_url = main(".image-grid img").first.get_attribute("src")
    expect(page.locator("#tip-fields")).to_be_hidden()  # shown for "yes" only
    page.check("input[name=kind][value=recognised]")
    page.fill("textarea[name=message]", "Zit bij ons in groep 4.")
    shot("3-portal")
    page.click("#send-answer")
    expect(page.locator("#answered")).to_have_attribute("data-kind", "recognised")
    assert_accessible(page, "answered")
    page.goto(staff_alert_url)
    expect(page.locator("#my-answer")).to_have_attribute("data-kind", "recognised")
    expect(page.locator("#tip-fields")).to_be_hidden()
    page.check("input[name=kind][value=not_recognised]")
    page.click("#send-answer")
    expect(page.locator("#confirm-change-form")).to_be_visible()
    assert_accessible(page, "confirm change")
    page.click("#keep-answer")
    expect(page.locator("#my-answer")).to_have_attribute("data-kind", "recognised")

    # -- the investigator sees the recognition and closes the alert ----------------------------
    sign_in(people["investigator"])
    page.goto(f"{server}/alerts")
    expect(page.locator("#recognised-heading")).to_be_visible()
    shot("4-dashboard")
    page.goto(alert_url)
    page.click("#close-alert")
    assert_accessible(page, "close")
    page.check("input[name=reason][value=identified]")
    page.click("#confirm-close")
    expect(page.locator("#purge-verified")).to_be_visible()
    shot("5-purge-record")
    page.goto(f"{alert_url}/responses")
    assert_accessible(page, "responses")

    # -- the staff member no longer sees anything ----------------------------------------------
    sign_in(people["staff"])
    page.goto(f"{server}/portal")
    expect(page.locator("#no-alerts")).to_be_visible()
    assert page.goto(staff_alert_url).status == 410  # "Dit alert is beëindigd", nothing more
    expect(page.locator("#alert-ended")).to_be_visible()
    assert_accessible(page, "ended")
    assert page.request.get(f"{server}{image_url}").status == 404
    assert not [text for text in problems if "Content Security Policy" in text], problems


def _images_loaded(page: Page) -> int:
    """How many images of the page's image grid the browser decoded."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('main .image-grid img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    return page.locator("main .image-grid img").count()
