"""Reading the responses, closing an alert, and its purge record."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from schoolalert.accounts.auth import signed_in_user
from schoolalert.alerts import closing, responses
from schoolalert.alerts.forms import CloseForm
from schoolalert.alerts.models import AlertStatus
from schoolalert.alerts.police import police_alert
from schoolalert.alerts.views import bp
from schoolalert.alerts.views.page import Page, alert_page
from schoolalert.errors import Conflict, InvalidInput
from schoolalert.transaction import rollback


@bp.get("/<int:alert_id>/responses")
def responses_page(alert_id: int) -> str:
    user = signed_in_user()
    rows = responses.responses_for_investigator(user, alert_id)
    return render_template(
        "alerts/responses.html", alert=police_alert(user, alert_id), responses=rows
    )


@bp.route("/<int:alert_id>/close", methods=["GET", "POST"])
def close(alert_id: int) -> Response | Page | str | tuple[str, int]:
    """A page to choose how the alert ends (GET), then closing by POST only: closing destroys
    the images at once and cannot be undone."""
    user = signed_in_user()
    alert = police_alert(user, alert_id)
    if alert.status == AlertStatus.CLOSED:
        return redirect(url_for(".alert", alert_id=alert_id))
    form = CloseForm(identifiable=alert.status == AlertStatus.PUBLISHED)
    if request.method == "GET":
        return render_template("alerts/close.html", alert=alert, form=form)
    if form.reason.data not in closing.CLOSABLE_BY_INVESTIGATOR:
        form.reason.errors = [_("Choose how the alert ends.")]
        return render_template("alerts/close.html", alert=alert, form=form), 422
    try:
        closing.close(user, alert_id, form.reason.data or "")
    except (InvalidInput, Conflict) as error:
        rollback()
        return alert_page(alert_id, error.status, error=error.message)
    flash(_("The alert is closed and its images are destroyed."), "success")
    return redirect(url_for(".purge_record", alert_id=alert_id))


@bp.get("/<int:alert_id>/purge")
def purge_record(alert_id: int) -> str:
    record = closing.purge_record(signed_in_user(), alert_id)
    return render_template("alerts/purge.html", record=record)
