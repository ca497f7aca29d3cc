"""``/api/v1``: terms, a board's participation, inviting staff, staff accepting the statement."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import Blueprint, jsonify
from pydantic import Field
from werkzeug.wrappers import Response

from schoolalert.accounts.auth import signed_in_user
from schoolalert.api import document, iso, json_body
from schoolalert.consent import agreements, boards, register, staff, terms
from schoolalert.consent import participation as participation_rules
from schoolalert.consent.models import ParticipationChange, TermsKind
from schoolalert.schools.models import SCHOOL_CODE_PATTERN, Board
from schoolalert.validation import RequestModel, code, text, validate, whole_number

bp = Blueprint("consent", __name__)

SCHOOL_CODE = code(SCHOOL_CODE_PATTERN, description="location code (VESTIGINGSCODE), 16AH00")
TERMS_VERSION = whole_number(description="the current version of the terms")


class GrantRequest(RequestModel):
    schools: (
        Literal["all"]
        | Annotated[
            list[SCHOOL_CODE],  # type: ignore[valid-type]
            Field(min_length=1, max_length=participation_rules.MAX_SCHOOLS_PER_GRANT),
        ]
    ) = Field(description='"all" (the whole board, also future locations) or location codes')
    terms_version: TERMS_VERSION  # type: ignore[valid-type]


class StaffInvitation(RequestModel):
    email: text(320)  # type: ignore[valid-type]
    name: text(200)  # type: ignore[valid-type]
    school: SCHOOL_CODE  # type: ignore[valid-type]


class AgreementRequest(RequestModel):
    terms_version: TERMS_VERSION  # type: ignore[valid-type]


STATE = {
    200: "the board's participation: state and history per location",
    404: "no such board (or not yours)",
}
CHANGE = {
    **STATE,
    403: "only the board's contact person",
    409: "outdated terms version, or nothing to withdraw",
    422: "bad input (unknown location, bad terms version)",
}


@bp.get("/terms")
@document(
    summary="The current terms per kind (null before the first version)",
    tags=["consent"],
    auth=False,
)
def current_terms() -> Response:
    return jsonify({kind.value: _terms_json(terms.current_version(kind)) for kind in TermsKind})


@bp.get("/boards/<number>/participation")
@document(
    summary="A board's participation: state and history per location",
    tags=["consent"],
    responses=STATE,
)
def participation(number: str) -> Response:
    return jsonify(_state_json(boards.visible_board(signed_in_user(), number)))


@bp.post("/boards/<number>/participation")
@document(
    summary="Grant participation for the whole board or chosen locations",
    tags=["consent"],
    request_model=GrantRequest,
    responses=CHANGE,
)
def grant(number: str) -> Response:
    body = validate(GrantRequest, json_body())
    board = boards.visible_board(signed_in_user(), number)
    participation_rules.grant(
        signed_in_user(), board, schools=body.schools, terms_version=body.terms_version
    )
    return jsonify(_state_json(board))


@bp.delete("/boards/<number>/participation")
@document(summary="Withdraw the whole board, effective at once", tags=["consent"], responses=CHANGE)
def withdraw_board(number: str) -> Response:
    board = boards.visible_board(signed_in_user(), number)
    participation_rules.withdraw_board(signed_in_user(), board)
    return jsonify(_state_json(board))


@bp.delete("/boards/<number>/participation/<code>")
@document(summary="Withdraw one location, effective at once", tags=["consent"], responses=CHANGE)
def withdraw_school(number: str, code: str) -> Response:
    board = boards.visible_board(signed_in_user(), number)
    participation_rules.withdraw_school(signed_in_user(), board, code)
    return jsonify(_state_json(board))


@bp.post("/boards/<number>/staff")
@document(
    summary="Invite a staff member to one of the board's locations (e-mail with a link)",
    tags=["consent"],
    request_model=StaffInvitation,
    responses={
        202: "invited (also when the address has an account: its owner gets a notice)",
        404: "no such board (or not yours)",
        422: "bad input",
    },
)
def invite_staff(number: str) -> tuple[Response, int]:
    body = validate(StaffInvitation, json_body())
    board = boards.visible_board(signed_in_user(), number)
    invitation = staff.invite_staff(
        signed_in_user(), board, email=body.email, name=body.name, school_code=body.school
    )
    # The same answer for a new address and one that has an account (no enumeration).
    return jsonify(
        {"email": invitation.email, "name": invitation.name, "school": body.school, "invited": True}
    ), 202


@bp.post("/me/agreement")
@document(
    summary="Accept the current confidentiality statement (after reading the briefing)",
    tags=["consent"],
    request_model=AgreementRequest,
    responses={
        201: "accepted",
        200: "this version was accepted before",
        409: "outdated version",
        422: "no such version",
    },
)
def accept_agreement() -> tuple[Response, int]:
    body = validate(AgreementRequest, json_body())
    agreement, created = agreements.accept_statement(signed_in_user(), body.terms_version)
    return jsonify(
        {
            "terms_version": agreement.terms_version.version,
            "accepted_at": iso(agreement.accepted_at),
        }
    ), 201 if created else 200


def _terms_json(version: Any) -> dict[str, Any] | None:
    if version is None:
        return None
    return {
        "version": version.version,
        "text": version.text,
        "requires_reacceptance": version.requires_reacceptance,
        "published_at": iso(version.published_at),
    }


def _state_json(board: Board) -> dict[str, Any]:
    """Current state per location; each location's history holds its own and the board-wide
    changes, oldest first."""
    state = register.board_state(board)
    changes = register.history(board)
    as_json = {change.id: change_json(change) for change in changes}
    return {
        "board": {"number": board.number, "name": board.name},
        "terms_version": state.current_terms.version if state.current_terms else None,
        "board_wide": {
            "granted": state.board_wide,
            "terms_version": state.board_terms_version,
            "outdated": state.board_grant_outdated,
            "history": [as_json[c.id] for c in changes if c.school_id is None],
        },
        "schools": [
            {
                "code": item.school.code,
                "name": item.school.name,
                "active": item.school.active,
                "participating": item.participating,
                "status": item.status.value,
                "scope": item.scope,
                "terms_version": item.terms_version,
                "history": [
                    as_json[c.id] for c in changes if c.school_id in (None, item.school.id)
                ],
            }
            for item in state.schools
        ],
    }


def change_json(change: ParticipationChange) -> dict[str, object]:
    return {
        "action": change.action.value,
        "scope": "location" if change.school_id else "board",
        "school": change.school.code if change.school else None,
        "terms_version": change.terms_version.version if change.terms_version else None,
        "occurred_at": iso(change.occurred_at),
        "actor_id": change.actor_id,
    }
