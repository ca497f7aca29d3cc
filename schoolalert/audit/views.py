"""The audit trail page for administrators and prosecutors.

The date filters are calendar days in local time (the time zone the table shows), both days
included; the JSON API takes exact ISO timestamps instead.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request
from flask_babel import get_timezone
from flask_babel import gettext as _

from schoolalert.accounts.auth import signed_in_user
from schoolalert.accounts.forms import ROLE_LABELS
from schoolalert.audit import services as audit
from schoolalert.audit.labels import AUDIT_LABELS
from schoolalert.web.input import MAX_ID, BadQueryNumber, page_number, query_integer

bp = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")


class BadFilter(ValueError):
    pass


@bp.get("")
def trail() -> tuple[str, int]:
    viewer = signed_in_user()
    page = page_number(request.args.get("page"))
    try:
        filters, error = _filters(request.args), None
    except BadFilter as problem:
        filters, error = audit.AuditFilter(), str(problem)
    entries, total = audit.search(viewer, filters, page)
    pages = max(1, -(-total // audit.PAGE_SIZE))
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "audit/trail.html",
        entries=entries,
        names=audit.actor_names(viewer, entries),
        actions=sorted(AUDIT_LABELS.items(), key=lambda item: str(item[1])),
        total=total,
        page=page,
        pages=pages,
        args=args,
        filter_error=error,
        role_labels=ROLE_LABELS,
    ), (422 if error else 200)


def _filters(args: dict[str, str]) -> audit.AuditFilter:
    since, until = _day(args, "since"), _day(args, "until")
    return audit.AuditFilter(
        alert_id=_number(args, "alert"),
        actor_id=_number(args, "actor"),
        action=(args.get("action") or "").strip()[:60] or None,
        since=_local_midnight(since) if since else None,
        until=_local_midnight(until + timedelta(days=1)) if until else None,
    )


def _number(args: dict[str, str], name: str) -> int | None:
    try:
        return query_integer(args.get(name), name, MAX_ID)
    except BadQueryNumber:
        raise BadFilter(_("Give a whole number for the alert or the user.")) from None


def _day(args: dict[str, str], name: str) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadFilter(_("Give a date as year-month-day, for example 2026-01-31.")) from None


def _local_midnight(day: date) -> datetime:
    """The start of ``day`` in the local time zone, as an aware moment."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(str(get_timezone())))
