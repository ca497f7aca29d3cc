"""``/api/v1``: terms, a board's participation, inviting staff, staff accepting the statement."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from schoolalert.accounts.auth import signed_in_user
from schoolalert.api import document, iso, json_body
from schoolalert.consent import agreements, boards, register, staff, terms
from schoolalert.consent import participation as participation_rules
from schoolalert.consent.models import ParticipationChange, TermsKind
from schoolalert.schools.models import Board

bp = Blueprint("consent", __name__)

GRANT_REQUEST = {
    "type": "object",
    "required": ["schools", "terms_version"],
    "properties": {
        "schools": {
            "oneOf": [
                {"type": "string", "enum": ["all"]},
                {"type": "array", "items": {"type": "string"}, "minItems": 1},
            ],
            "description": '"all" (the whole board, also future locations) or location codes',
        },
        "terms_version": {
            "type": "integer",
            "description": "the current participation terms version",
        },
    },
}
STAFF_REQUEST = {
    "type": "object",
    "required": ["email", "name", "school"],
    "properties": {
        "email": {"type": "string", "format": "email"},
        "name": {"type": "string"},
        "school": {"type": "string", "description": "location code (VESTIGINGSCODE)"},
    },
}
AGREEMENT_REQUEST = {
    "type": "object",
    "required": ["terms_version"],
    "properties": {"terms_version": {"type": "integer"}},
}
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
    request_body=GRANT_REQUEST,
    responses=CHANGE,
)
def grant(number: str) -> Response:
    body = json_body()
    board = boards.visible_board(signed_in_user(), number)
    participation_rules.grant(
        signed_in_user(),
        board,
        schools=body.get("schools"),
        terms_version=body.get("terms_version"),
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
    request_body=STAFF_REQUEST,
    responses={
        202: "invited (also when the address has an account: its owner gets a notice)",
        404: "no such board (or not yours)",
        422: "bad input",
    },
)
def invite_staff(number: str) -> tuple[Response, int]:
    body = json_body()
    board = boards.visible_board(signed_in_user(), number)
    school = str(body.get("school") or "").strip().upper()
    invitation = staff.invite_staff(
        signed_in_user(),
        board,
        email=str(body.get("email") or ""),
        name=str(body.get("name") or ""),
        school_code=school,
    )
    # The same answer for a new address and one that has an account (no enumeration).
    return jsonify(
        {"email": invitation.email, "name": invitation.name, "school": school, "invited": True}
    ), 202


@bp.post("/me/agreement")
@document(
    summary="Accept the current confidentiality statement (after reading the briefing)",
    tags=["consent"],
    request_body=AGREEMENT_REQUEST,
    responses={
        201: "accepted",
        200: "this version was accepted before",
        409: "outdated version",
        422: "no such version",
    },
)
def accept_agreement() -> tuple[Response, int]:
    agreement, created = agreements.accept_statement(
        signed_in_user(), json_body().get("terms_version")
    )
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
