"""The audit trail page for administrators and prosecutors."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from schoolalert.accounts.auth import signed_in_user
from schoolalert.audit import services as audit
from schoolalert.audit.api import filters_from
from schoolalert.web.input import page_number

bp = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")


@bp.get("")
def trail() -> str:
    page = page_number(request.args.get("page"))
    entries, total = audit.search(signed_in_user(), filters_from(request.args), page)
    return render_template(
        "audit/trail.html",
        entries=entries,
        total=total,
        page=page,
        pages=max(1, -(-total // audit.PAGE_SIZE)),
        args=request.args,
    )
