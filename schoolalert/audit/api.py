"""``GET /api/v1/audit``: the trail for administrators and prosecutors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, request
from pydantic import Field
from werkzeug.wrappers import Response

from schoolalert.accounts.auth import signed_in_user
from schoolalert.api import answer, document, iso, unprocessable
from schoolalert.api.openapi import ID_QUERY, PAGE_QUERY
from schoolalert.audit import services as audit
from schoolalert.audit.models import AuditEvent
from schoolalert.validation import TEXT_PATTERN, ResponseModel
from schoolalert.web.errors import ApiError
from schoolalert.web.input import MAX_ID, MAX_PAGE, BadQueryNumber, query_integer

bp = Blueprint("audit", __name__)


class AuditEntry(ResponseModel):
    sequence: int
    actor_id: int | None
    actor_role: str | None
    action: str
    object_type: str | None
    object_id: str | None
    alert_id: int | None
    client_address: str | None
    request_id: str | None
    details: dict[str, Any]
    occurred_at: str
    hash: str | None = Field(description="the entry's MAC in the chain")


class AuditPage(ResponseModel):
    entries: list[AuditEntry]
    total: int


@bp.get("/audit")
@document(
    summary="Audit entries, newest first, 100 per page",
    tags=["audit"],
    query={
        "alert": ID_QUERY,
        "actor": ID_QUERY,
        "action": {"type": "string", "maxLength": 60, "pattern": TEXT_PATTERN},
        "since": {"type": "string", "format": "date-time"},
        "until": {"type": "string", "format": "date-time"},
        "page": PAGE_QUERY,
    },
    response_model=AuditPage,
)
def list_audit() -> tuple[Response, int]:
    entries, total = audit.search(signed_in_user(), filters_from(request.args), _page())
    return answer(AuditPage, {"entries": [entry_json(entry) for entry in entries], "total": total})


def filters_from(args: dict[str, str]) -> audit.AuditFilter:
    """Parse filter parameters; a malformed one is a 422 naming it."""
    return audit.AuditFilter(
        alert_id=_integer(args, "alert"),
        actor_id=_integer(args, "actor"),
        action=_action(args),
        since=_timestamp(args, "since"),
        until=_timestamp(args, "until"),
    )


def _page() -> int:
    page = _integer(request.args, "page")
    if page == 0:
        raise ApiError(422, "unprocessable", "pages are numbered from 1", field="page")
    return page or 1


def _integer(args: dict[str, str], name: str) -> int | None:
    try:
        return query_integer(args.get(name), name, MAX_PAGE if name == "page" else MAX_ID)
    except BadQueryNumber as error:
        raise ApiError(422, "unprocessable", error.message, field=name) from None


def _action(args: dict[str, str]) -> str | None:
    action = args.get("action") or ""
    if len(action) > 60:
        raise ApiError(422, "unprocessable", "action is at most 60 characters", field="action")
    return action.strip() or None


def _timestamp(args: dict[str, str], name: str) -> datetime | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        unprocessable(f"{name} must be an ISO 8601 timestamp")
    if moment.tzinfo is None:
        unprocessable(f"{name} needs a time zone (e.g. Z)")
    return moment


def entry_json(entry: AuditEvent) -> dict[str, Any]:
    return {**audit.entry_fields(entry), "occurred_at": iso(entry.occurred_at), "hash": entry.hash}
