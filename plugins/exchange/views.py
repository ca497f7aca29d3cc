"""The administrators' page: this instance's identity, the partners with their last delivery
and error, and the message log (never content)."""

from __future__ import annotations

from flask import Blueprint, render_template

from plugins.exchange import keys, partners
from plugins.exchange.log import message_log
from schoolalert.plugin_api import Role, signed_in_user

blueprint = Blueprint("exchange", __name__, template_folder="templates")
PERMISSIONS = {"overview": {Role.ADMIN.value}}


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
