"""Support referral: organisations and workers, asking for support, the work queue, reminders,
erasure and evaluation counts. Services flush; the request, command or task commits.

Who sees a referral: the requester (their own, state only), the workers of the organisation it
went to, and administrators. Anyone else — other organisations, other staff, the investigator
(also the one who referred) — gets the same NotFound as for an unknown id.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from plugins.referral.models import (
    STAFF_KINDS,
    Organisation,
    OrganisationKind,
    Referral,
    Source,
    State,
    Urgency,
    Worker,
)
from plugins.referral.settings import CONSENT_VERSION, erase_after, reminder_after
from schoolalert.plugin_api import (
    Conflict,
    InvalidInput,
    NotFound,
    Role,
    School,
    Unresolvable,
    User,
    db,
    mail_address,
    mail_users,
    police_alert,
    received_alert,
    record_audit,
    require_role,
    seal_secret,
    unseal_secret,
    utcnow,
)

PHONE_PURPOSE = "referral.phone"
NOTE_PURPOSE = "referral.note"
POLICE_UNITS = frozenset(f"RE{number:02d}" for number in range(1, 11))
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{7,18}[0-9]$")
#: What the API accepts as a phone number: one like ``_PHONE``, or nothing.
PHONE_INPUT = r"^[ \t]*(?:\+?[0-9][0-9 \-]{7,18}[0-9])?[ \t]*$"
NOTE_LIMIT = 2000

# Steps of the work queue: action → (the state it starts from, the state it leads to).
STEPS = {
    "accept": (State.REQUESTED, State.ACCEPTED),
    "start": (State.ACCEPTED, State.IN_PROGRESS),
    "close": (State.IN_PROGRESS, State.CLOSED),
}
OUTCOMES = ("supported", "referred_on", "no_contact", "declined")

# Lines that are open day and night, shown at once with an urgent request.
CRISIS_LINES = (
    ("112", _l("Emergency: police, ambulance, fire brigade")),
    ("0900-8844", _l("Police (no emergency)")),
    ("0900-0101", _l("Slachtofferhulp Nederland (victim support)")),
    ("0800-0188", _l("Centrum Seksueel Geweld (sexual violence centre)")),
)


def crisis_lines() -> list[dict[str, str]]:
    return [{"number": number, "name": str(name)} for number, name in CRISIS_LINES]


# -- organisations and workers -----------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationInput:
    name: str
    kind: str
    regions: Sequence[str]
    email: str
    phone: str = ""
    address: str = ""
    opening_hours: str = ""
    first_contact_hours: int = 24


def _clean_organisation(data: OrganisationInput) -> dict[str, Any]:
    from email_validator import EmailNotValidError, validate_email

    name = data.name.strip()
    if not name or len(name) > 200:
        raise InvalidInput(str(_l("Enter a name of at most 200 characters.")), field="name")
    if data.kind not in {kind.value for kind in OrganisationKind}:
        raise InvalidInput(
            str(_l("Choose victim_support, school_support or counselling.")), field="kind"
        )
    regions = sorted({code.strip().upper() for code in data.regions if code.strip()})
    if not regions or not set(regions) <= POLICE_UNITS:
        raise InvalidInput(
            str(_l("Name the police units served, RE01 to RE10 (for example RE01,RE05).")),
            field="regions",
        )
    try:
        email = validate_email(data.email.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise InvalidInput(str(_l("Enter a valid e-mail address.")), field="email") from None
    if not 1 <= data.first_contact_hours <= 24 * 14:
        raise InvalidInput(
            str(_l("The first-contact promise is 1 to 336 hours.")), field="first_contact_hours"
        )
    for field, value, limit in (
        ("phone", data.phone, 40),
        ("address", data.address, 300),
        ("opening_hours", data.opening_hours, 200),
    ):
        if len(value.strip()) > limit:
            raise InvalidInput(str(_l("This is too long.")), field=field)
    return {
        "name": name,
        "kind": data.kind,
        "regions": ",".join(regions),
        "email": email,
        "phone": data.phone.strip(),
        "address": data.address.strip(),
        "opening_hours": data.opening_hours.strip(),
        "first_contact_hours": data.first_contact_hours,
    }


def add_organisation(actor: User | None, data: OrganisationInput) -> Organisation:
    """An administrator (or the operator on the command line, ``actor`` None) adds one."""
    if actor is not None:
        require_role(actor, Role.ADMIN)
    organisation = Organisation(**_clean_organisation(data))
    db.session.add(organisation)
    db.session.flush()
    record_audit(
        "referral.organisation_added",
        actor=actor,
        object_type="referral_organisation",
        object_id=organisation.id,
        details={"kind": organisation.kind, "regions": organisation.regions},
    )
    return organisation


def update_organisation(actor: User, organisation_id: int, data: OrganisationInput) -> Organisation:
    require_role(actor, Role.ADMIN)
    organisation = get_organisation(organisation_id)
    for key, value in _clean_organisation(data).items():
        setattr(organisation, key, value)
    db.session.flush()
    record_audit(
        "referral.organisation_changed",
        actor=actor,
        object_type="referral_organisation",
        object_id=organisation.id,
        details={"kind": organisation.kind, "regions": organisation.regions},
    )
    return organisation


def set_organisation_active(actor: User, organisation_id: int, active: bool) -> Organisation:
    require_role(actor, Role.ADMIN)
    organisation = get_organisation(organisation_id)
    organisation.active = active
    db.session.flush()
    record_audit(
        "referral.organisation_activated" if active else "referral.organisation_deactivated",
        actor=actor,
        object_type="referral_organisation",
        object_id=organisation.id,
    )
    return organisation


def get_organisation(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("no such organisation")
    return organisation


def organisations(*, active_only: bool = False) -> list[Organisation]:
    query = select(Organisation).order_by(Organisation.name, Organisation.id)
    if active_only:
        query = query.where(Organisation.active.is_(True))
    return list(db.session.scalars(query))


def add_worker(actor: User | None, organisation_id: int, email: str) -> Worker:
    """Make an existing ``support_worker`` user a worker of the organisation (one at a time)."""
    if actor is not None:
        require_role(actor, Role.ADMIN)
    organisation = get_organisation(organisation_id)
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or user.role != Role.SUPPORT_WORKER:
        raise InvalidInput(
            str(_l("There is no support worker with this e-mail address.")), field="email"
        )
    worker = db.session.get(Worker, user.id)
    if worker is None:
        worker = Worker(user_id=user.id, organisation_id=organisation.id)
        db.session.add(worker)
    else:
        worker.organisation_id = organisation.id
    db.session.flush()
    record_audit(
        "referral.worker_added",
        actor=actor,
        object_type="user",
        object_id=user.id,
        details={"organisation_id": organisation.id},
    )
    return worker


def remove_worker(actor: User, user_id: int) -> None:
    require_role(actor, Role.ADMIN)
    worker = db.session.get(Worker, user_id)
    if worker is None:
        raise NotFound("no such worker")
    organisation_id = worker.organisation_id
    db.session.delete(worker)
    db.session.flush()
    record_audit(
        "referral.worker_removed",
        actor=actor,
        object_type="user",
        object_id=user_id,
        details={"organisation_id": organisation_id},
    )


def workers(organisation_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Worker, Worker.user_id == User.id)
            .where(Worker.organisation_id == organisation_id)
            .order_by(User.email)
        )
    )


def organisation_of(user: User) -> Organisation | None:
    """The organisation a support worker works for (the plugin's data on the user)."""
    if user.role != Role.SUPPORT_WORKER:
        return None
    worker = db.session.get(Worker, user.id)
    return db.session.get(Organisation, worker.organisation_id) if worker else None


def organisation_of_user_id(user_id: int) -> Organisation | None:
    worker = db.session.get(Worker, user_id)
    return db.session.get(Organisation, worker.organisation_id) if worker else None


# -- asking for support ------------------------------------------------------------------------


def _serving_organisation(school: School) -> Organisation | None:
    """A school_support or counselling organisation serving the school's police unit; of
    several, the one with the fewest referrals waiting (then the oldest)."""
    candidates = [
        organisation
        for organisation in organisations(active_only=True)
        if organisation.kind in STAFF_KINDS and school.police_unit_code in organisation.region_codes
    ]
    if not candidates:
        return None

    def waiting(organisation: Organisation) -> int:
        return (
            db.session.scalar(
                select(func.count()).where(
                    Referral.organisation_id == organisation.id,
                    Referral.state == State.REQUESTED.value,
                )
            )
            or 0
        )

    return min(candidates, key=lambda organisation: (waiting(organisation), organisation.id))


class NoOrganisation(Conflict):
    """No organisation serves the school's region; the administrators were told."""


def request_support(
    user: User,
    alert_id: int,
    *,
    urgency: str,
    phone: str | None = None,
    share_contact: bool = False,
) -> Referral:
    """A staff member who received the alert (live or ended) asks for support."""
    alert = received_alert(user, alert_id)
    if urgency not in {value.value for value in Urgency}:
        raise InvalidInput(str(_l("Choose normal or urgent.")), field="urgency")
    phone = (phone or "").strip() or None
    if phone is not None:
        if not share_contact:
            raise InvalidInput(
                str(_l("Agree to share your phone number, or leave it empty.")),
                field="share_contact",
            )
        if not _PHONE.match(phone):
            raise InvalidInput(str(_l("Enter a phone number of 10 to 20 digits.")), field="phone")
    open_request = db.session.scalar(
        select(Referral.id).where(
            Referral.requester_id == user.id,
            Referral.alert_id == alert.id,
            Referral.state != State.CLOSED.value,
        )
    )
    if open_request is not None:
        raise Conflict(str(_l("You already asked for support on this alert.")))
    school = db.session.get(School, user.school_id)
    assert school is not None
    organisation = _serving_organisation(school)
    if organisation is None:
        _tell_administrators_nobody_serves(school)
        raise NoOrganisation(
            str(
                _l(
                    "No support organisation serves your school's region yet. The administrator "
                    "has been told. Talk to your school's confidential adviser, or call "
                    "Slachtofferhulp Nederland on 0900-0101."
                )
            )
        )
    referral = Referral(
        organisation_id=organisation.id,
        source=Source.STAFF.value,
        urgency=urgency,
        state=State.REQUESTED.value,
        requester_id=user.id,
        school_id=school.id,
        alert_id=alert.id,
        consent_version=CONSENT_VERSION if phone else None,
    )
    db.session.add(referral)
    db.session.flush()
    if phone:
        referral.phone_sealed = seal_secret(PHONE_PURPOSE, phone, f"referral:{referral.id}")
    record_audit(
        "referral.requested",
        actor=user,
        object_type="referral",
        object_id=referral.id,
        details={
            "organisation_id": organisation.id,
            "urgency": urgency,
            "contact_shared": phone is not None,
            "consent_version": referral.consent_version,
        },
    )
    _tell_organisation(organisation, referral)
    db.session.flush()
    return referral


def refer(actor: User, alert_id: int, organisation_id: Any, note: str | None = None) -> Referral:
    """An investigator refers an identified child's care to an organisation they choose."""
    require_role(actor, Role.INVESTIGATOR)
    alert = police_alert(actor, alert_id)
    if not isinstance(organisation_id, int) or isinstance(organisation_id, bool):
        raise InvalidInput(str(_l("Name the organisation by its id.")), field="organisation")
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not organisation.active:
        raise Unresolvable(str(_l("There is no such organisation.")), field="organisation")
    note = (note or "").strip() or None
    if note is not None and len(note) > NOTE_LIMIT:
        raise InvalidInput(str(_l("The note is limited to 2000 characters.")), field="note")
    referral = Referral(
        organisation_id=organisation.id,
        source=Source.INVESTIGATOR.value,
        urgency=Urgency.NORMAL.value,
        state=State.REQUESTED.value,
        requester_id=actor.id,
        alert_id=alert.id,
    )
    db.session.add(referral)
    db.session.flush()
    if note:
        referral.note_sealed = seal_secret(NOTE_PURPOSE, note, f"referral:{referral.id}")
    record_audit(
        "referral.referred",
        actor=actor,
        object_type="referral",
        object_id=referral.id,
        details={"organisation_id": organisation.id, "note": note is not None},
    )
    _tell_organisation(organisation, referral)
    db.session.flush()
    return referral


def own_requests(user: User, alert_id: int | None = None) -> list[Referral]:
    """The staff member's own requests (state and times only), newest first."""
    query = select(Referral).where(
        Referral.requester_id == user.id, Referral.source == Source.STAFF.value
    )
    if alert_id is not None:
        query = query.where(Referral.alert_id == alert_id)
    return list(db.session.scalars(query.order_by(Referral.id.desc())))


# -- the work queue ------------------------------------------------------------------------------


def _visible_clause(actor: User) -> Any:
    if actor.role == Role.ADMIN:
        return Referral.id.is_not(None)
    organisation = organisation_of(actor)
    if organisation is None:
        return Referral.id.is_(None)
    return Referral.organisation_id == organisation.id


def queue(actor: User, *, include_closed: bool = False) -> list[Referral]:
    """The referrals of the worker's organisation (administrators: all), oldest open first."""
    require_role(actor, Role.SUPPORT_WORKER, Role.ADMIN)
    query = select(Referral).where(_visible_clause(actor))
    if not include_closed:
        query = query.where(Referral.state != State.CLOSED.value)
    referrals = list(db.session.scalars(query.order_by(Referral.created_at, Referral.id)))
    record_audit(
        "referral.queue_viewed",
        actor=actor,
        object_type="referral_queue",
        details={"count": len(referrals)},
    )
    return referrals


def referral_for(actor: User, referral_id: int, *, for_update: bool = False) -> Referral:
    """One referral the actor may see, or NotFound; reading it is audited."""
    require_role(actor, Role.SUPPORT_WORKER, Role.ADMIN)
    query = select(Referral).where(Referral.id == referral_id, _visible_clause(actor))
    if for_update:
        query = query.with_for_update()
    referral = db.session.scalar(query)
    if referral is None:
        raise NotFound("no such referral")
    record_audit("referral.viewed", actor=actor, object_type="referral", object_id=referral.id)
    return referral


def step(actor: User, referral_id: int, action: str, outcome: str | None = None) -> Referral:
    """accept, start or close (with an outcome) — only the worker's own organisation, only in
    order; anything else is a Conflict."""
    require_role(actor, Role.SUPPORT_WORKER)
    referral = referral_for(actor, referral_id, for_update=True)
    if action not in STEPS:
        raise NotFound("no such step")
    start, target = STEPS[action]
    if referral.state != start.value:
        raise Conflict(
            str(
                _l(
                    "This referral is %(state)s; it cannot be %(action)s now.",
                    state=referral.state,
                    action=action,
                )
            )
        )
    now = utcnow()
    if target == State.CLOSED:
        outcome = (outcome or "").strip() or None
        if outcome is not None and outcome not in OUTCOMES:
            raise InvalidInput(
                str(_l("The outcome is one of: %(outcomes)s.", outcomes=", ".join(OUTCOMES))),
                field="outcome",
            )
        referral.outcome = outcome
        referral.closed_at = now
    elif target == State.ACCEPTED:
        referral.accepted_at = now
    else:
        referral.started_at = now
    referral.state = target.value
    db.session.flush()
    record_audit(
        f"referral.{target.value}",
        actor=actor,
        object_type="referral",
        object_id=referral.id,
        details={"outcome": referral.outcome} if target == State.CLOSED else None,
    )
    return referral


def contact_phone(actor: User, referral: Referral) -> str | None:
    """The phone number the requester agreed to share (the worker calls back), audited."""
    if referral.phone_sealed is None:
        return None
    record_audit(
        "referral.contact_read", actor=actor, object_type="referral", object_id=referral.id
    )
    return unseal_secret(PHONE_PURPOSE, referral.phone_sealed, f"referral:{referral.id}")


def note_text(actor: User, referral: Referral) -> str | None:
    if referral.note_sealed is None:
        return None
    record_audit("referral.note_read", actor=actor, object_type="referral", object_id=referral.id)
    return unseal_secret(NOTE_PURPOSE, referral.note_sealed, f"referral:{referral.id}")


def requester_of(referral: Referral) -> User | None:
    return db.session.get(User, referral.requester_id) if referral.requester_id else None


def school_of(referral: Referral) -> School | None:
    return db.session.get(School, referral.school_id) if referral.school_id else None


# -- mail: a link, never a phone number or content -----------------------------------------------


def _queue_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/") + "/plugins/referral/queue"


def _tell_organisation(organisation: Organisation, referral: Referral) -> None:
    mail_address(
        "referral.new",
        organisation.email,
        {"url": _queue_url(), "urgent": referral.urgency == Urgency.URGENT.value},
        key=f"referral:{referral.id}",
    )


def _administrator_ids() -> list[int]:
    return list(
        db.session.scalars(select(User.id).where(User.role == Role.ADMIN, User.active.is_(True)))
    )


def _tell_administrators_nobody_serves(school: School) -> None:
    mail_users(
        "referral.unserved",
        _administrator_ids(),
        {
            "police_unit": school.police_unit_code,
            "url": current_app.config["BASE_URL"].rstrip("/") + "/plugins/referral/organisations",
        },
    )
    record_audit(
        "referral.unserved",
        object_type="school",
        object_id=school.id,
        details={"police_unit": school.police_unit_code},
    )


def remind(now: datetime | None = None) -> dict[str, int]:
    """Mail each organisation about its referrals still ``requested`` after the reminder time;
    tell the administrators about those waiting twice that long. Counts of mails queued."""
    now = now or utcnow()
    after = reminder_after()
    overdue = list(
        db.session.scalars(
            select(Referral).where(
                Referral.state == State.REQUESTED.value,
                Referral.created_at <= now - 2 * after,
                Referral.escalated_at.is_(None),
                # reminded at an earlier run: the organisation had its chance
                Referral.reminded_at.is_not(None),
            )
        )
    )
    due = list(
        db.session.scalars(
            select(Referral).where(
                Referral.state == State.REQUESTED.value,
                Referral.created_at <= now - after,
                Referral.reminded_at.is_(None) | (Referral.reminded_at <= now - after),
            )
        )
    )
    by_organisation: dict[int, list[Referral]] = {}
    for referral in due:
        by_organisation.setdefault(referral.organisation_id, []).append(referral)
    for organisation_id, referrals in sorted(by_organisation.items()):
        organisation = db.session.get(Organisation, organisation_id)
        assert organisation is not None
        mail_address(
            "referral.reminder",
            organisation.email,
            {"count": len(referrals), "url": _queue_url()},
        )
        for referral in referrals:
            referral.reminded_at = now
    if overdue:
        mail_users(
            "referral.overdue",
            _administrator_ids(),
            {
                "count": len(overdue),
                "url": current_app.config["BASE_URL"].rstrip("/") + "/plugins/referral/queue",
            },
        )
        for referral in overdue:
            referral.escalated_at = now
    db.session.flush()
    if by_organisation or overdue:
        record_audit(
            "referral.reminded",
            object_type="referral_queue",
            details={"organisations": len(by_organisation), "overdue": len(overdue)},
        )
    return {"organisations": len(by_organisation), "overdue": len(overdue)}


# -- retention and evaluation ------------------------------------------------------------------


def erase_contact_details(now: datetime) -> int:
    """Erase who asked, the school, the alert number, the phone and the note of referrals closed
    longer ago than the erasure time; what remains counts for evaluation only."""
    limit = now - erase_after()
    referrals = list(
        db.session.scalars(
            select(Referral).where(
                Referral.state == State.CLOSED.value,
                Referral.closed_at <= limit,
                Referral.erased_at.is_(None),
            )
        )
    )
    for referral in referrals:
        referral.requester_id = None
        referral.school_id = None
        referral.alert_id = None
        referral.phone_sealed = None
        referral.note_sealed = None
        referral.erased_at = now
    db.session.flush()
    if referrals:
        record_audit(
            "referral.contact_erased",
            object_type="referral_queue",
            details={"count": len(referrals)},
        )
    return len(referrals)


@dataclass(frozen=True)
class OrganisationCounts:
    organisation: str
    kind: str
    requests: int
    urgent: int
    accepted: int
    closed: int
    median_hours_to_acceptance: float | None


def statistics(actor: User) -> list[OrganisationCounts]:
    """Counts per organisation and the median time to acceptance; no personal data."""
    require_role(actor, Role.ADMIN)
    rows = []
    for organisation in organisations():
        referrals = list(
            db.session.execute(
                select(Referral.urgency, Referral.created_at, Referral.accepted_at).where(
                    Referral.organisation_id == organisation.id
                )
            )
        )
        waits = sorted(
            (accepted - created).total_seconds() / 3600
            for _urgency, created, accepted in referrals
            if accepted is not None
        )
        median = None
        if waits:
            middle = len(waits) // 2
            median = waits[middle] if len(waits) % 2 else (waits[middle - 1] + waits[middle]) / 2
        rows.append(
            OrganisationCounts(
                organisation=organisation.name,
                kind=organisation.kind,
                requests=len(referrals),
                urgent=sum(1 for urgency, *_ in referrals if urgency == Urgency.URGENT.value),
                accepted=len(waits),
                closed=db.session.scalar(
                    select(func.count()).where(
                        Referral.organisation_id == organisation.id,
                        Referral.state == State.CLOSED.value,
                    )
                )
                or 0,
                median_hours_to_acceptance=round(median, 1) if median is not None else None,
            )
        )
    return rows
