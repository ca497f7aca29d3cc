"""Submitting a draft, and the prosecutor approving or rejecting it."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from schoolalert.accounts.auth import signed_in_user
from schoolalert.alerts import drafting, review
from schoolalert.alerts.forms import (
    ApproveForm,
    RejectForm,
    place_error,
)
from schoolalert.alerts.views import bp
from schoolalert.alerts.views.page import Page, act, alert_page
from schoolalert.errors import Conflict, InvalidInput
from schoolalert.transaction import rollback


@bp.post("/<int:alert_id>/submit")
def submit(alert_id: int) -> Response | Page:
    return act(
        alert_id,
        lambda user: drafting.submit(user, alert_id),
        _("The alert is submitted to a public prosecutor."),
    )


@bp.post("/<int:alert_id>/approve")
def approve(alert_id: int) -> Response | Page:
    form = ApproveForm()
    raw = (form.duration_days.data or "").strip()
    try:
        if raw and not raw.isdigit():
            raise InvalidInput(_("Give a whole number of days."), field="duration_days")
        review.approve(
            signed_in_user(),
            alert_id,
            int(raw) if raw else None,
            images_checked=bool(form.images_checked.data),
        )
    except InvalidInput as error:
        rollback()
        place_error(form, error)
        return alert_page(alert_id, 422, approve_form=form)
    except Conflict as error:
        rollback()
        return alert_page(alert_id, 409, error=error.message)
    flash(_("The alert is approved and published."), "success")
    return redirect(url_for(".alert", alert_id=alert_id))


@bp.post("/<int:alert_id>/reject")
def reject(alert_id: int) -> Response | Page:
    form = RejectForm()
    try:
        review.reject(signed_in_user(), alert_id, form.reason.data or "")
    except InvalidInput as error:
        rollback()
        place_error(form, error)
        return alert_page(alert_id, 422, reject_form=form)
    except Conflict as error:
        rollback()
        return alert_page(alert_id, 409, error=error.message)
    flash(_("The alert is sent back to the investigator."), "success")
    return redirect(url_for(".dashboard"))
