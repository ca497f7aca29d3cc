"""Staff answers: "I recognise this child" (with an optional, encrypted tip) or "I don't".

A recognition reaches the investigator at once: a notification (an e-mail that says only that
there is one) and the alert's dashboard item. A correction never erases an answer: every answer
is kept as a revision with its tip and time, and withdrawing a recognition tells the investigator
too. Tips are sealed with the alert's response key and crypto-shredded when the retention period
after closing ends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role, require_role
from schoolalert.alerts import keys
from schoolalert.alerts.access import staff_alert
from schoolalert.alerts.keys import AlertCipher
from schoolalert.alerts.models import Response, ResponseKind, ResponseRevision
from schoolalert.alerts.police import police_alert
from schoolalert.audit import services as audit
from schoolalert.crypto.aead import tip_aad
from schoolalert.database import utcnow
from schoolalert.errors import InvalidInput
from schoolalert.events import ResponseReceived
from schoolalert.extensions import db
from schoolalert.notifications.models import NotificationKind
from schoolalert.notifications.services import notify
from schoolalert.schools.models import School
from schoolalert.validation import RequestModel, text

TIP_FIELDS = {"message": 2000, "child_name": 200, "class_name": 100, "phone": 40}


class ResponseInput(RequestModel):
    """``POST /api/v1/me/alerts/{id}/response``: the answer, and a tip with a recognition."""

    kind: Literal["recognised", "not_recognised"]
    message: text(TIP_FIELDS["message"], required=False) = ""  # type: ignore[valid-type]
    child_name: text(TIP_FIELDS["child_name"], required=False) = ""  # type: ignore[valid-type]
    class_name: text(TIP_FIELDS["class_name"], required=False) = ""  # type: ignore[valid-type]
    phone: text(TIP_FIELDS["phone"], required=False) = ""  # type: ignore[valid-type]

    def tip(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in TIP_FIELDS}


@dataclass(frozen=True)
class RevisionView:
    """One answer as it was given."""

    kind: ResponseKind
    at: datetime
    tip: dict[str, str] | None  # None after the retention purge


@dataclass(frozen=True)
class ResponseView:
    """A response as the investigator reads it."""

    id: int
    kind: ResponseKind
    school_code: str
    school_name: str
    responder_code: str
    created_at: datetime
    updated_at: datetime
    tip: dict[str, str] | None  # None after the retention purge
    purged: bool
    history: list[RevisionView]  # every answer, oldest first; the last is the current one

    @property
    def changed(self) -> bool:
        return len({revision.kind for revision in self.history}) > 1


def withdraws_recognition(user: User, alert_id: int, kind: str) -> bool:
    """Whether this answer would turn the user's "I recognise this child" into "I do not" (the
    web asks for confirmation first)."""
    current = own_response(user, alert_id)
    return (
        current is not None
        and current.kind == ResponseKind.RECOGNISED
        and kind == ResponseKind.NOT_RECOGNISED
    )


def respond(user: User, alert_id: int, kind: str, tip: dict[str, Any] | None = None) -> Response:
    """Record or correct the user's answer to a live alert of their school; the earlier answers
    stay as revisions."""
    alert = staff_alert(user, alert_id)
    if kind not in {member.value for member in ResponseKind}:
        raise InvalidInput(str(_l("Answer recognised or not_recognised.")), field="kind")
    cleaned = _clean_tip(tip or {}) if kind == ResponseKind.RECOGNISED else {}
    response = db.session.scalar(
        select(Response).where(Response.alert_id == alert.id, Response.user_id == user.id)
    )
    corrected = response is not None
    previous = response.kind if response else None
    if response is None:
        assert user.school_id is not None
        response = Response(
            alert_id=alert.id, user_id=user.id, school_id=user.school_id, kind=ResponseKind(kind)
        )
        db.session.add(response)
        db.session.flush()
    response.kind = ResponseKind(kind)
    response.updated_at = utcnow()
    response.tip_sealed = _seal(alert.id, response.id, cleaned) if cleaned else None
    revision = ResponseRevision(
        response_id=response.id,
        alert_id=alert.id,
        kind=response.kind,
        tip_sealed=response.tip_sealed,
        created_at=response.updated_at,
    )
    db.session.add(revision)
    db.session.flush()
    audit.record(
        "response.recorded",
        actor=user,
        object_type="response",
        object_id=response.id,
        alert_id=alert.id,
        details={"kind": kind, "corrected": corrected, "revision": revision.id},
    )
    if response.kind == ResponseKind.RECOGNISED and previous != ResponseKind.RECOGNISED:
        notify(
            NotificationKind.RECOGNITION, alert.id, [alert.created_by_id], extra=str(revision.id)
        )
    elif previous == ResponseKind.RECOGNISED and response.kind != ResponseKind.RECOGNISED:
        notify(
            NotificationKind.ANSWER_CHANGED, alert.id, [alert.created_by_id], extra=str(revision.id)
        )
    current_app.extensions["schoolalert.plugins"].track_event(
        ResponseReceived(
            alert_id=alert.id,
            response_id=response.id,
            school_id=response.school_id,
            kind=kind,
            actor_id=user.id,
        )
    )
    return response


def own_response(user: User, alert_id: int) -> Response | None:
    return db.session.scalar(
        select(Response).where(Response.alert_id == alert_id, Response.user_id == user.id)
    )


def own_answers(user: User, alert_ids: list[int]) -> dict[int, ResponseKind]:
    """The user's current answer per alert, for the portal list."""
    if not alert_ids:
        return {}
    rows = db.session.execute(
        select(Response.alert_id, Response.kind).where(
            Response.user_id == user.id, Response.alert_id.in_(alert_ids)
        )
    )
    return dict(rows.all())


def responses_for_investigator(actor: User, alert_id: int) -> list[ResponseView]:
    """The responses with their tips (a consultation of special data: audited)."""
    require_role(actor, Role.INVESTIGATOR)
    alert = police_alert(actor, alert_id)
    key = keys.response_cipher(alert.id)
    rows = db.session.execute(
        select(Response, School.code, School.name)
        .join(School, School.id == Response.school_id)
        .where(Response.alert_id == alert.id)
        .order_by(Response.kind, Response.updated_at.desc())
    ).all()
    audit.record(
        "responses.read",
        actor=actor,
        object_type="alert",
        object_id=alert.id,
        alert_id=alert.id,
        details={"count": len(rows)},
    )
    history: dict[int, list[RevisionView]] = {}
    for revision in db.session.scalars(
        select(ResponseRevision)
        .where(ResponseRevision.alert_id == alert.id)
        .order_by(ResponseRevision.created_at, ResponseRevision.id)
    ):
        history.setdefault(revision.response_id, []).append(
            RevisionView(
                kind=revision.kind,
                at=revision.created_at,
                tip=_open(alert.id, revision.response_id, revision.tip_sealed, key),
            )
        )
    return [
        ResponseView(
            id=response.id,
            kind=response.kind,
            school_code=code,
            school_name=name,
            responder_code=f"U{response.user_id:06d}",
            created_at=response.created_at,
            updated_at=response.updated_at,
            tip=_open(alert.id, response.id, response.tip_sealed, key),
            purged=response.purged_at is not None,
            history=history.get(response.id, []),
        )
        for response, code, name in rows
    ]


def _clean_tip(tip: dict[str, Any]) -> dict[str, str]:
    unknown = set(tip) - TIP_FIELDS.keys()
    if unknown:
        raise InvalidInput(
            str(_l("Unknown field: %(name)s.", name=sorted(unknown)[0])), field=sorted(unknown)[0]
        )
    cleaned = {}
    for name, limit in TIP_FIELDS.items():
        value = tip.get(name)
        if value in (None, ""):
            continue
        if not isinstance(value, str) or len(value) > limit:
            raise InvalidInput(
                ngettext("At most %(num)d character.", "At most %(num)d characters.", limit),
                field=name,
            )
        cleaned[name] = value.strip()
    return cleaned


def _seal(alert_id: int, response_id: int, tip: dict[str, str]) -> bytes:
    cipher = keys.response_cipher(alert_id)
    if cipher is None:
        raise InvalidInput(str(_l("Responses to this alert can no longer be stored.")))
    return cipher.encrypt(json.dumps(tip).encode(), tip_aad(alert_id, response_id))


def _open(
    alert_id: int, response_id: int, sealed: bytes | None, cipher: AlertCipher | None
) -> dict[str, str] | None:
    if sealed is None or cipher is None:
        return None if cipher is None else {}
    return json.loads(cipher.decrypt(sealed, tip_aad(alert_id, response_id)))
