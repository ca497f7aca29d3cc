"""The staff side of the alert API: live alerts of my school, images, responses (PRODUCT I1)."""

from __future__ import annotations

from typing import Any, Literal

from flask import Blueprint, current_app, url_for
from pydantic import Field
from werkzeug.wrappers import Response as HttpResponse

from schoolalert.accounts.auth import signed_in_user
from schoolalert.accounts.models import User
from schoolalert.alerts import access, confirmation, responses
from schoolalert.alerts.api.serialise import SchoolConfirmationAnswer, confirmation_json
from schoolalert.alerts.http import image_response
from schoolalert.alerts.models import Alert
from schoolalert.api import answer, document, iso, json_body
from schoolalert.consent.eligibility import staff_may_see_alerts
from schoolalert.validation import ResponseModel, validate

bp = Blueprint("me", __name__, url_prefix="/me")


def staff_alert_json(alert: Alert, user: User) -> dict[str, Any]:
    mine = responses.own_response(user, alert.id)
    return {
        "id": alert.id,
        "published_at": iso(alert.approved_at),
        "expires_at": iso(alert.expires_at),
        "age_estimate": alert.age_estimate,
        "exercise": alert.exercise,
        "description": access.read_description(user, alert),
        "images": [
            {
                "id": image.id,
                "kind": image.kind.value,
                "url": url_for(".staff_image", alert_id=alert.id, image_id=image.id),
            }
            for image in alert.images
            if image.blob_name
        ],
        "my_response": mine.kind.value if mine else None,
    }


class StaffImage(ResponseModel):
    id: int
    kind: str
    url: str


class StaffAlert(ResponseModel):
    id: int
    published_at: str
    expires_at: str
    age_estimate: str
    exercise: bool = Field(description="an exercise, not a real case")
    description: str | None
    images: list[StaffImage]
    my_response: Literal["recognised", "not_recognised"] | None
    plugins: dict[str, dict[str, Any]] = Field(description="what enabled plugins add, by plugin")


class Recorded(ResponseModel):
    id: int
    kind: Literal["recognised", "not_recognised"]


class LiveAlert(ResponseModel):
    id: int
    published_at: str
    expires_at: str
    exercise: bool


class MyAlerts(ResponseModel):
    alerts: list[LiveAlert]
    agreement_required: bool = Field(description="accept the confidentiality statement first")


@bp.get("/alerts")
@document(
    summary="Live alerts for my school (school staff)", tags=["portal"], response_model=MyAlerts
)
def my_alerts() -> tuple[HttpResponse, int]:
    user = signed_in_user()
    return answer(
        MyAlerts,
        {
            "alerts": [
                {
                    "id": alert.id,
                    "published_at": iso(alert.approved_at),
                    "expires_at": iso(alert.expires_at),
                    "exercise": alert.exercise,
                }
                for alert in access.staff_alerts(user)
            ],
            "agreement_required": not staff_may_see_alerts(user),
        },
    )


@bp.get("/alerts/<int:alert_id>")
@document(
    summary="Description and image links of a live alert (school staff)",
    tags=["portal"],
    responses={200: "the alert", 404: "unknown or not visible"},
    response_model=StaffAlert,
)
def my_alert(alert_id: int) -> tuple[HttpResponse, int]:
    user = signed_in_user()
    alert = staff_alert_json(access.view_alert(user, alert_id), user)
    return answer(StaffAlert, alert | {"plugins": plugin_fields(user, alert_id)})


def plugin_fields(user: User, alert_id: int) -> dict[str, Any]:
    """What enabled plugins add to a staff member's alert (``schoolalert_staff_alert_api``)."""
    plugins = current_app.extensions["schoolalert.plugins"]
    fields: dict[str, Any] = {}
    for plugin, function, argnames in plugins.implementations("schoolalert_staff_alert_api"):
        arguments = {"user": user, "alert_id": alert_id}
        value = function(**{name: arguments[name] for name in argnames})
        if value is not None:
            fields[plugin] = dict(value)
    return fields


@bp.get("/alerts/<int:alert_id>/images/<int:image_id>")
@document(
    summary="The image, watermarked for this view (school staff)",
    tags=["portal"],
    responses={200: "image/jpeg", 404: "unknown or not visible"},
)
def staff_image(alert_id: int, image_id: int) -> HttpResponse:
    view = access.view_image(signed_in_user(), alert_id, image_id)
    return image_response(view)


@bp.post("/alerts/<int:alert_id>/response")
@document(
    summary="Answer: recognised (with an optional tip) or not_recognised (school staff)",
    tags=["portal"],
    request_model=responses.ResponseInput,
    response_model=Recorded,
    responses={201: "recorded", 404: "unknown or not visible", 422: "bad answer"},
)
def my_response(alert_id: int) -> tuple[HttpResponse, int]:
    given = validate(responses.ResponseInput, json_body())
    response = responses.respond(signed_in_user(), alert_id, given.kind, given.tip())
    return answer(Recorded, {"id": response.id, "kind": response.kind.value}, 201)


@bp.post("/alerts/<int:alert_id>/school-confirmation")
@document(
    summary="Confirm for my school: nobody recognises the child, or someone did (school staff)",
    tags=["portal"],
    request_model=confirmation.ConfirmationInput,
    response_model=SchoolConfirmationAnswer,
    responses={
        201: "confirmed",
        404: "unknown or not visible",
        409: "the school already confirmed",
        422: "bad outcome, or one that contradicts the answers of the school's staff",
    },
)
def school_confirmation(alert_id: int) -> tuple[HttpResponse, int]:
    given = validate(confirmation.ConfirmationInput, json_body())
    user = signed_in_user()
    record = confirmation.confirm_for_school(user, alert_id, given.outcome)
    view = confirmation.school_confirmation(record.alert_id, record.school_id)
    return answer(SchoolConfirmationAnswer, confirmation_json(view), 201)
