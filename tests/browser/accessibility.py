"""axe-core (bundled by axe-playwright-python) on a page state: any violation fails the test."""

from __future__ import annotations

from typing import Any

try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:  # pragma: no cover - depends on the environment
    Axe = None

# WCAG 2.1 A and AA plus axe's best practices, as the walk-through ran them.
OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
}


def assert_accessible(page: Any, state: str) -> None:
    """Run axe on what the page shows now; fail with the report if anything is wrong."""
    assert Axe is not None, "needs axe-playwright-python (pip install -e '.[test]')"
    results = Axe().run(page, options=OPTIONS)
    assert results.violations_count == 0, f"axe on {state} ({page.url}):\n" + (
        results.generate_report()
    )
