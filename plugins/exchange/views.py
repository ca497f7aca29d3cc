"""The pages: the administrators' overview (identity, partners, message log — never content)
and the police's received alerts, with their adoption as a Dutch draft."""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField

from plugins.exchange import keys, partners, receiving
from plugins.exchange.api import IMAGE_HEADERS
from plugins.exchange.log import message_log
from schoolalert.plugin_api import Conflict, InvalidInput, Role, rollback, signed_in_user

blueprint = Blueprint("exchange", __name__, template_folder="templates")
POLICE = {Role.INVESTIGATOR.value, Role.PROSECUTOR.value}
PERMISSIONS = {
    "overview": {Role.ADMIN.value},
    "received": POLICE,
    "received_image": POLICE,
    "adopt": {Role.INVESTIGATOR.value},
}
STATE_LABELS = {
    receiving.RECEIVED: _l("received"),
    receiving.ADOPTED: _l("adopted"),
    receiving.CANCELLED: _l("cancelled by the partner"),
}


class AdoptForm(FlaskForm):
    case_reference = StringField(_l("Dutch case reference"))
    justification = TextAreaField(_l("Justification"))
    schools = TextAreaField(
        _l("School codes"),
        description=_l("You can aim the draft further in the draft form afterwards."),
    )


@blueprint.get("/")
def overview() -> str:
    user = signed_in_user()
    identity = partners.identity()
    return render_template(
        "exchange/overview.html",
        identity=identity,
        fingerprint=keys.fingerprint(identity.certificate) if identity else None,
        partners=partners.partners(),
        messages=message_log(user),
        fingerprint_of=keys.fingerprint,
    )


def _adopt_form(received_id: int) -> AdoptForm:
    return AdoptForm(prefix=f"adopt{received_id}")


def _received_page(
    posted: tuple[int, AdoptForm] | None = None, error: str | None = None, status: int = 200
) -> tuple[str, int]:
    user = signed_in_user()
    items = receiving.received_alerts(user)
    descriptions = {item.id: receiving.read_description(user, item) for item in items}
    forms = {item.id: _adopt_form(item.id) for item in items}
    if posted is not None:
        forms[posted[0]] = posted[1]
    page = render_template(
        "exchange/received.html",
        items=items,
        descriptions=descriptions,
        state_labels=STATE_LABELS,
        forms=forms,
        error=error,
        may_adopt=user.role == Role.INVESTIGATOR,
    )
    return page, status


@blueprint.get("/received")
def received() -> tuple[str, int]:
    return _received_page()


@blueprint.get("/received/<int:received_id>/images/<int:image_id>")
def received_image(received_id: int, image_id: int) -> Response:
    data = receiving.read_image(signed_in_user(), received_id, image_id)
    return Response(data, mimetype="image/png", headers=IMAGE_HEADERS)


@blueprint.post("/received/<int:received_id>/adopt")
def adopt(received_id: int) -> Response | tuple[str, int]:
    form = _adopt_form(received_id)
    codes = [code for code in re.split(r"[\s,;]+", form.schools.data or "") if code]
    body = {
        "case_reference": form.case_reference.data or "",
        "justification": form.justification.data or "",
        "targeting": {"schools": codes} if codes else {},
    }
    try:
        alert_id = receiving.adopt(signed_in_user(), received_id, body)
    except (InvalidInput, Conflict) as refusal:
        rollback()
        return _received_page((received_id, form), refusal.message, refusal.status)
    flash(_("The draft is made: check it, aim it and submit it to a public prosecutor."), "success")
    return redirect(url_for("alerts.edit_draft", alert_id=alert_id))
