"""The staff portal: live alerts of one's school, an alert with its images, and answering.

Whatever hides an alert from a staff member — not targeted, not participating, statement not
accepted, expired, closed, unknown — the page and its images answer the same 404 (PRODUCT I1).
The one exception: an alert that reached this staff member and has since ended says so (410),
with nothing of its content.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from schoolalert.accounts.auth import signed_in_user
from schoolalert.alerts import access, confirmation, responses
from schoolalert.alerts.forms import (
    IMAGE_KIND_LABELS,
    ResponseForm,
    SchoolConfirmationForm,
    place_error,
)
from schoolalert.alerts.http import image_response
from schoolalert.alerts.models import Alert
from schoolalert.alerts.responses import TIP_FIELDS
from schoolalert.consent.agreements import briefing_required
from schoolalert.consent.eligibility import staff_may_see_alerts
from schoolalert.errors import Conflict, InvalidInput, NotFound
from schoolalert.transaction import rollback
from schoolalert.web.unit_of_work import keep_refusal

bp = Blueprint("portal", "schoolalert.alerts", url_prefix="/portal", template_folder="templates")


@bp.get("")
def alerts() -> str:
    user = signed_in_user()
    may_see = staff_may_see_alerts(user)
    live = access.staff_alerts(user)
    return render_template(
        "portal/alerts.html",
        alerts=live,
        answers=responses.own_answers(user, [alert.id for alert in live]),
        may_see=may_see,
        briefing_needed=briefing_required(user),
        briefing_url=url_for("consent.briefing", next=url_for(".alerts")),
    )


@bp.get("/alerts/<int:alert_id>")
def alert(alert_id: int) -> tuple[str, int]:
    return _alert_page(alert_id, ResponseForm())


@bp.get("/alerts/<int:alert_id>/answered")
def answered(alert_id: int) -> Response | tuple[str, int]:
    """What happens next, after an answer."""
    user = signed_in_user()
    alert = _live_or_ended(alert_id)
    mine = responses.own_response(user, alert.id)
    if mine is None:
        return redirect(url_for(".alert", alert_id=alert.id))
    return render_template("portal/answered.html", alert=alert, mine=mine), 200


@bp.get("/alerts/<int:alert_id>/images/<int:image_id>")
def image(alert_id: int, image_id: int) -> Response:
    view = access.view_image(signed_in_user(), alert_id, image_id)
    return image_response(view)


@bp.post("/alerts/<int:alert_id>/response")
def respond(alert_id: int) -> Response | tuple[str, int]:
    user = signed_in_user()
    form = ResponseForm()
    kind = form.kind.data or ""
    if kind not in ResponseForm.KINDS:
        form.kind.errors = [_("Choose whether you recognise this child.")]
        return _alert_page(alert_id, form, 422)
    if responses.withdraws_recognition(user, alert_id, kind) and not form.confirm.data:
        alert = access.staff_alert(user, alert_id)
        return render_template("portal/confirm_change.html", alert=alert, form=form), 200
    tip = {name: request.form.get(name, "") for name in TIP_FIELDS}
    try:
        responses.respond(user, alert_id, kind, tip)
    except InvalidInput as error:
        rollback()
        place_error(form, error)
        return _alert_page(alert_id, form, 422)
    flash(_("Thank you, your answer has reached the police."), "success")
    return redirect(url_for(".answered", alert_id=alert_id))


@bp.post("/alerts/<int:alert_id>/school-confirmation")
def confirm(alert_id: int) -> Response | tuple[str, int]:
    """Confirm the alert for one's school; a school that already confirmed is told so."""
    user = signed_in_user()
    form = SchoolConfirmationForm()
    outcome = form.outcome.data or ""
    if outcome not in SchoolConfirmationForm.OUTCOMES:
        form.outcome.errors = [_("Choose what you confirm for your school.")]
        return _alert_page(alert_id, ResponseForm(), 422, confirm_form=form)
    try:
        confirmation.confirm_for_school(user, alert_id, outcome)
    except Conflict as error:
        rollback()
        flash(error.message, "error")
        return redirect(url_for(".alert", alert_id=alert_id))
    except InvalidInput as error:  # the outcome contradicts the school's answers
        rollback()
        form.outcome.errors = [error.message]
        return _alert_page(alert_id, ResponseForm(), 422, confirm_form=form)
    flash(_("Thank you, you confirmed the alert for your school."), "success")
    return redirect(url_for(".alert", alert_id=alert_id))


def _live_or_ended(alert_id: int) -> Alert:
    """The live alert, or raise :class:`AlertEnded` for one this person received that ended."""
    user = signed_in_user()
    try:
        return access.view_alert(user, alert_id)
    except NotFound:
        if not access.has_ended(access.received_alert(user, alert_id)):  # NotFound if never
            raise  # received; a live alert hidden by I1 (statement, participation) stays 404
        raise AlertEnded(alert_id) from None


class AlertEnded(Exception):
    """An alert this staff member received has ended (shown as a page, not as a 404)."""

    def __init__(self, alert_id: int) -> None:
        super().__init__(alert_id)
        self.alert_id = alert_id


@bp.errorhandler(AlertEnded)
def ended(error: AlertEnded) -> tuple[str, int]:
    return render_template("portal/ended.html", alert_id=error.alert_id), 410


def _alert_page(
    alert_id: int,
    form: ResponseForm,
    status: int = 200,
    *,
    confirm_form: SchoolConfirmationForm | None = None,
) -> tuple[str, int]:
    user = signed_in_user()
    alert = _live_or_ended(alert_id)
    assert user.school_id is not None
    page = render_template(
        "portal/alert.html",
        alert=alert,
        description=access.read_description(user, alert),
        images=[image for image in alert.images if image.blob_name],
        kind_labels=IMAGE_KIND_LABELS,
        mine=responses.own_response(user, alert.id),
        form=form,
        school_confirmation=confirmation.school_confirmation(alert.id, user.school_id),
        confirm_form=confirm_form or SchoolConfirmationForm(formdata=None),
    )
    if status >= 400:
        keep_refusal()  # the refused answer is rolled back; the description read stays on record
    return page, status
