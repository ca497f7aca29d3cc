"""Who is making this request: a live web session, or — under /api/ only — a bearer token.

The API never looks at cookies, so a browser cannot be tricked into making API calls for a
signed-in user (no CSRF there); the web never accepts bearer tokens.
"""

from __future__ import annotations

from flask import Flask, Request
from flask_login import current_user

from schoolalert.accounts.models import User
from schoolalert.accounts.tokens import user_for_token
from schoolalert.accounts.web_session import session_user
from schoolalert.extensions import login_manager
from schoolalert.permissions import is_api_request


def signed_in_user() -> User:
    """The user this request acts for (views and API endpoints pass it to the services).

    The permission check runs before every view, so on any endpoint that is not public this is
    a real, active :class:`User`, never Flask-Login's anonymous stand-in.
    """
    return current_user._get_current_object()  # type: ignore[attr-defined]


def is_signed_in() -> bool:
    """Whether a user is signed in (for the public pages, which anyone may open)."""
    return bool(current_user.is_authenticated)


@login_manager.request_loader
def load_request_user(request: Request) -> User | None:
    if is_api_request():
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return user_for_token(token.strip())
    return session_user()


def init_app(app: Flask) -> None:
    login_manager.login_view = "accounts.sign_in"
    login_manager.session_protection = None  # the server-side session row does this job
