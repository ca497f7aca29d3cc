"""The evaluation of the programme, per year and per police unit (for the programme lead).

Counts and durations only, never a person or a case: per year of approval and per police unit
whose schools an alert reached — the alerts, the schools and staff reached, the median time to
the first view, the answers and recognitions, the schools that confirmed (their share of the
schools reached: the coverage by the end), the median time to identification, and how many
purges were verified. An alert that reached schools of two units counts in both; the national
row counts it once.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, distinct, func, select

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import EVALUATION_READERS, require_role
from schoolalert.alerts.models import (
    Alert,
    AlertRecipient,
    AlertView,
    CloseReason,
    PurgeRecord,
    Response,
    ResponseKind,
    SchoolConfirmation,
)
from schoolalert.extensions import db
from schoolalert.notifications.models import Notification, NotificationKind
from schoolalert.schools.models import School

NATIONAL = ""  # the unit code of the national row

COLUMNS = (
    "year",
    "police_unit",
    "alerts",
    "schools_reached",
    "staff_reached",
    "median_hours_to_first_view",
    "answers",
    "recognitions",
    "schools_confirmed",
    "percent_confirmed",
    "identified",
    "median_hours_to_identification",
    "purges_verified",
)


@dataclass
class EvaluationRow:
    year: int
    unit: str  # police unit code, NATIONAL for the whole country
    alerts: int = 0
    schools_reached: int = 0
    staff_reached: int = 0
    answers: int = 0
    recognitions: int = 0
    schools_confirmed: int = 0  # confirmations can only be given while an alert is live
    identified: int = 0
    purges_verified: int = 0
    hours_to_first_view: list[float] = field(default_factory=list)
    hours_to_identification: list[float] = field(default_factory=list)

    @property
    def median_hours_to_first_view(self) -> float | None:
        return _median(self.hours_to_first_view)

    @property
    def percent_confirmed(self) -> float | None:
        """The share of the schools reached that confirmed by the end (coverage), in percent."""
        if not self.schools_reached:
            return None
        return round(100 * self.schools_confirmed / self.schools_reached, 1)

    @property
    def median_hours_to_identification(self) -> float | None:
        return _median(self.hours_to_identification)

    def csv_values(self) -> list[str]:
        values = {
            "year": self.year,
            "police_unit": self.unit or "NL",
            "median_hours_to_first_view": self.median_hours_to_first_view,
            "percent_confirmed": self.percent_confirmed,
            "median_hours_to_identification": self.median_hours_to_identification,
        }
        return [
            "" if (value := values.get(name, getattr(self, name, None))) is None else str(value)
            for name in COLUMNS
        ]


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def evaluation(actor: User) -> list[EvaluationRow]:
    """Every (year, police unit) with a published alert, and a national row per year; newest
    year first, the national row first within a year. Exercise alerts are left out."""
    require_role(actor, *EVALUATION_READERS)
    alerts = {
        row.id: row
        for row in db.session.execute(
            select(Alert.id, Alert.approved_at, Alert.closed_at, Alert.close_reason).where(
                Alert.approved_at.is_not(None),
                Alert.exercise.is_(False),  # never exercises
            )
        )
    }
    if not alerts:
        return []
    unit_of: dict[int, str] = {}
    reached: dict[int, set[int]] = defaultdict(set)  # alert → school ids
    for alert_id, school_id, unit in db.session.execute(
        select(AlertRecipient.alert_id, School.id, School.police_unit_code).join(
            School, School.id == AlertRecipient.school_id
        )
    ):
        unit_of[school_id] = unit
        reached[alert_id].add(school_id)
    staff = _per_alert_school(
        select(Notification.alert_id, User.school_id, func.count())
        .join(User, User.id == Notification.user_id)
        .where(Notification.kind == NotificationKind.PUBLISHED, Notification.sent_at.is_not(None))
        .group_by(Notification.alert_id, User.school_id)
    )
    answers = _per_alert_school(
        select(
            Response.alert_id, Response.school_id, func.count(distinct(Response.user_id))
        ).group_by(Response.alert_id, Response.school_id)
    )
    recognitions = _per_alert_school(
        select(Response.alert_id, Response.school_id, func.count())
        .where(Response.kind == ResponseKind.RECOGNISED)
        .group_by(Response.alert_id, Response.school_id)
    )
    confirmed = {
        (row.alert_id, row.school_id)
        for row in db.session.execute(
            select(SchoolConfirmation.alert_id, SchoolConfirmation.school_id)
        )
    }
    first_view = {
        (alert_id, school_id): moment
        for alert_id, school_id, moment in db.session.execute(
            select(AlertView.alert_id, AlertView.school_id, func.min(AlertView.viewed_at))
            .where(AlertView.school_id.is_not(None))
            .group_by(AlertView.alert_id, AlertView.school_id)
        )
    }
    verified = set(db.session.scalars(select(PurgeRecord.alert_id).where(PurgeRecord.verified)))

    rows: dict[tuple[int, str], EvaluationRow] = {}
    for alert_id, alert in alerts.items():
        year = alert.approved_at.year
        units: dict[str, set[int]] = defaultdict(set)
        for school_id in reached[alert_id]:
            units[unit_of[school_id]].add(school_id)
        units[NATIONAL] = set(reached[alert_id])
        for unit, schools in units.items():
            row = rows.setdefault((year, unit), EvaluationRow(year, unit))
            row.alerts += 1
            row.schools_reached += len(schools)
            row.staff_reached += sum(staff.get((alert_id, school), 0) for school in schools)
            row.answers += sum(answers.get((alert_id, school), 0) for school in schools)
            row.recognitions += sum(recognitions.get((alert_id, school), 0) for school in schools)
            row.schools_confirmed += sum((alert_id, school) in confirmed for school in schools)
            views = [first_view[(alert_id, s)] for s in schools if (alert_id, s) in first_view]
            if views:
                row.hours_to_first_view.append(_hours(alert.approved_at, min(views)))
            if alert.close_reason == CloseReason.IDENTIFIED and alert.closed_at is not None:
                row.identified += 1
                row.hours_to_identification.append(_hours(alert.approved_at, alert.closed_at))
            row.purges_verified += alert_id in verified
    return sorted(rows.values(), key=lambda row: (-row.year, row.unit != NATIONAL, row.unit))


def _per_alert_school(query: Select[Any]) -> dict[tuple[int, int], int]:
    return {
        (alert_id, school_id): int(count)
        for alert_id, school_id, count in db.session.execute(query)
    }
