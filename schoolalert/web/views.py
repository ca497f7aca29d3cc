"""Home page and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request
from werkzeug.wrappers import Response

from schoolalert.web.i18n import LANGUAGE_COOKIE

bp = Blueprint("web", __name__, template_folder="templates")

ONE_YEAR = 365 * 24 * 3600


@bp.get("/")
def home() -> str:
    return render_template("web/home.html")


@bp.post("/language")
def set_language() -> Response:
    language = request.form.get("language", "")
    response = redirect(safe_next_url(request.form.get("next")))
    if language in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=ONE_YEAR,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    return response


def safe_next_url(target: str | None, default: str = "/") -> str:
    """A path on this site to return to; anything pointing elsewhere becomes ``default``."""
    if not target or any(char.isspace() or not char.isprintable() for char in target):
        return default  # a control character or line break could split the Location header
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or "\\" in target:
        return default
    if target.startswith("//"):
        return default
    return target
