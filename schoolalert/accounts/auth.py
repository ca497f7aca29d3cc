"""Who is making this request: the signed-in web session, or an API bearer token."""

from __future__ import annotations

from flask import Flask

from schoolalert.accounts.models import User
from schoolalert.extensions import db, login_manager
from schoolalert.permissions import is_api_request


@login_manager.user_loader
def load_session_user(user_id: str) -> User | None:
    if is_api_request():
        return None  # the API takes bearer tokens only, never the session cookie
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


def init_app(app: Flask) -> None:
    login_manager.session_protection = "strong"
