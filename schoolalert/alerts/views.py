"""The police pages: the dashboard, drafting with a live targeting preview, and the alert page
with images, approval, responses, closing and the purge record.

Views parse the form, call one service and render; the services check roles and states. A
refusal the user can correct (a bad field, a rejected upload) shows the page again with the
error and its status; the transaction is rolled back so nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role
from schoolalert.alerts import access, closing, drafting, responses, review
from schoolalert.alerts.api import upload_limit
from schoolalert.alerts.common import police_alert
from schoolalert.alerts.dashboard import dashboard as dashboard_rows
from schoolalert.alerts.forms import (
    IMAGE_KIND_LABELS,
    ApproveForm,
    CloseForm,
    ConfirmForm,
    DraftForm,
    ImageForm,
    RejectForm,
    draft_form_data,
    draft_payload,
    form_selectors,
    place_error,
    selector_values,
    targeting_from_form,
)
from schoolalert.alerts.images import ImageRejected
from schoolalert.alerts.models import Alert, AlertStatus
from schoolalert.alerts.preview import TargetingPreview, alert_preview, targeting_preview
from schoolalert.alerts.web import image_response, signed_in_user
from schoolalert.errors import Conflict, InvalidInput
from schoolalert.transaction import commit, rollback

bp = Blueprint("alerts", __name__, url_prefix="/alerts", template_folder="templates")

Page = tuple[str, int]


@bp.get("")
def dashboard() -> str:
    return render_template("alerts/dashboard.html", rows=dashboard_rows(signed_in_user()))


# -- drafting ---------------------------------------------------------------------------------


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
    page = _draft_page(form, alert, alert.targeting)
    commit()  # the description read is audited
    return page


@bp.post("/preview")
def preview() -> Page:
    """The preview panel for the draft form's targeting fields (an HTML fragment)."""
    shown, error = _preview(targeting_from_form(request.form))
    return render_template("alerts/_preview.html", preview=shown, preview_error=error), (
        422 if error else 200
    )


def _save_draft(form: DraftForm, alert: Alert | None) -> Response | Page:
    payload = draft_payload(form, request.form)
    if request.form.get("action") == "preview":
        return _draft_page(form, alert, payload["targeting"])
    user = signed_in_user()
    try:
        draft = drafting.parse_draft(payload)
        if alert is None:
            alert = drafting.create_draft(user, draft)
        else:
            drafting.update_draft(user, alert.id, draft)
    except InvalidInput as error:
        rollback()
        return _draft_page(form, alert, payload["targeting"], place_error(form, error), 422)
    commit()
    flash(_("The draft is saved."), "success")
    return redirect(url_for(".alert", alert_id=alert.id))


def _draft_page(
    form: DraftForm,
    alert: Alert | None,
    targeting: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Page:
    shown, preview_error = _preview(targeting)
    page = render_template(
        "alerts/draft.html",
        form=form,
        alert=alert,
        selectors=form_selectors(),
        values=selector_values(targeting),
        errors=errors or {},
        preview=shown,
        preview_error=preview_error,
    )
    return page, status


def _preview(targeting: dict[str, Any]) -> tuple[TargetingPreview | None, str | None]:
    if not targeting:
        return None, None
    try:
        return targeting_preview(targeting), None
    except InvalidInput as error:
        return None, error.message


# -- the alert page ---------------------------------------------------------------------------


@bp.get("/<int:alert_id>")
def alert(alert_id: int) -> Page:
    return _alert_page(alert_id)


@bp.get("/<int:alert_id>/images/<int:image_id>")
def image(alert_id: int, image_id: int) -> Response:
    view = access.view_image(signed_in_user(), alert_id, image_id)
    commit()
    return image_response(view)


@bp.post("/<int:alert_id>/images")
@upload_limit
def upload_image(alert_id: int) -> Response | Page:
    form = ImageForm()
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise InvalidInput(_("Choose an image file."), field="file")
        drafting.add_image(
            signed_in_user(),
            alert_id,
            upload.stream,
            kind=form.kind.data or "",
            attested=bool(form.attest.data),
        )
    except ImageRejected as rejected:
        rollback()
        form.file.errors = [str(rejected.message)]
        return _alert_page(alert_id, rejected.status, image_form=form)
    except InvalidInput as error:
        rollback()
        place_error(form, error)
        return _alert_page(alert_id, 422, image_form=form)
    except Conflict as error:
        rollback()
        return _alert_page(alert_id, 409, error=error.message, image_form=form)
    commit()
    flash(_("The image is added."), "success")
    return redirect(url_for(".alert", alert_id=alert_id, _anchor="images"))


@bp.post("/<int:alert_id>/images/<int:image_id>/remove")
def remove_image(alert_id: int, image_id: int) -> Response | Page:
    return _act(
        alert_id,
        lambda user: drafting.remove_image(user, alert_id, image_id),
        _("The image is removed."),
    )


@bp.post("/<int:alert_id>/submit")
def submit(alert_id: int) -> Response | Page:
    return _act(
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
        return _alert_page(alert_id, 422, approve_form=form)
    except Conflict as error:
        rollback()
        return _alert_page(alert_id, 409, error=error.message)
    commit()
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
        return _alert_page(alert_id, 422, reject_form=form)
    except Conflict as error:
        rollback()
        return _alert_page(alert_id, 409, error=error.message)
    commit()
    flash(_("The alert is sent back to the investigator."), "success")
    return redirect(url_for(".alert", alert_id=alert_id))


def _act(alert_id: int, action: Callable[[User], object], done: str) -> Response | Page:
    """Run a button's service call; show the alert page with the refusal if it is refused."""
    try:
        action(signed_in_user())
    except (InvalidInput, Conflict) as error:
        rollback()
        return _alert_page(alert_id, error.status, error=error.message)
    commit()
    flash(done, "success")
    return redirect(url_for(".alert", alert_id=alert_id))


def _alert_page(
    alert_id: int, status: int = 200, *, error: str | None = None, **forms: Any
) -> Page:
    user = signed_in_user()
    alert = police_alert(user, alert_id)
    try:
        shown, preview_error = alert_preview(alert), None
    except InvalidInput as problem:
        shown, preview_error = None, problem.message
    published = alert.status in (AlertStatus.PUBLISHED, AlertStatus.CLOSED)
    page = render_template(
        "alerts/alert.html",
        alert=alert,
        description=access.read_description(user, alert),
        images=[image for image in alert.images if image.blob_name],
        kind_labels=IMAGE_KIND_LABELS,
        stats=access.statistics(alert.id) if published else None,
        preview=shown,
        preview_error=preview_error,
        may=_abilities(user, alert),
        error=error,
        image_form=forms.get("image_form") or ImageForm(),
        approve_form=forms.get("approve_form") or ApproveForm(),
        reject_form=forms.get("reject_form") or RejectForm(),
        confirm_form=ConfirmForm(),
    )
    commit()  # the description read is audited
    return page, status


def _abilities(user: User, alert: Alert) -> dict[str, bool]:
    """Which controls the page offers (the services decide again when one is used)."""
    investigator, own = user.role == Role.INVESTIGATOR, alert.created_by_id == user.id
    prosecutor_may_decide = user.role == Role.PROSECUTOR and alert.status == AlertStatus.SUBMITTED
    return {
        "edit": investigator and own and alert.status == AlertStatus.DRAFT,
        "decide": prosecutor_may_decide and not own,
        "own_submitted": prosecutor_may_decide and own,
        "close": investigator and alert.status != AlertStatus.CLOSED,
        "identify": investigator and alert.status == AlertStatus.PUBLISHED,
        "responses": investigator and alert.status in (AlertStatus.PUBLISHED, AlertStatus.CLOSED),
        "purge_record": alert.status == AlertStatus.CLOSED,
    }


# -- responses, closing, the purge record ---------------------------------------------------


@bp.get("/<int:alert_id>/responses")
def responses_page(alert_id: int) -> str:
    user = signed_in_user()
    rows = responses.responses_for_investigator(user, alert_id)
    commit()  # the consultation is audited
    return render_template(
        "alerts/responses.html", alert=police_alert(user, alert_id), responses=rows
    )


@bp.route("/<int:alert_id>/close", methods=["GET", "POST"])
def close(alert_id: int) -> Response | Page | str:
    """A confirmation page first: closing destroys the images at once and cannot be undone."""
    form = CloseForm(reason=request.args.get("reason", ""))
    if request.method == "POST":
        try:
            closing.close(signed_in_user(), alert_id, form.reason.data or "")
        except (InvalidInput, Conflict) as error:
            rollback()
            return _alert_page(alert_id, error.status, error=error.message)
        commit()
        flash(_("The alert is closed and its images are destroyed."), "success")
        return redirect(url_for(".purge_record", alert_id=alert_id))
    alert = police_alert(signed_in_user(), alert_id)
    closable = form.reason.data in closing.CLOSABLE_BY_INVESTIGATOR
    if alert.status == AlertStatus.CLOSED or not closable:
        return redirect(url_for(".alert", alert_id=alert_id))
    return render_template("alerts/close.html", alert=alert, form=form)


@bp.get("/<int:alert_id>/purge")
def purge_record(alert_id: int) -> str:
    record = closing.purge_record(signed_in_user(), alert_id)
    return render_template("alerts/purge.html", record=record)
