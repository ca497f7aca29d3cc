"""``GET /api/v1/schools``: school locations with their participation (board admins: their own)."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, request
from werkzeug.wrappers import Response

from schoolalert.accounts.auth import signed_in_user
from schoolalert.api import answer, document, unprocessable
from schoolalert.api.openapi import PAGE_QUERY
from schoolalert.schools import registry
from schoolalert.schools.models import (
    MUNICIPALITY_PATTERN,
    POLICE_UNIT_PATTERN,
    PROVINCE_PATTERN,
    Board,
    School,
)
from schoolalert.validation import ResponseModel
from schoolalert.web.input import MAX_PAGE

bp = Blueprint("schools", __name__)

FILTERS = {
    "municipality": MUNICIPALITY_PATTERN,
    "province": PROVINCE_PATTERN,
    "police_unit": POLICE_UNIT_PATTERN,
}


class SchoolLocation(ResponseModel):
    code: str
    name: str
    board: str
    street: str
    house_number: int | None
    postcode: str
    city: str
    municipality: str
    province: str
    police_unit: str
    kind: str
    active: bool
    participating: bool


class SchoolPage(ResponseModel):
    schools: list[SchoolLocation]
    total: int
    page: int
    page_size: int


def _or_empty(pattern: str) -> str:
    """An anchored pattern that also matches the empty string (a filter left empty)."""
    return f"^(?:{pattern.removeprefix('^').removesuffix('$')})?$"


@bp.get("/schools")
@document(
    summary="Active school locations, 100 per page (a board admin sees the board's own)",
    tags=["schools"],
    query={
        "municipality": {
            "type": "string",
            "pattern": _or_empty(MUNICIPALITY_PATTERN),
            "description": "CBS code, GM0363 (empty: any)",
        },
        "province": {
            "type": "string",
            "pattern": _or_empty(PROVINCE_PATTERN),
            "description": "PV20 … PV31 (empty: any)",
        },
        "police_unit": {
            "type": "string",
            "pattern": _or_empty(POLICE_UNIT_PATTERN),
            "description": "RE01 … RE10 (empty: any)",
        },
        "participating": {"type": "boolean"},
        "page": PAGE_QUERY,
    },
    responses={200: "schools, total, page", 422: "a malformed filter (named)"},
    response_model=SchoolPage,
)
def list_schools() -> tuple[Response, int]:
    search = registry.Search(
        municipality=_code("municipality"),
        province=_code("province"),
        police_unit=_code("police_unit"),
        participating=_boolean("participating"),
        active_only=True,
    )
    page = _page()
    rows, total = registry.search(signed_in_user(), search, page)
    return answer(
        SchoolPage,
        {
            "schools": [school_json(school, participating) for school, participating in rows],
            "total": total,
            "page": page,
            "page_size": registry.PAGE_SIZE,
        },
    )


def _code(name: str) -> str | None:
    value = request.args.get(name, "")
    if value == "":
        return None
    if not re.fullmatch(FILTERS[name], value):
        unprocessable(f"{name} is not a valid code ({FILTERS[name]})")
    return value.upper()


def _boolean(name: str) -> bool | None:
    value = (request.args.get(name) or "").strip().lower()
    if not value:
        return None
    if value not in {"true", "false", "1", "0"}:
        unprocessable(f"{name} must be true or false")
    return value in {"true", "1"}


def _page() -> int:
    value = (request.args.get("page") or "1").strip()
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_PAGE:
        unprocessable(f"page must be a whole number from 1 to {MAX_PAGE}")
    return int(value)


def school_json(school: School, participating: bool) -> dict[str, Any]:
    board: Board = school.board
    return {
        "code": school.code,
        "name": school.name,
        "board": board.number,
        "street": school.street,
        "house_number": school.house_number,
        "postcode": school.postcode,
        "city": school.city,
        "municipality": school.municipality_code,
        "province": school.province_code,
        "police_unit": school.police_unit_code,
        "kind": school.kind.value,
        "active": school.active,
        "participating": participating,
    }
