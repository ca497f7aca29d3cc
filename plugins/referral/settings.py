"""The plugin's settings, read from the application configuration."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

NAME = "referral"
DEFAULT_REMINDER_HOURS = 24
DEFAULT_ERASE_AFTER_DAYS = 90
# The version of the consent text a requester agrees to when sharing a phone number; raise it
# whenever CONSENT_TEXT in services.py changes.
CONSENT_VERSION = 1


def _whole_number(key: str, default: int) -> int:
    value = current_app.config.get(key, default)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"SCHOOLALERT_{key} must be a whole number, not {value!r}") from None
    if number < 0:
        raise ValueError(f"SCHOOLALERT_{key} must not be negative")
    return number


def reminder_after() -> timedelta:
    """``SCHOOLALERT_REFERRAL_REMINDER_HOURS`` (default 24; 0: at the next run)."""
    return timedelta(hours=_whole_number("REFERRAL_REMINDER_HOURS", DEFAULT_REMINDER_HOURS))


def erase_after() -> timedelta:
    """``SCHOOLALERT_REFERRAL_ERASE_AFTER_DAYS`` (default 90): contact details after closing."""
    return timedelta(days=_whole_number("REFERRAL_ERASE_AFTER_DAYS", DEFAULT_ERASE_AFTER_DAYS))
