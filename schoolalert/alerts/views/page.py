"""The alert page of the police, which the actions on it show again with their refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from schoolalert.accounts.auth import signed_in_user
from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role
from schoolalert.alerts import access, draft_parts
from schoolalert.alerts.coverage import alert_coverage
from schoolalert.alerts.forms import (
    IMAGE_KIND_LABELS,
    ApproveForm,
    ConfirmForm,
    RejectForm,
    image_form_for,
)
from schoolalert.alerts.models import Alert, AlertStatus
from schoolalert.alerts.police import police_alert
from schoolalert.alerts.preview import alert_preview
from schoolalert.alerts.views import bp
from schoolalert.errors import Conflict, InvalidInput
from schoolalert.transaction import rollback
from schoolalert.web.unit_of_work import keep_refusal

Page = tuple[str, int]


@bp.get("/<int:alert_id>")
def alert(alert_id: int) -> Page:
    return alert_page(alert_id)


def act(alert_id: int, action: Callable[[User], object], done: str) -> Response | Page:
    """Run a button's service call; show the alert page with the refusal if it is refused."""
    try:
        action(signed_in_user())
    except (InvalidInput, Conflict) as error:
        rollback()
        return alert_page(alert_id, error.status, error=error.message)
    flash(done, "success")
    return redirect(url_for(".alert", alert_id=alert_id))


def alert_page(alert_id: int, status: int = 200, *, error: str | None = None, **forms: Any) -> Page:
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
        coverage=alert_coverage(user, alert.id),
        preview=shown,
        preview_error=preview_error,
        may=_abilities(user, alert),
        draft_parts=draft_parts.described_parts(alert.id),
        error=error,
        image_form=image_form_for(alert, forms.get("image_form")),
        approve_form=forms.get("approve_form") or ApproveForm(),
        reject_form=forms.get("reject_form") or RejectForm(),
        confirm_form=ConfirmForm(),
    )
    if status >= 400:
        keep_refusal()  # the refused attempt is rolled back; the description read stays on record
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
