"""``GET /api/v1/schools``: school locations with their participation (board admins: their own)."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from schoolalert.accounts.auth import signed_in_user
from schoolalert.api import document, unprocessable
from schoolalert.schools import registry
from schoolalert.schools.models import Board, School
from schoolalert.web.input import MAX_PAGE

bp = Blueprint("schools", __name__)

FILTERS = {
    "municipality": re.compile(r"^GM\d{4}$"),
    "province": re.compile(r"^PV\d{2}$"),
    "police_unit": re.compile(r"^RE\d{2}$"),
}


@bp.get("/schools")
@document(
    summary="Active school locations, 100 per page (a board admin sees the board's own)",
    tags=["schools"],
    query={
        "municipality": {"type": "string", "description": "CBS code, GM0363"},
        "province": {"type": "string", "description": "PV20 … PV31"},
        "police_unit": {"type": "string", "description": "RE01 … RE10"},
        "participating": {"type": "boolean"},
        "page": {"type": "integer", "minimum": 1},
    },
    responses={200: "schools, total, page", 422: "a malformed filter (named)"},
)
def list_schools() -> Response:
    search = registry.Search(
        municipality=_code("municipality"),
        province=_code("province"),
        police_unit=_code("police_unit"),
        participating=_boolean("participating"),
        active_only=True,
    )
    page = _page()
    rows, total = registry.search(signed_in_user(), search, page)
    return jsonify(
        {
            "schools": [school_json(school, participating) for school, participating in rows],
            "total": total,
            "page": page,
            "page_size": registry.PAGE_SIZE,
        }
    )


def _code(name: str) -> str | None:
    value = (request.args.get(name) or "").strip().upper()
    if not value:
        return None
    if not FILTERS[name].match(value):
        unprocessable(f"{name} is not a valid code ({FILTERS[name].pattern.strip('^$')})")
    return value


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
