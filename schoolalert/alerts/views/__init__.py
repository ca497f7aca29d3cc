"""The police pages under ``/alerts`` (one blueprint), and the staff portal in
:mod:`schoolalert.alerts.views.staff`.

Views parse the form, call one service and render; the services check roles and states. A
refusal the user can correct (a bad field, a rejected upload) shows the page again with the
error and its status, after rolling back what the refused call wrote; the request's unit of work
(:mod:`schoolalert.web.unit_of_work`) commits what succeeds.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("alerts", "schoolalert.alerts", url_prefix="/alerts", template_folder="templates")

# The page modules add their routes to ``bp``.
from schoolalert.alerts.views import (  # noqa: E402
    approval,
    closure,
    dashboard,
    drafts,
    evaluation,
    images,
    page,
)

__all__ = ["approval", "bp", "closure", "dashboard", "drafts", "evaluation", "images", "page"]
