"""Distribution per school: who could see an alert, was told, looked and answered.

For the investigator and the prosecutor (the page of an alert, and later the API). Counts are
of people, not of image loads: a teacher who opens three images twice is one viewer. Before
publication the schools are those the targeting reaches now, with the staff who would be told;
once published they are the frozen recipients. No names of staff, only counts per school —
except the name of whoever confirmed for the school (:mod:`schoolalert.alerts.confirmation`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, distinct, func, select

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import POLICE, Role, require_role
from schoolalert.alerts.confirmation import ConfirmationView, confirmations
from schoolalert.alerts.models import (
    AlertRecipient,
    AlertStatus,
    AlertView,
    ConfirmationOutcome,
    Response,
    ResponseKind,
)
from schoolalert.alerts.police import police_alert
from schoolalert.alerts.targeting import parse_targeting, resolve_school_ids
from schoolalert.consent.eligibility import eligible_staff_clause
from schoolalert.errors import InvalidInput
from schoolalert.extensions import db
from schoolalert.notifications.models import Notification, NotificationKind
from schoolalert.schools.models import School


@dataclass(frozen=True)
class SchoolCoverage:
    school_id: int
    code: str
    name: str
    city: str
    staff_accounts: int  # active staff accounts at the school
    eligible: int  # of them, who may see alerts now (second factor, statement, participation)
    notified: int  # "new alert" mails that went out
    viewers: int  # people who opened at least one image
    answered: int  # people who answered
    last_activity: datetime | None  # latest view or answer
    confirmation: ConfirmationView | None  # the school's nil return or recognition
    recognised: int = 0  # people whose answer is "I recognise this child"

    @property
    def unreachable(self) -> bool:
        """Nobody at this school can see the alert."""
        return self.eligible == 0

    @property
    def conflict(self) -> bool:
        """The school's confirmation no longer matches its answers: it confirmed "nobody
        recognises" and someone answered "recognised" afterwards, or it confirmed "someone
        recognised" and that answer was corrected since. The police should look into it."""
        if self.confirmation is None:
            return False
        if self.confirmation.outcome == ConfirmationOutcome.NOBODY_RECOGNISES:
            return self.recognised > 0
        return self.recognised == 0


@dataclass(frozen=True)
class Coverage:
    schools: list[SchoolCoverage]
    frozen: bool  # the recipients were fixed at approval

    @property
    def unreachable(self) -> list[SchoolCoverage]:
        return [school for school in self.schools if school.unreachable]

    def total(self, name: str) -> int:
        return sum(getattr(school, name) for school in self.schools)

    @property
    def confirmed(self) -> int:
        return sum(1 for school in self.schools if school.confirmation is not None)

    @property
    def conflicting(self) -> list[SchoolCoverage]:
        return [school for school in self.schools if school.conflict]


def alert_coverage(actor: User, alert_id: int) -> Coverage:
    """The distribution of an alert the actor (investigator or prosecutor) may see.

    Unreachable schools come first, then by name. A targeting that no longer parses reaches
    no school (the page says why through the preview)."""
    require_role(actor, *POLICE)
    alert = police_alert(actor, alert_id)
    frozen = alert.status in (AlertStatus.PUBLISHED, AlertStatus.CLOSED)
    if frozen:
        school_ids = list(
            db.session.scalars(
                select(AlertRecipient.school_id).where(AlertRecipient.alert_id == alert.id)
            )
        )
    else:
        try:
            school_ids = list(
                resolve_school_ids(parse_targeting(alert.targeting), exercise=alert.exercise)
            )
        except InvalidInput:  # shown on the page by the preview
            school_ids = []
    return Coverage(_per_school(alert.id, school_ids), frozen)


def _grouped(query: Select[Any]) -> dict[int, int]:
    return {school: int(count) for school, count in db.session.execute(query)}


def _per_school(alert_id: int, school_ids: list[int]) -> list[SchoolCoverage]:
    if not school_ids:
        return []
    schools = db.session.execute(
        select(School.id, School.code, School.name, School.city).where(School.id.in_(school_ids))
    ).all()
    staff = User.role == Role.SCHOOL_STAFF
    accounts = _grouped(
        select(User.school_id, func.count())
        .where(staff, User.active.is_(True), User.school_id.in_(school_ids))
        .group_by(User.school_id)
    )
    eligible = _grouped(
        select(User.school_id, func.count())
        .where(eligible_staff_clause(), User.school_id.in_(school_ids))
        .group_by(User.school_id)
    )
    notified = _grouped(
        select(User.school_id, func.count())
        .join(Notification, Notification.user_id == User.id)
        .where(
            Notification.alert_id == alert_id,
            Notification.kind == NotificationKind.PUBLISHED,
            Notification.sent_at.is_not(None),
            User.school_id.in_(school_ids),
        )
        .group_by(User.school_id)
    )
    viewers = _grouped(
        select(AlertView.school_id, func.count(distinct(AlertView.user_id)))
        .where(AlertView.alert_id == alert_id, AlertView.school_id.in_(school_ids))
        .group_by(AlertView.school_id)
    )
    answered = _grouped(
        select(Response.school_id, func.count(distinct(Response.user_id)))
        .where(Response.alert_id == alert_id, Response.school_id.in_(school_ids))
        .group_by(Response.school_id)
    )
    recognised = _grouped(
        select(Response.school_id, func.count(distinct(Response.user_id)))
        .where(
            Response.alert_id == alert_id,
            Response.school_id.in_(school_ids),
            Response.kind == ResponseKind.RECOGNISED,
        )
        .group_by(Response.school_id)
    )
    last_view = dict(
        db.session.execute(
            select(AlertView.school_id, func.max(AlertView.viewed_at))
            .where(AlertView.alert_id == alert_id, AlertView.school_id.in_(school_ids))
            .group_by(AlertView.school_id)
        ).all()
    )
    last_answer = dict(
        db.session.execute(
            select(Response.school_id, func.max(Response.updated_at))
            .where(Response.alert_id == alert_id, Response.school_id.in_(school_ids))
            .group_by(Response.school_id)
        ).all()
    )
    confirmed = confirmations(alert_id, school_ids)
    rows = [
        SchoolCoverage(
            school_id=school.id,
            code=school.code,
            name=school.name,
            city=school.city,
            staff_accounts=accounts.get(school.id, 0),
            eligible=eligible.get(school.id, 0),
            notified=notified.get(school.id, 0),
            viewers=viewers.get(school.id, 0),
            answered=answered.get(school.id, 0),
            last_activity=max(
                (
                    moment
                    for moment in (last_view.get(school.id), last_answer.get(school.id))
                    if moment is not None
                ),
                default=None,
            ),
            confirmation=confirmed.get(school.id),
            recognised=recognised.get(school.id, 0),
        )
        for school in schools
    ]
    return sorted(rows, key=lambda row: (not row.unreachable, row.name, row.code))
