"""The police dashboard: every alert an investigator or prosecutor may see, with its state."""

from __future__ import annotations

from flask import render_template

from schoolalert.accounts.auth import signed_in_user
from schoolalert.alerts.dashboard import dashboard as dashboard_rows
from schoolalert.alerts.views import bp


@bp.get("")
def dashboard() -> str:
    return render_template("alerts/dashboard.html", rows=dashboard_rows(signed_in_user()))
