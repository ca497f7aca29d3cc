"""A school's confirmation for a live alert (the nil return): "we looked and nobody recognises
the child" or "someone recognised the child (see our answer)".

Once per school: the first staff member who confirms does so for the school, with their name;
any later confirmation from the same school — also one that raced it — is a Conflict. Only
staff who may see the alert (:func:`schoolalert.alerts.access.staff_alert`) can confirm.

A confirmation must match the school's answers when it is given: "nobody recognises" is refused
while a staff member of the school has answered "I recognise this child", and "someone
recognised" is refused while nobody of the school has. An answer given *after* the confirmation
is always accepted (a tip is never lost); the coverage then shows the school as conflicting
(:attr:`schoolalert.alerts.coverage.SchoolCoverage.conflict`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from schoolalert.accounts.models import User
from schoolalert.alerts.access import staff_alert
from schoolalert.alerts.models import (
    ConfirmationOutcome,
    Response,
    ResponseKind,
    SchoolConfirmation,
)
from schoolalert.audit import services as audit
from schoolalert.errors import Conflict, InvalidInput
from schoolalert.extensions import db
from schoolalert.validation import RequestModel


class ConfirmationInput(RequestModel):
    """``POST /api/v1/me/alerts/{id}/school-confirmation``."""

    outcome: Literal["nobody_recognises", "recognised"]


@dataclass(frozen=True)
class ConfirmationView:
    """A school's confirmation as staff and police read it."""

    outcome: ConfirmationOutcome
    by: str  # the name of the staff member who confirmed
    at: datetime


def confirm_for_school(user: User, alert_id: int, outcome: str) -> SchoolConfirmation:
    """Record the user's school's confirmation for a live alert; Conflict when the school
    already confirmed, InvalidInput (on ``outcome``) when it contradicts the school's answers."""
    alert = staff_alert(user, alert_id)
    assert user.school_id is not None
    if school_confirmation(alert.id, user.school_id) is not None:
        raise _already()
    chosen = ConfirmationOutcome(outcome)
    _check_against_answers(alert.id, user.school_id, chosen)
    confirmation = SchoolConfirmation(
        alert_id=alert.id,
        school_id=user.school_id,
        user_id=user.id,
        outcome=chosen,
    )
    try:
        with db.session.begin_nested():
            db.session.add(confirmation)
    except IntegrityError:  # another staff member of the school confirmed a moment earlier
        raise _already() from None
    audit.record(
        "school.confirmed",
        actor=user,
        object_type="school_confirmation",
        object_id=confirmation.id,
        alert_id=alert.id,
        details={"school_id": user.school_id, "outcome": confirmation.outcome.value},
    )
    return confirmation


def recognised_at_school(alert_id: int, school_id: int) -> bool:
    """Whether a staff member of the school has answered "I recognise this child" (and not
    corrected it since)."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Response.alert_id == alert_id,
                    Response.school_id == school_id,
                    Response.kind == ResponseKind.RECOGNISED,
                )
            )
        )
    )


def _check_against_answers(alert_id: int, school_id: int, outcome: ConfirmationOutcome) -> None:
    recognised = recognised_at_school(alert_id, school_id)
    if outcome == ConfirmationOutcome.NOBODY_RECOGNISES and recognised:
        raise InvalidInput(
            str(
                _l(
                    "A staff member of your school has answered that they recognise the child, "
                    "so you cannot confirm that nobody recognises the child. Confirm that someone "
                    "recognised the child, or talk to your colleagues first."
                )
            ),
            field="outcome",
        )
    if outcome == ConfirmationOutcome.RECOGNISED and not recognised:
        raise InvalidInput(
            str(
                _l(
                    'Nobody at your school has answered "I recognise this child". Send that '
                    "answer first (with what you know), then confirm for your school."
                )
            ),
            field="outcome",
        )


def _already() -> Conflict:
    return Conflict(str(_l("Your school has already confirmed this alert.")))


def school_confirmation(alert_id: int, school_id: int) -> ConfirmationView | None:
    return confirmations(alert_id, [school_id]).get(school_id)


def confirmations(alert_id: int, school_ids: Iterable[int]) -> dict[int, ConfirmationView]:
    """The confirmations of these schools for the alert, by school id."""
    ids = list(school_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(SchoolConfirmation, User.name)
        .join(User, User.id == SchoolConfirmation.user_id)
        .where(SchoolConfirmation.alert_id == alert_id, SchoolConfirmation.school_id.in_(ids))
    ).all()
    return {
        row.SchoolConfirmation.school_id: ConfirmationView(
            outcome=row.SchoolConfirmation.outcome,
            by=row.name,
            at=row.SchoolConfirmation.created_at,
        )
        for row in rows
    }
