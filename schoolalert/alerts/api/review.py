"""The alert endpoints of review and ending: submit, approve, reject, close, responses, purge."""

from __future__ import annotations

from flask import jsonify, request
from werkzeug.wrappers import Response as HttpResponse

from schoolalert.accounts.auth import signed_in_user
from schoolalert.alerts import closing, drafting, responses, review
from schoolalert.alerts.api import bp
from schoolalert.alerts.api.serialise import alert_json, purge_record_json, response_json
from schoolalert.api import document, json_body


@bp.post("/alerts/<int:alert_id>/submit")
@document(
    summary="Submit a draft for approval (its creator)",
    tags=["alerts"],
    responses={200: "the alert", 409: "not a draft", 422: "no images or no schools"},
)
def submit_alert(alert_id: int) -> HttpResponse:
    user = signed_in_user()
    return jsonify(alert_json(drafting.submit(user, alert_id), user))


@bp.post("/alerts/<int:alert_id>/approve")
@document(
    summary="Approve and publish (a prosecutor who is not the creator); may shorten the duration",
    tags=["alerts"],
    request_body={
        "type": "object",
        "required": ["images_checked"],
        "properties": {
            "images_checked": {"type": "boolean", "enum": [True]},
            "duration_days": {"type": "integer"},
        },
    },
    responses={
        200: "published",
        403: "own alert or wrong role",
        409: "not submitted",
        422: "no statement that every image shows only a face, clothing or an object",
    },
)
def approve_alert(alert_id: int) -> HttpResponse:
    body = json_body() if request.content_length else {}
    user = signed_in_user()
    alert = review.approve(
        user,
        alert_id,
        body.get("duration_days"),
        images_checked=body.get("images_checked") is True,
    )
    return jsonify(alert_json(alert, user))


@bp.post("/alerts/<int:alert_id>/reject")
@document(
    summary="Reject back to draft with a reason (prosecutor)",
    tags=["alerts"],
    request_body={
        "type": "object",
        "required": ["reason"],
        "properties": {"reason": {"type": "string"}},
    },
    responses={200: "back to draft", 409: "not submitted"},
)
def reject_alert(alert_id: int) -> HttpResponse:
    user = signed_in_user()
    alert = review.reject(user, alert_id, str(json_body().get("reason") or ""))
    return jsonify(alert_json(alert, user))


@bp.post("/alerts/<int:alert_id>/close")
@document(
    summary="Close as identified or withdrawn; destroys the images at once",
    tags=["alerts"],
    request_body={
        "type": "object",
        "required": ["reason"],
        "properties": {"reason": {"enum": ["identified", "withdrawn"]}},
    },
    responses={200: "the purge record", 409: "already closed"},
)
def close_alert(alert_id: int) -> HttpResponse:
    record = closing.close(signed_in_user(), alert_id, str(json_body().get("reason") or ""))
    return jsonify(purge_record_json(record))


@bp.get("/alerts/<int:alert_id>/responses")
@document(
    summary="Responses with their tips and the history of every answer (investigator)",
    tags=["alerts"],
)
def list_responses(alert_id: int) -> HttpResponse:
    views = responses.responses_for_investigator(signed_in_user(), alert_id)
    return jsonify({"responses": [response_json(view) for view in views]})


@bp.get("/alerts/<int:alert_id>/purge")
@document(
    summary="The purge record of a closed alert",
    tags=["alerts"],
    responses={200: "what was destroyed, when, by whom, verified", 404: "not closed"},
)
def get_purge_record(alert_id: int) -> HttpResponse:
    return jsonify(purge_record_json(closing.purge_record(signed_in_user(), alert_id)))
