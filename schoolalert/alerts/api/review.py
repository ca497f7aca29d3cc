"""The alert endpoints of review and ending: submit, approve, reject, close, responses, purge."""

from __future__ import annotations

from typing import Literal

from flask import request
from pydantic import ConfigDict
from werkzeug.wrappers import Response as HttpResponse

from schoolalert.accounts.auth import signed_in_user
from schoolalert.alerts import closing, drafting, responses, review
from schoolalert.alerts.api import bp
from schoolalert.alerts.api.serialise import (
    AlertDetail,
    CoverageAnswer,
    PurgeRecordAnswer,
    ResponseList,
    alert_json,
    coverage_json,
    purge_record_json,
    response_json,
)
from schoolalert.alerts.coverage import alert_coverage
from schoolalert.api import answer, document, json_body
from schoolalert.validation import RequestModel, text, validate, whole_number


class Approval(RequestModel):
    """The prosecutor states that every image shows only a face, clothing or an object."""

    model_config = ConfigDict(json_schema_extra=drafting.live_schema)
    refusals = {"images_checked": review.IMAGES_UNCHECKED}

    images_checked: Literal[True]
    # checked against the alert and the settings by review.approve
    duration_days: whole_number(maximum=drafting.MAX_DURATION_DAYS) | None = None  # type: ignore[valid-type]


class Rejection(RequestModel):
    reason: text(review.REASON_LIMIT)  # type: ignore[valid-type]


class AlertClosing(RequestModel):
    reason: Literal["identified", "withdrawn"]


@bp.post("/alerts/<int:alert_id>/submit")
@document(
    summary="Submit a draft for approval (its creator)",
    tags=["alerts"],
    responses={200: "the alert", 409: "not a draft, or without images or schools"},
    response_model=AlertDetail,
)
def submit_alert(alert_id: int) -> tuple[HttpResponse, int]:
    user = signed_in_user()
    return answer(AlertDetail, alert_json(drafting.submit(user, alert_id), user))


@bp.post("/alerts/<int:alert_id>/approve")
@document(
    summary="Approve and publish (a prosecutor who is not the creator); may shorten the duration",
    tags=["alerts"],
    request_model=Approval,
    response_model=AlertDetail,
    responses={
        200: "published",
        403: "own alert or wrong role",
        409: "not submitted, or no participating school left",
        422: "no statement that every image shows only a face, clothing or an object",
    },
)
def approve_alert(alert_id: int) -> tuple[HttpResponse, int]:
    body = validate(Approval, json_body() if request.content_length else {})
    user = signed_in_user()
    alert = review.approve(user, alert_id, body.duration_days, images_checked=body.images_checked)
    return answer(AlertDetail, alert_json(alert, user))


@bp.post("/alerts/<int:alert_id>/reject")
@document(
    summary="Reject back to draft with a reason (prosecutor)",
    tags=["alerts"],
    request_model=Rejection,
    response_model=AlertDetail,
    responses={200: "back to draft", 409: "not submitted"},
)
def reject_alert(alert_id: int) -> tuple[HttpResponse, int]:
    user = signed_in_user()
    alert = review.reject(user, alert_id, validate(Rejection, json_body()).reason)
    return answer(AlertDetail, alert_json(alert, user))


@bp.post("/alerts/<int:alert_id>/close")
@document(
    summary="Close as identified or withdrawn; destroys the images at once",
    tags=["alerts"],
    request_model=AlertClosing,
    response_model=PurgeRecordAnswer,
    responses={200: "the purge record", 409: "already closed"},
)
def close_alert(alert_id: int) -> tuple[HttpResponse, int]:
    reason = validate(AlertClosing, json_body()).reason
    record = closing.close(signed_in_user(), alert_id, reason)
    return answer(PurgeRecordAnswer, purge_record_json(record))


@bp.get("/alerts/<int:alert_id>/responses")
@document(
    summary="Responses with their tips and the history of every answer (investigator)",
    tags=["alerts"],
    response_model=ResponseList,
)
def list_responses(alert_id: int) -> tuple[HttpResponse, int]:
    views = responses.responses_for_investigator(signed_in_user(), alert_id)
    return answer(ResponseList, {"responses": [response_json(view) for view in views]})


@bp.get("/alerts/<int:alert_id>/schools")
@document(
    summary="Per targeted school: eligible staff, notified, viewed, answered, confirmation",
    tags=["alerts"],
    response_model=CoverageAnswer,
    responses={200: "the schools", 404: "unknown or not visible"},
)
def alert_schools(alert_id: int) -> tuple[HttpResponse, int]:
    return answer(CoverageAnswer, coverage_json(alert_coverage(signed_in_user(), alert_id)))


@bp.get("/alerts/<int:alert_id>/purge")
@document(
    summary="The purge record of a closed alert",
    tags=["alerts"],
    responses={200: "what was destroyed, when, by whom, verified", 404: "not closed"},
    response_model=PurgeRecordAnswer,
)
def get_purge_record(alert_id: int) -> tuple[HttpResponse, int]:
    record = closing.purge_record(signed_in_user(), alert_id)
    return answer(PurgeRecordAnswer, purge_record_json(record))
