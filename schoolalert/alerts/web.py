"""What the police and the staff web pages share: the signed-in user and image responses."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from schoolalert.accounts.models import User
from schoolalert.alerts.access import ImageView

IMAGE_HEADERS = {
    "Cache-Control": "no-store, max-age=0",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Content-Disposition": 'inline; filename="schoolalert.jpg"',
    "Cross-Origin-Resource-Policy": "same-origin",
}


def signed_in_user() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def image_response(view: ImageView) -> Response:
    """The watermarked image, never cached, shown inline (PRODUCT I6)."""
    response = Response(view.content, mimetype="image/jpeg", headers=IMAGE_HEADERS)
    response.headers["X-View-ID"] = view.view_id
    return response


def briefing_url(next_url: str) -> str:
    """The staff briefing, which returns to ``next_url`` after acceptance."""
    return url_for("consent.briefing", next=next_url)
