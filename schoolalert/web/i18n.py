"""Language selection: Dutch unless the user picked English in the page switch."""

from __future__ import annotations

from flask import current_app, has_request_context, request

LANGUAGE_COOKIE = "language"


def select_locale() -> str:
    """The page switch's cookie on the web; ``Accept-Language`` for API clients (no cookies)."""
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(languages, default=default)
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    return chosen if chosen in languages else default
