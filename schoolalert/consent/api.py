"""``/api/v1``: terms, a board's participation, inviting staff, staff accepting the statement."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import Blueprint
from pydantic import Field
from werkzeug.wrappers import Response

from schoolalert.accounts.auth import signed_in_user
from schoolalert.api import answer, document, iso, json_body
from schoolalert.consent import agreements, boards, exercises, register, staff, terms
from schoolalert.consent import participation as participation_rules
from schoolalert.consent.models import ExerciseChange, ParticipationChange, TermsKind
from schoolalert.schools.models import SCHOOL_CODE_PATTERN, Board
from schoolalert.validation import (
    RequestModel,
    ResponseModel,
    code,
    text,
    validate,
    whole_number,
)

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


class ExerciseRequest(RequestModel):
    schools: (
        Literal["all"]
        | Annotated[
            list[SCHOOL_CODE],  # type: ignore[valid-type]
            Field(min_length=1, max_length=participation_rules.MAX_SCHOOLS_PER_GRANT),
        ]
    ) = Field(description='"all" (every active location the board has now) or location codes')


class StaffInvitation(RequestModel):
    email: text(320)  # type: ignore[valid-type]
    name: text(200)  # type: ignore[valid-type]
    school: SCHOOL_CODE  # type: ignore[valid-type]


class AgreementRequest(RequestModel):
    terms_version: TERMS_VERSION  # type: ignore[valid-type]


class TermsText(ResponseModel):
    version: int
    text: str
    requires_reacceptance: bool
    published_at: str


class CurrentTerms(ResponseModel):
    participation: TermsText | None
    confidentiality: TermsText | None


class ConsentChange(ResponseModel):
    action: str
    scope: Literal["location", "board"]
    school: str | None
    terms_version: int | None
    occurred_at: str
    actor_id: int | None


class BoardName(ResponseModel):
    number: str
    name: str


class BoardWide(ResponseModel):
    granted: bool
    terms_version: int | None
    outdated: bool
    history: list[ConsentChange]


class LocationParticipation(ResponseModel):
    code: str
    name: str
    active: bool
    participating: bool
    status: str
    scope: str | None
    terms_version: int | None
    history: list[ConsentChange]


class BoardParticipationState(ResponseModel):
    board: BoardName
    terms_version: int | None
    board_wide: BoardWide
    schools: list[LocationParticipation]


class ExerciseHistoryEntry(ResponseModel):
    action: Literal["grant", "withdraw"]
    occurred_at: str
    actor_id: int | None


class LocationExercises(ResponseModel):
    code: str
    name: str
    active: bool
    exercises: bool = Field(description="opted in to exercise alerts")
    history: list[ExerciseHistoryEntry]


class BoardExerciseState(ResponseModel):
    board: BoardName
    schools: list[LocationExercises]


class Invited(ResponseModel):
    email: str
    name: str
    school: str
    invited: bool


class Agreement(ResponseModel):
    terms_version: int
    accepted_at: str


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
    response_model=CurrentTerms,
)
def current_terms() -> tuple[Response, int]:
    current = {kind.value: _terms_json(terms.current_version(kind)) for kind in TermsKind}
    return answer(CurrentTerms, current)


@bp.get("/boards/<number>/participation")
@document(
    summary="A board's participation: state and history per location",
    tags=["consent"],
    responses=STATE,
    response_model=BoardParticipationState,
)
def participation(number: str) -> tuple[Response, int]:
    return answer(
        BoardParticipationState, _state_json(boards.visible_board(signed_in_user(), number))
    )


@bp.post("/boards/<number>/participation")
@document(
    summary="Grant participation for the whole board or chosen locations",
    tags=["consent"],
    request_model=GrantRequest,
    responses=CHANGE,
    response_model=BoardParticipationState,
)
def grant(number: str) -> tuple[Response, int]:
    body = validate(GrantRequest, json_body())
    board = boards.visible_board(signed_in_user(), number)
    participation_rules.grant(
        signed_in_user(), board, schools=body.schools, terms_version=body.terms_version
    )
    return answer(BoardParticipationState, _state_json(board))


@bp.delete("/boards/<number>/participation")
@document(
    summary="Withdraw the whole board, effective at once",
    tags=["consent"],
    responses=CHANGE,
    response_model=BoardParticipationState,
)
def withdraw_board(number: str) -> tuple[Response, int]:
    board = boards.visible_board(signed_in_user(), number)
    participation_rules.withdraw_board(signed_in_user(), board)
    return answer(BoardParticipationState, _state_json(board))


@bp.delete("/boards/<number>/participation/<code>")
@document(
    summary="Withdraw one location, effective at once",
    tags=["consent"],
    responses=CHANGE,
    response_model=BoardParticipationState,
)
def withdraw_school(number: str, code: str) -> tuple[Response, int]:
    board = boards.visible_board(signed_in_user(), number)
    participation_rules.withdraw_school(signed_in_user(), board, code)
    return answer(BoardParticipationState, _state_json(board))


EXERCISE_CHANGE = {
    200: "the board's exercise opt-ins: state and history per location",
    403: "only the board's contact person",
    404: "no such board or location (or not yours)",
    409: "the location was not opted in",
    422: "bad input (unknown or inactive location)",
}


@bp.get("/boards/<number>/exercises")
@document(
    summary="A board's opt-ins to exercise alerts: state and history per location",
    tags=["consent"],
    responses={200: EXERCISE_CHANGE[200], 404: EXERCISE_CHANGE[404]},
    response_model=BoardExerciseState,
)
def exercise_state(number: str) -> tuple[Response, int]:
    board = boards.visible_board(signed_in_user(), number)
    return answer(BoardExerciseState, exercises_json(board))


@bp.post("/boards/<number>/exercises")
@document(
    summary="Opt the whole board or chosen locations in to exercise alerts",
    tags=["consent"],
    request_model=ExerciseRequest,
    responses=EXERCISE_CHANGE,
    response_model=BoardExerciseState,
)
def opt_in_exercises(number: str) -> tuple[Response, int]:
    body = validate(ExerciseRequest, json_body())
    board = boards.visible_board(signed_in_user(), number)
    exercises.opt_in(signed_in_user(), board, schools=body.schools)
    return answer(BoardExerciseState, exercises_json(board))


@bp.delete("/boards/<number>/exercises/<code>")
@document(
    summary="Take one location out of exercise alerts, effective at once",
    tags=["consent"],
    responses=EXERCISE_CHANGE,
    response_model=BoardExerciseState,
)
def opt_out_exercises(number: str, code: str) -> tuple[Response, int]:
    board = boards.visible_board(signed_in_user(), number)
    exercises.opt_out(signed_in_user(), board, code)
    return answer(BoardExerciseState, exercises_json(board))


@bp.post("/boards/<number>/staff")
@document(
    summary="Invite a staff member to one of the board's locations (e-mail with a link)",
    tags=["consent"],
    request_model=StaffInvitation,
    response_model=Invited,
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
    return answer(
        Invited,
        {
            "email": invitation.email,
            "name": invitation.name,
            "school": body.school,
            "invited": True,
        },
        202,
    )


@bp.post("/me/agreement")
@document(
    summary="Accept the current confidentiality statement (after reading the briefing)",
    tags=["consent"],
    request_model=AgreementRequest,
    response_model=Agreement,
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
    accepted = {
        "terms_version": agreement.terms_version.version,
        "accepted_at": iso(agreement.accepted_at),
    }
    return answer(Agreement, accepted, 201 if created else 200)


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


def exercises_json(board: Board) -> dict[str, Any]:
    return {
        "board": {"number": board.number, "name": board.name},
        "schools": [
            {
                "code": item.school.code,
                "name": item.school.name,
                "active": item.school.active,
                "exercises": item.opted_in,
                "history": [exercise_change_json(change) for change in item.history],
            }
            for item in exercises.board_state(board)
        ],
    }


def exercise_change_json(change: ExerciseChange) -> dict[str, object]:
    return {
        "action": change.action.value,
        "occurred_at": iso(change.occurred_at),
        "actor_id": change.actor_id,
    }
