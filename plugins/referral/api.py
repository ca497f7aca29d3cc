"""The plugin's JSON API: asking for support (staff), referring (investigator), the queue."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import Blueprint, request
from pydantic import ConfigDict, Field
from werkzeug.wrappers import Response

from plugins.referral import services
from plugins.referral.models import Referral, State
from schoolalert.plugin_api import (
    InvalidInput,
    RequestModel,
    ResponseModel,
    Role,
    answer,
    document,
    iso,
    json_body,
    keep_refusal,
    signed_in_user,
    text,
    validate,
    whole_number,
)

# /api/v1/referral/…: the work queue.
queue_api = Blueprint("queue", __name__)
# /api/v1/me/alerts/<id>/support: an action on the staff member's alert.
staff_api = Blueprint("staff", __name__)
# /api/v1/alerts/<id>/referrals: an action on the investigator's alert.
police_api = Blueprint("police", __name__)

STAFF = {Role.SCHOOL_STAFF.value}
WORKERS = {Role.SUPPORT_WORKER.value}
ADMIN = {Role.ADMIN.value}
INVESTIGATOR = {Role.INVESTIGATOR.value}
QUEUE_PERMISSIONS = {
    "list_referrals": WORKERS | ADMIN,
    "get_referral": WORKERS | ADMIN,
    "accept": WORKERS,
    "start": WORKERS,
    "close": WORKERS,
}
STAFF_PERMISSIONS = {"ask_for_support": STAFF}
POLICE_PERMISSIONS = {"refer": INVESTIGATOR}
TAGS = ["referral"]
STATES = tuple(state.value for state in State)


class ReferralAnswer(ResponseModel):
    id: int
    organisation: int
    source: str
    urgency: str
    state: str
    alert: int | None
    school: int | None
    created_at: str
    accepted_at: str | None
    started_at: str | None
    closed_at: str | None
    outcome: str | None
    contact_shared: bool


class Requester(ResponseModel):
    name: str
    email: str


class ReferralDetail(ReferralAnswer):
    requester: Requester | None
    phone: str | None
    note: str | None


class ReferralQueue(ResponseModel):
    referrals: list[ReferralAnswer]


class OrganisationContact(ResponseModel):
    id: int
    name: str
    phone: str
    opening_hours: str
    first_contact_hours: int


class CrisisLine(ResponseModel):
    number: str
    name: str


class SupportAsked(ResponseModel):
    id: int
    state: str
    organisation: OrganisationContact
    crisis_lines: list[CrisisLine] | None = None


class Referred(ResponseModel):
    id: int
    state: str


def referral_json(referral: Referral, *, detail: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": referral.id,
        "organisation": referral.organisation_id,
        "source": referral.source,
        "urgency": referral.urgency,
        "state": referral.state,
        "alert": referral.alert_id,
        "school": referral.school_id,
        "created_at": iso(referral.created_at),
        "accepted_at": iso(referral.accepted_at),
        "started_at": iso(referral.started_at),
        "closed_at": iso(referral.closed_at),
        "outcome": referral.outcome,
        "contact_shared": referral.phone_sealed is not None,
    }
    if detail:
        user = signed_in_user()
        requester = services.requester_of(referral)
        data["requester"] = (
            {"name": requester.name, "email": requester.email} if requester else None
        )
        data["phone"] = services.contact_phone(user, referral)
        data["note"] = services.note_text(user, referral)
    return data


class SupportRequest(RequestModel):
    """A phone number goes with the agreement to share it (``share_contact``)."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"properties": {"phone": {"pattern": "^[ \\t]*$"}}},
                {"required": ["share_contact"], "properties": {"share_contact": {"const": True}}},
            ]
        }
    )

    urgency: Literal["normal", "urgent"]
    phone: Annotated[str, Field(max_length=40, pattern=services.PHONE_INPUT)] = ""
    share_contact: bool = False


class ReferralRequest(RequestModel):
    organisation: whole_number()  # type: ignore[valid-type]
    note: text(services.NOTE_LIMIT, required=False) = ""  # type: ignore[valid-type]


class ReferralClosing(RequestModel):
    outcome: Literal[services.OUTCOMES] | None = None  # type: ignore[valid-type]


@staff_api.post("/<int:alert_id>/support")
@document(
    summary="Ask for support after an alert you received, live or ended (school staff)",
    tags=TAGS,
    request_model=SupportRequest,
    response_model=SupportAsked,
    responses={
        201: "sent: id, state, organisation (urgent: the 24/7 lines)",
        404: "an alert you never received",
        409: "already asked, or no organisation serves your school's region",
        422: "bad urgency or phone, or a phone without share_contact",
    },
)
def ask_for_support(alert_id: int) -> tuple[Response, int]:
    body = validate(SupportRequest, json_body())
    try:
        referral = services.request_support(
            signed_in_user(),
            alert_id,
            urgency=body.urgency,
            phone=body.phone,
            share_contact=body.share_contact,
        )
    except services.NoOrganisation:
        keep_refusal()  # the administrators' notice stays
        raise
    organisation = services.get_organisation(referral.organisation_id)
    support: dict[str, Any] = {
        "id": referral.id,
        "state": referral.state,
        "organisation": {
            "id": organisation.id,
            "name": organisation.name,
            "phone": organisation.phone,
            "opening_hours": organisation.opening_hours,
            "first_contact_hours": organisation.first_contact_hours,
        },
    }
    if referral.urgency == "urgent":
        support["crisis_lines"] = services.crisis_lines()
    return answer(SupportAsked, support, 201)


@police_api.post("/<int:alert_id>/referrals")
@document(
    summary="Refer an identified child's care to an organisation (investigator)",
    tags=TAGS,
    request_model=ReferralRequest,
    response_model=Referred,
    responses={201: "referred: id, state", 404: "unknown alert", 422: "unknown organisation"},
)
def refer(alert_id: int) -> tuple[Response, int]:
    body = validate(ReferralRequest, json_body())
    referral = services.refer(signed_in_user(), alert_id, body.organisation, body.note)
    return answer(Referred, {"id": referral.id, "state": referral.state}, 201)


@queue_api.get("/referrals")
@document(
    summary="The referrals of my organisation (support worker; administrators: all)",
    tags=TAGS,
    query={"state": {"enum": list(STATES)}},
    response_model=ReferralQueue,
)
def list_referrals() -> tuple[Response, int]:
    state = request.args.get("state")
    if state is not None and state not in STATES:
        raise InvalidInput(f"state is one of {', '.join(STATES)}", field="state")
    referrals = services.queue(signed_in_user(), include_closed=True)
    if state:
        referrals = [referral for referral in referrals if referral.state == state]
    return answer(ReferralQueue, {"referrals": [referral_json(r) for r in referrals]})


@queue_api.get("/referrals/<int:referral_id>")
@document(
    summary="One referral, with the contact details shared (support worker, administrator)",
    tags=TAGS,
    responses={200: "the referral", 404: "unknown, or another organisation's"},
    response_model=ReferralDetail,
)
def get_referral(referral_id: int) -> tuple[Response, int]:
    referral = services.referral_for(signed_in_user(), referral_id)
    return answer(ReferralDetail, referral_json(referral, detail=True))


def _step(referral_id: int, action: str) -> tuple[Response, int]:
    outcome = None
    if action == "close" and request.get_data():
        outcome = validate(ReferralClosing, json_body()).outcome
    referral = services.step(signed_in_user(), referral_id, action, outcome)
    return answer(ReferralAnswer, referral_json(referral))


STEP_RESPONSES = {
    200: "the referral in its new state",
    404: "unknown, or another organisation's",
    409: "not possible in the referral's state",
}


@queue_api.post("/referrals/<int:referral_id>/accept")
@document(
    summary="requested → accepted (support worker)",
    tags=TAGS,
    responses=STEP_RESPONSES,
    response_model=ReferralAnswer,
)
def accept(referral_id: int) -> tuple[Response, int]:
    return _step(referral_id, "accept")


@queue_api.post("/referrals/<int:referral_id>/start")
@document(
    summary="accepted → in_progress (support worker)",
    tags=TAGS,
    responses=STEP_RESPONSES,
    response_model=ReferralAnswer,
)
def start(referral_id: int) -> tuple[Response, int]:
    return _step(referral_id, "start")


@queue_api.post("/referrals/<int:referral_id>/close")
@document(
    summary="in_progress → closed, with an optional outcome (support worker)",
    tags=TAGS,
    request_model=ReferralClosing,
    response_model=ReferralAnswer,
    responses=STEP_RESPONSES | {422: "unknown outcome"},
)
def close(referral_id: int) -> tuple[Response, int]:
    return _step(referral_id, "close")
