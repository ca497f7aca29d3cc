"""The alert API (CONTRACT §4): drafting, approval, closing, the staff portal, previews."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as HttpResponse

from schoolalert.accounts.models import User
from schoolalert.alerts import access, closing, drafting, responses, review, targeting
from schoolalert.alerts.common import police_alert
from schoolalert.alerts.dashboard import police_alerts
from schoolalert.alerts.images import ImageRejected
from schoolalert.alerts.models import Alert
from schoolalert.alerts.web import image_response, signed_in_user
from schoolalert.api import document, iso, json_body
from schoolalert.extensions import limiter
from schoolalert.transaction import commit
from schoolalert.web.errors import ApiError

bp = Blueprint("alerts", __name__)

TARGETING_SCHEMA = {
    "type": "object",
    "description": "all (true), schools (codes), exclude (codes), and plugin selectors",
}
DRAFT_SCHEMA = {
    "type": "object",
    "required": ["case_reference", "justification", "description", "age_estimate", "targeting"],
    "properties": {
        "case_reference": {"type": "string", "maxLength": 100},
        "justification": {"type": "string", "maxLength": 5000},
        "description": {"type": "string", "maxLength": 2000},
        "age_estimate": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "targeting": TARGETING_SCHEMA,
        "duration_days": {"type": "integer", "minimum": 1},
        "order_number": {"type": "string"},
        "order_date": {"type": "string", "format": "date"},
        "other_means_exhausted": {"type": "boolean"},
    },
}
DRAFT_ERRORS = {403: "not an investigator", 422: "a field is missing or wrong (named in the error)"}
# One budget per user for image uploads, shared by the API and the web page.
upload_limit = limiter.shared_limit(
    lambda: current_app.config["LIMIT_UPLOAD"],
    scope="image-upload",
    key_func=lambda: f"upload:{current_user.id}",
)


def alert_json(alert: Alert, reader: User | None = None, *, detail: bool = True) -> dict[str, Any]:
    """The alert as JSON; with ``detail`` it holds the description, which is decrypted and
    recorded as read by ``reader`` (so build it before the commit)."""
    data: dict[str, Any] = {
        "id": alert.id,
        "status": alert.status.value,
        "created_by": alert.created_by_id,
        "created_at": iso(alert.created_at),
        "submitted_at": iso(alert.submitted_at),
        "approved_at": iso(alert.approved_at),
        "approved_by": alert.approved_by_id,
        "expires_at": iso(alert.expires_at),
        "closed_at": iso(alert.closed_at),
        "close_reason": alert.close_reason.value if alert.close_reason else None,
        "case_reference": alert.case_reference,
        "age_estimate": alert.age_estimate,
        "duration_days": alert.proposed_duration_days,
    }
    if detail:
        data |= {
            "description": access.read_description(_required(reader), alert),
            "justification": alert.justification,
            "order_number": alert.order_number,
            "order_date": alert.order_date.isoformat() if alert.order_date else None,
            "other_means_exhausted": alert.other_means_exhausted,
            "targeting": alert.targeting,
            "rejection_reason": alert.rejection_reason,
            "images": [
                {
                    "id": image.id,
                    "kind": image.kind.value,
                    "width": image.width,
                    "height": image.height,
                    "sha256": image.sha256,
                    "destroyed": image.blob_name is None,
                    "url": url_for(".police_image", alert_id=alert.id, image_id=image.id)
                    if image.blob_name
                    else None,
                }
                for image in alert.images
            ],
            "stats": access.statistics(alert.id),
        }
    return data


# -- investigator and prosecutor --------------------------------------------------------------


@bp.get("/alerts")
@document(summary="Alerts visible to the caller (investigator, prosecutor)", tags=["alerts"])
def list_alerts() -> HttpResponse:
    return jsonify(
        {"alerts": [alert_json(alert, detail=False) for alert in police_alerts(signed_in_user())]}
    )


@bp.post("/alerts")
@document(
    summary="Create a draft alert",
    tags=["alerts"],
    request_body=DRAFT_SCHEMA,
    responses={201: "the draft", **DRAFT_ERRORS},
)
def create_alert() -> tuple[HttpResponse, int]:
    user = signed_in_user()
    data = alert_json(drafting.create_draft(user, drafting.parse_draft(json_body())), user)
    commit()
    return jsonify(data), 201


@bp.put("/alerts/<int:alert_id>")
@document(
    summary="Replace the texts and targeting of a draft (its creator)",
    tags=["alerts"],
    request_body=DRAFT_SCHEMA,
    responses={200: "the draft", 409: "not a draft", **DRAFT_ERRORS},
)
def update_alert(alert_id: int) -> HttpResponse:
    user = signed_in_user()
    data = alert_json(
        drafting.update_draft(user, alert_id, drafting.parse_draft(json_body())), user
    )
    commit()
    return jsonify(data)


@bp.get("/alerts/<int:alert_id>")
@document(
    summary="An alert with status, expires_at and stats",
    tags=["alerts"],
    responses={200: "the alert", 404: "unknown or not visible"},
)
def get_alert(alert_id: int) -> HttpResponse:
    user = signed_in_user()
    data = alert_json(police_alert(user, alert_id), user)
    commit()  # the description read is audited
    return jsonify(data)


@bp.post("/alerts/<int:alert_id>/images")
@upload_limit
@document(
    summary="Upload an image (multipart: file, kind, attest=true)",
    tags=["alerts"],
    request_content_type="multipart/form-data",
    request_body={
        "type": "object",
        "required": ["file", "kind", "attest"],
        "properties": {
            "file": {"type": "string", "format": "binary"},
            "kind": {"type": "string", "enum": ["face", "clothing", "object"]},
            "attest": {"type": "string", "enum": ["true"]},
        },
    },
    responses={
        201: "{id}",
        409: "not a draft, or six images already",
        413: "too large",
        415: "not a JPEG, PNG or WebP image",
        422: "unreadable, too many pixels, animated",
    },
)
def upload_image(alert_id: int) -> tuple[HttpResponse, int]:
    request.max_content_length = current_app.config["IMAGE_MAX_BYTES"] + 64 * 1024
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        raise ApiError(413, "payload_too_large", "the upload is too large") from None
    if upload is None:
        raise ApiError(422, "unprocessable", "send the image in the multipart field 'file'")
    try:
        image = drafting.add_image(
            signed_in_user(),
            alert_id,
            upload.stream,
            kind=request.form.get("kind", ""),
            attested=request.form.get("attest", "").lower() == "true",
        )
    except ImageRejected as rejected:
        raise ApiError(rejected.status, rejected.code, str(rejected.message)) from None
    commit()
    return jsonify({"id": image.id, "sha256": image.sha256}), 201


@bp.delete("/alerts/<int:alert_id>/images/<int:image_id>")
@document(summary="Remove an image from a draft", tags=["alerts"], responses={204: "removed"})
def delete_image(alert_id: int, image_id: int) -> tuple[str, int]:
    drafting.remove_image(signed_in_user(), alert_id, image_id)
    commit()
    return "", 204


@bp.get("/alerts/<int:alert_id>/images/<int:image_id>")
@document(
    summary="An image for the police reviewer, watermarked per view",
    tags=["alerts"],
    responses={200: "image/jpeg", 404: "unknown, or destroyed"},
)
def police_image(alert_id: int, image_id: int) -> HttpResponse:
    view = access.view_image(signed_in_user(), alert_id, image_id)
    commit()
    return image_response(view)


@bp.post("/alerts/<int:alert_id>/submit")
@document(
    summary="Submit a draft for approval (its creator)",
    tags=["alerts"],
    responses={200: "the alert", 409: "not a draft", 422: "no images or no schools"},
)
def submit_alert(alert_id: int) -> HttpResponse:
    user = signed_in_user()
    data = alert_json(drafting.submit(user, alert_id), user)
    commit()
    return jsonify(data)


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
    data = alert_json(alert, user)
    commit()
    return jsonify(data)


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
    data = alert_json(review.reject(user, alert_id, str(json_body().get("reason") or "")), user)
    commit()
    return jsonify(data)


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
    commit()
    return jsonify(closing.purge_record_json(record))


@bp.get("/alerts/<int:alert_id>/responses")
@document(summary="Responses with their tips (investigator)", tags=["alerts"])
def list_responses(alert_id: int) -> HttpResponse:
    views = responses.responses_for_investigator(signed_in_user(), alert_id)
    commit()  # the consultation is audited
    return jsonify({"responses": [view.as_json() for view in views]})


@bp.get("/alerts/<int:alert_id>/purge")
@document(
    summary="The purge record of a closed alert",
    tags=["alerts"],
    responses={200: "what was destroyed, when, by whom, verified", 404: "not closed"},
)
def get_purge_record(alert_id: int) -> HttpResponse:
    return jsonify(closing.purge_record_json(closing.purge_record(signed_in_user(), alert_id)))


@bp.post("/targeting/preview")
@document(
    summary="The schools a targeting reaches now",
    tags=["alerts"],
    request_body={
        "type": "object",
        "required": ["targeting"],
        "properties": {"targeting": TARGETING_SCHEMA},
    },
    responses={200: "{count, schools}", 422: "unknown selector or bad value"},
)
def preview_targeting() -> HttpResponse:
    schools = targeting.preview(targeting.parse_targeting(json_body().get("targeting")))
    return jsonify({"count": len(schools), "schools": [school.as_json() for school in schools]})


def _required(reader: User | None) -> User:
    if reader is None:
        raise ValueError("the description is read by someone: pass the reader")
    return reader
