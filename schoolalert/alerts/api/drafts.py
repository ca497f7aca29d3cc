"""The investigator's and prosecutor's alert endpoints: drafts, their images, previews."""

from __future__ import annotations

from flask import current_app, request
from pydantic import Field
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as HttpResponse

from schoolalert.accounts.auth import signed_in_user
from schoolalert.alerts import access, draft_parts, drafting, targeting
from schoolalert.alerts.api import bp
from schoolalert.alerts.api.serialise import (
    AlertDetail,
    AlertList,
    Preview,
    alert_json,
    preview_school_json,
)
from schoolalert.alerts.dashboard import police_alerts
from schoolalert.alerts.http import image_response
from schoolalert.alerts.images import ImageRejected
from schoolalert.alerts.police import police_alert
from schoolalert.api import answer, document, json_body
from schoolalert.limits import upload_limit
from schoolalert.validation import ResponseModel, validate
from schoolalert.web.errors import ApiError


class Uploaded(ResponseModel):
    id: int
    sha256: str = Field(description="of the re-encoded image as stored (before encryption)")


DRAFT_ERRORS = {403: "not an investigator", 422: "a field is missing or wrong (named in the error)"}


@bp.get("/alerts")
@document(
    summary="Alerts visible to the caller (investigator, prosecutor)",
    tags=["alerts"],
    response_model=AlertList,
)
def list_alerts() -> tuple[HttpResponse, int]:
    user = signed_in_user()
    alerts = [alert_json(alert, user, detail=False) for alert in police_alerts(user)]
    return answer(AlertList, {"alerts": alerts})


@bp.post("/alerts")
@document(
    summary="Create a draft alert",
    tags=["alerts"],
    request_model=drafting.DraftInput,
    response_model=AlertDetail,
    responses={201: "the draft", **DRAFT_ERRORS},
)
def create_alert() -> tuple[HttpResponse, int]:
    user = signed_in_user()
    body = json_body()
    draft = drafting.parse_draft(body)
    alert = drafting.create_draft(user, draft, draft_parts.parse_parts(body))
    return answer(AlertDetail, alert_json(alert, user), 201)


@bp.put("/alerts/<int:alert_id>")
@document(
    summary="Replace the texts and targeting of a draft (its creator)",
    tags=["alerts"],
    request_model=drafting.DraftInput,
    response_model=AlertDetail,
    responses={200: "the draft", 409: "not a draft", **DRAFT_ERRORS},
)
def update_alert(alert_id: int) -> tuple[HttpResponse, int]:
    user = signed_in_user()
    body = json_body()
    draft = drafting.parse_draft(body)
    alert = drafting.update_draft(user, alert_id, draft, draft_parts.parse_parts(body))
    return answer(AlertDetail, alert_json(alert, user))


@bp.get("/alerts/<int:alert_id>")
@document(
    summary="An alert with status, expires_at and stats",
    tags=["alerts"],
    responses={200: "the alert", 404: "unknown or not visible"},
    response_model=AlertDetail,
)
def get_alert(alert_id: int) -> tuple[HttpResponse, int]:
    user = signed_in_user()
    return answer(AlertDetail, alert_json(police_alert(user, alert_id), user))


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
        429: "too many uploads in a short time (LIMIT_UPLOAD)",
    },
    response_model=Uploaded,
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
    return answer(Uploaded, {"id": image.id, "sha256": image.sha256}, 201)


@bp.delete("/alerts/<int:alert_id>/images/<int:image_id>")
@document(summary="Remove an image from a draft", tags=["alerts"], responses={204: "removed"})
def delete_image(alert_id: int, image_id: int) -> tuple[str, int]:
    drafting.remove_image(signed_in_user(), alert_id, image_id)
    return "", 204


@bp.get("/alerts/<int:alert_id>/images/<int:image_id>")
@document(
    summary="An image for the police reviewer, watermarked per view",
    tags=["alerts"],
    responses={200: "image/jpeg", 404: "unknown, or destroyed"},
)
def police_image(alert_id: int, image_id: int) -> HttpResponse:
    view = access.view_image(signed_in_user(), alert_id, image_id)
    return image_response(view)


@bp.post("/targeting/preview")
@document(
    summary="The schools a targeting reaches now",
    tags=["alerts"],
    request_model=drafting.TargetingRequest,
    response_model=Preview,
    responses={200: "{count, schools}", 422: "unknown selector or bad value"},
)
def preview_targeting() -> tuple[HttpResponse, int]:
    body = validate(drafting.TargetingRequest, json_body())
    schools = targeting.preview(body.targeting, exercise=body.exercise)
    return answer(
        Preview,
        {"count": len(schools), "schools": [preview_school_json(school) for school in schools]},
    )
