"""The accounts pages (one blueprint): sign-in, one's own account, password links."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("accounts", "schoolalert.accounts", template_folder="templates")

# The page modules add their routes to ``bp``.
from schoolalert.accounts.views import account, password_links, sign_in  # noqa: E402

__all__ = ["account", "bp", "password_links", "sign_in"]
