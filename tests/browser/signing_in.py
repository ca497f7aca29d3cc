"""Signing in through the pages, as a person does: e-mail and password, then the one-time code."""

from __future__ import annotations

from typing import Any

from tests.browser.accessibility import assert_accessible
from tests.factories import fresh_code


def sign_in(
    app: Any,
    page: Any,
    server: str,
    user: Any,
    *,
    signed_in: str | None = None,
    check_pages: bool = False,
) -> None:
    """Sign ``user`` in from a browser without cookies; done once the page after it shows
    ``signed_in`` (a selector), or by default once the home page is reached. ``check_pages``
    runs axe on the two sign-in pages on the way."""
    page.context.clear_cookies()
    page.goto(f"{server}/sign-in")
    if check_pages:
        assert_accessible(page, "sign-in")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", user.password)
    page.locator("main form button[type=submit]").click()
    if check_pages:
        assert_accessible(page, "sign-in code")
    page.fill("input[name=code]", fresh_code(app, user))
    page.locator("main form button[type=submit]").click()
    if signed_in is None:
        page.wait_for_url(f"{server}/")
    else:
        page.locator(signed_in).wait_for()
