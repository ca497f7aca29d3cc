"""Drafting an alert, with a live preview of the schools its targeting reaches."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from schoolalert.accounts.auth import signed_in_user
from schoolalert.alerts import access, draft_parts, drafting
from schoolalert.alerts.forms import (
    DraftForm,
    draft_form_data,
    draft_payload,
    form_selectors,
    place_error,
    selector_values,
    targeting_from_form,
)
from schoolalert.alerts.models import Alert
from schoolalert.alerts.preview import TargetingPreview, targeting_preview
from schoolalert.alerts.views import bp
from schoolalert.alerts.views.page import Page
from schoolalert.errors import InvalidInput
from schoolalert.transaction import rollback


@bp.route("/new", methods=["GET", "POST"])
def new_draft() -> Response | Page:
    form = DraftForm(data={"duration_days": str(current_app.config["ALERT_DEFAULT_DAYS"])})
    if request.method == "POST":
        return _save_draft(form, None)
    return _draft_page(form, None, {})


@bp.route("/<int:alert_id>/edit", methods=["GET", "POST"])
def edit_draft(alert_id: int) -> Response | Page:
    user = signed_in_user()
    alert = drafting.own_draft(user, alert_id)
    if request.method == "POST":
        return _save_draft(DraftForm(), alert)
    form = DraftForm(data=draft_form_data(alert, access.read_description(user, alert)))
    return _draft_page(
        form,
        alert,
        alert.targeting,
        parts=draft_parts.part_values(alert.id),
        exercise=alert.exercise,
    )


@bp.post("/preview")
def preview() -> Page:
    """The preview panel for the draft form's targeting fields (an HTML fragment)."""
    shown, error = _preview(targeting_from_form(request.form), bool(request.form.get("exercise")))
    return render_template("alerts/_preview.html", preview=shown, preview_error=error), (
        422 if error else 200
    )


def _save_draft(form: DraftForm, alert: Alert | None) -> Response | Page:
    payload = draft_payload(form, request.form)
    raw_parts = draft_parts.parts_from_form(request.form)
    if request.form.get("action") == "preview":
        return _draft_page(
            form, alert, payload["targeting"], parts=raw_parts, exercise=payload["exercise"]
        )
    user = signed_in_user()
    try:
        draft = drafting.parse_draft(payload)
        parts = draft_parts.parse_parts(raw_parts, form=True)
        if alert is None:
            alert = drafting.create_draft(user, draft, parts)
        else:
            drafting.update_draft(user, alert.id, draft, parts)
    except InvalidInput as error:
        rollback()
        errors = place_error(form, error)
        return _draft_page(
            form,
            alert,
            payload["targeting"],
            errors,
            422,
            parts=raw_parts,
            exercise=payload["exercise"],
        )
    flash(_("The draft is saved."), "success")
    return redirect(url_for(".alert", alert_id=alert.id))


def _draft_page(
    form: DraftForm,
    alert: Alert | None,
    targeting: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
    *,
    parts: dict[str, Any] | None = None,
    exercise: bool = False,
) -> Page:
    shown, preview_error = _preview(targeting, exercise)
    page = render_template(
        "alerts/draft.html",
        form=form,
        alert=alert,
        selectors=form_selectors(),
        values=selector_values(targeting),
        parts=draft_parts.form_parts(),
        part_values=parts or {},
        errors=errors or {},
        preview=shown,
        preview_error=preview_error,
    )
    return page, status


def _preview(
    targeting: dict[str, Any], exercise: bool = False
) -> tuple[TargetingPreview | None, str | None]:
    if not targeting:
        return None, None
    try:
        return targeting_preview(targeting, exercise=exercise), None
    except InvalidInput as error:
        return None, error.message
