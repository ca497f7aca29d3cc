"""Submitting a draft, and the prosecutor approving or rejecting it — each with a summary to
check first (check your answers), confirmed by a second POST."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from schoolalert.accounts.auth import signed_in_user
from schoolalert.accounts.models import User
from schoolalert.alerts import access, drafting, review
from schoolalert.alerts.coverage import alert_coverage
from schoolalert.alerts.forms import (
    IMAGE_KIND_LABELS,
    ApproveForm,
    ConfirmForm,
    RejectForm,
    place_error,
)
from schoolalert.alerts.models import Alert
from schoolalert.alerts.police import police_alert
from schoolalert.alerts.preview import alert_preview
from schoolalert.alerts.views import bp
from schoolalert.alerts.views.page import Page, act, alert_page
from schoolalert.database import utcnow
from schoolalert.errors import Conflict, InvalidInput
from schoolalert.transaction import rollback

CONFIRMED = "yes"


@bp.post("/<int:alert_id>/submit")
def submit(alert_id: int) -> Response | Page:
    """First a summary to check (nothing changes), then, confirmed, the submission."""
    if request.form.get("confirmed") == CONFIRMED:
        return act(
            alert_id,
            lambda user: drafting.submit(user, alert_id),
            _("The alert is submitted to a public prosecutor."),
        )
    user = signed_in_user()
    try:
        alert = drafting.check_submission(user, alert_id)
    except (InvalidInput, Conflict) as error:
        rollback()
        return alert_page(alert_id, error.status, error=error.message)
    return _summary_page(user, alert, "submit", ConfirmForm())


@bp.post("/<int:alert_id>/approve")
def approve(alert_id: int) -> Response | Page:
    """The decision form leads to a summary to check; confirmed there, the alert is published."""
    form = ApproveForm()
    raw = (form.duration_days.data or "").strip()
    user = signed_in_user()
    confirmed = request.form.get("confirmed") == CONFIRMED
    try:
        if raw and not raw.isdigit():
            raise InvalidInput(_("Give a whole number of days."), field="duration_days")
        days, checked = (int(raw) if raw else None), bool(form.images_checked.data)
        if not confirmed:
            days = review.check_approval(user, alert_id, days, images_checked=checked)
            alert = police_alert(user, alert_id)
            return _summary_page(user, alert, "approve", form, days=days)
        review.approve(user, alert_id, days, images_checked=checked)
    except InvalidInput as error:
        rollback()
        place_error(form, error)
        return alert_page(alert_id, 422, approve_form=form)
    except Conflict as error:
        rollback()
        return alert_page(alert_id, 409, error=error.message)
    flash(_("The alert is approved and published."), "success")
    return redirect(url_for(".alert", alert_id=alert_id))


def _summary_page(
    user: User, alert: Alert, step: str, form: FlaskForm, *, days: int | None = None
) -> Page:
    """Check your answers: what schools will see, the reach, the images and the duration."""
    days = alert.proposed_duration_days if days is None else days
    try:
        shown = alert_preview(alert)
    except InvalidInput:
        shown = None
    page = render_template(
        "alerts/confirm.html",
        step=step,
        alert=alert,
        form=form,
        description=access.read_description(user, alert),
        images=[image for image in alert.images if image.blob_name],
        kind_labels=IMAGE_KIND_LABELS,
        preview=shown,
        coverage=alert_coverage(user, alert.id),
        days=days,
        ends_at=utcnow() + timedelta(days=days),
        confirmed=CONFIRMED,
    )
    return page, 200


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
