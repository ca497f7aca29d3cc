"""What the police see on their start page: alerts, with new recognitions first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import POLICE, Role, require_role
from schoolalert.alerts.models import Alert, AlertStatus, Response, ResponseKind
from schoolalert.extensions import db


def police_alerts(actor: User) -> list[Alert]:
    """Investigators: every alert. Prosecutors: every alert that is not a draft."""
    require_role(actor, *POLICE)
    query = select(Alert).order_by(Alert.id.desc())
    if actor.role == Role.PROSECUTOR:
        query = query.where(Alert.status != AlertStatus.DRAFT)
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class DashboardRow:
    alert: Alert
    recognised: int
    responses: int


def dashboard(actor: User) -> list[DashboardRow]:
    """Alerts with their response counts; alerts with recognitions come first."""
    alerts = police_alerts(actor)
    counts = dict.fromkeys((alert.id for alert in alerts), (0, 0))
    rows = db.session.execute(
        select(
            Response.alert_id,
            func.count(),
            func.sum((Response.kind == ResponseKind.RECOGNISED).cast(db.Integer)),
        )
        .where(Response.alert_id.in_(counts))
        .group_by(Response.alert_id)
    )
    for alert_id, total, recognised in rows:
        counts[alert_id] = (int(recognised or 0), int(total))
    result = [DashboardRow(alert, *counts[alert.id]) for alert in alerts]
    return sorted(
        result,
        key=lambda row: (
            row.alert.status != AlertStatus.PUBLISHED or row.recognised == 0,
            -row.alert.id,
        ),
    )
