"""The alert API (CONTRACT §4): the police endpoints (drafting, review, closing) on one
blueprint, and the staff side (``/me``) in :mod:`schoolalert.alerts.api.staff`.

Endpoints parse the JSON, call one service and answer with the serialisers of
:mod:`schoolalert.alerts.api.serialise`; the request's unit of work commits.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("alerts", __name__)

# The endpoint modules add their routes to ``bp``.
from schoolalert.alerts.api import drafts, review  # noqa: E402

__all__ = ["bp", "drafts", "review"]
