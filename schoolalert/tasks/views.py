"""The administrator's delivery page: the outbox backlog and the last error."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from schoolalert.extensions import db
from schoolalert.tasks.execution import describe
from schoolalert.tasks.models import UNFINISHED, OutboxMessage, OutboxStatus
from schoolalert.tasks.sweeper import backlog

bp = Blueprint("delivery_admin", __name__, url_prefix="/admin", template_folder="templates")

SHOWN = 50


@bp.get("/delivery")
def delivery() -> str:
    messages = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status.in_([*UNFINISHED, OutboxStatus.FAILED]))
        .order_by(OutboxMessage.id)
        .limit(SHOWN)
    ).all()
    return render_template(
        "tasks/delivery.html",
        state=backlog(),
        messages=[(message, describe(message)) for message in messages],
        shown=SHOWN,
    )
