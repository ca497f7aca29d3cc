"""The images of an alert: viewing one (watermarked, audited), adding and removing them."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from schoolalert.accounts.auth import signed_in_user
from schoolalert.alerts import access, drafting
from schoolalert.alerts.forms import (
    ImageForm,
    place_error,
)
from schoolalert.alerts.http import image_response
from schoolalert.alerts.images import ImageRejected
from schoolalert.alerts.views import bp
from schoolalert.alerts.views.page import Page, act, alert_page
from schoolalert.errors import Conflict, InvalidInput
from schoolalert.limits import upload_limit
from schoolalert.transaction import rollback


@bp.get("/<int:alert_id>/images/<int:image_id>")
def image(alert_id: int, image_id: int) -> Response:
    view = access.view_image(signed_in_user(), alert_id, image_id)
    return image_response(view)


@bp.post("/<int:alert_id>/images")
@upload_limit
def upload_image(alert_id: int) -> Response | Page:
    form = ImageForm()
    upload = request.files.get("file")
    try:
        drafting.add_image(
            signed_in_user(),
            alert_id,
            upload.stream if upload is not None and upload.filename else None,
            kind=form.kind.data or "",
            attested=bool(form.attest.data),
        )
    except ImageRejected as rejected:
        rollback()
        form.file.errors = [str(rejected.message)]
        return alert_page(alert_id, rejected.status, image_form=form)
    except InvalidInput as error:
        rollback()
        place_error(form, error)
        return alert_page(alert_id, 422, image_form=form)
    except Conflict as error:
        rollback()
        return alert_page(alert_id, 409, error=error.message, image_form=form)
    flash(_("The image is added."), "success")
    return redirect(url_for(".alert", alert_id=alert_id, _anchor="images"))


@bp.post("/<int:alert_id>/images/<int:image_id>/remove")
def remove_image(alert_id: int, image_id: int) -> Response | Page:
    return act(
        alert_id,
        lambda user: drafting.remove_image(user, alert_id, image_id),
        _("The image is removed."),
    )
