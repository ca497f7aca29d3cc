"""The ``/api/v1`` blueprint with every domain's API nested under it."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from werkzeug.wrappers import Response

from schoolalert.accounts.api import bp as accounts_api
from schoolalert.alerts.api import bp as alerts_api
from schoolalert.alerts.api.staff import bp as staff_api
from schoolalert.api.openapi import build_document, document
from schoolalert.audit.api import bp as audit_api
from schoolalert.consent.api import bp as consent_api
from schoolalert.plugin_admin.api import bp as plugins_api
from schoolalert.schools.api import bp as schools_api

bp = Blueprint("api", __name__, url_prefix="/api/v1")
for child in (
    accounts_api,
    alerts_api,
    staff_api,
    plugins_api,
    audit_api,
    consent_api,
    schools_api,
):
    bp.register_blueprint(child)


@bp.get("/openapi.json")
@document(summary="This OpenAPI document", tags=["meta"], auth=False)
def openapi() -> Response:
    return jsonify(build_document(current_app))
