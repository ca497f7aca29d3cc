"""Loading an alert for an investigator or a prosecutor, with the access rules of their roles."""

from __future__ import annotations

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import POLICE, Role
from schoolalert.alerts.models import Alert, AlertStatus
from schoolalert.errors import NotFound
from schoolalert.extensions import db


def police_alert(actor: User, alert_id: int, *, for_update: bool = False) -> Alert:
    """An alert an investigator or prosecutor may see; NotFound otherwise.

    Investigators see every alert (one national team); prosecutors see every alert that is or
    was submitted to them, never a draft (a rejected alert is a draft until submitted again).
    """
    alert = db.session.get(
        Alert, alert_id, with_for_update=for_update, populate_existing=for_update
    )
    if alert is None or actor.role not in POLICE:
        raise NotFound("no such alert")
    if actor.role == Role.PROSECUTOR and alert.status == AlertStatus.DRAFT:
        raise NotFound("no such alert")
    return alert
