"""The alert settings (durations, image count, retention) as the services read them."""

from __future__ import annotations

from flask import current_app


def setting(name: str) -> int:
    """An integer alert setting of the application's configuration (see docs/configuration)."""
    return int(current_app.config[name])
