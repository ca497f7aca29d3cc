"""Loading alerts with the access rules of the police roles, and the alert settings."""

from __future__ import annotations

from flask import current_app

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role
from schoolalert.alerts.models import Alert, AlertStatus
from schoolalert.errors import NotFound, PermissionDenied
from schoolalert.extensions import db

POLICE_READERS = frozenset({Role.INVESTIGATOR, Role.PROSECUTOR})


def police_alert(actor: User, alert_id: int, *, for_update: bool = False) -> Alert:
    """An alert an investigator or prosecutor may see; NotFound otherwise.

    Investigators see every alert (one national team); prosecutors see every alert that was
    submitted to them, never someone's draft.
    """
    alert = db.session.get(
        Alert, alert_id, with_for_update=for_update, populate_existing=for_update
    )
    if alert is None or actor.role not in POLICE_READERS:
        raise NotFound("no such alert")
    if (
        actor.role == Role.PROSECUTOR
        and alert.status == AlertStatus.DRAFT
        and not alert.submitted_at
    ):
        raise NotFound("no such alert")
    return alert


def require_role(actor: User, *roles: Role) -> None:
    if actor.role not in roles:
        raise PermissionDenied("your role may not do this")


def setting(name: str) -> int:
    return int(current_app.config[name])
