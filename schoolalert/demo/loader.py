"""Demo data: two boards with schools on the real reference geography, one user of every role,
staff who may see alerts, and a live alert with drawn (never photographed) images.

Loading is idempotent: what exists is kept as it is. Passwords and TOTP secrets are derived
from the instance's secret key, so a second run prints the same logins without storing them and
another instance gets other ones.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from schoolalert.accounts import second_factor, services
from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role
from schoolalert.alerts import drafting, review
from schoolalert.alerts.models import Alert, AlertStatus
from schoolalert.consent import agreements, participation, terms
from schoolalert.consent.models import BoardParticipation, TermsKind
from schoolalert.database import utcnow
from schoolalert.demo.drawings import DRAWINGS
from schoolalert.extensions import db
from schoolalert.plugin_admin import services as plugin_services
from schoolalert.schools.geography import reference_geography
from schoolalert.schools.models import Board, School, SchoolKind

BOARDS = {
    "99901": "Stichting Demo Onderwijs Noord",
    "99902": "Stichting Demo Scholen Zuid",
}


@dataclass(frozen=True)
class DemoSchool:
    code: str
    board: str
    name: str
    municipality: str
    pc4: str
    targeted: bool  # by the demo alert


SCHOOLS = (
    DemoSchool("99DA00", "99901", "Demoschool De Regenboog", "GM0363", "1011", True),
    DemoSchool("99DA01", "99901", "Demoschool Het Klaverblad", "GM0363", "1053", True),
    DemoSchool("99DA02", "99901", "Demoschool Het Anker", "GM0014", "9711", False),
    DemoSchool("99DB00", "99902", "Demoschool De Zeester", "GM0599", "3011", True),
    DemoSchool("99DB01", "99902", "Demoschool De Vlinder", "GM0599", "3071", True),
    DemoSchool("99DB02", "99902", "Demoschool De Zonnewijzer", "GM0344", "3511", False),
    DemoSchool("99DB03", "99902", "Demoschool De Notenboom", "GM0855", "5038", False),
    DemoSchool("99DB04", "99902", "Demoschool De Wilg", "GM0935", "6211", False),
)
TARGETED = frozenset(school.code for school in SCHOOLS if school.targeted)
# e-mail, name, role, school code or board number
USERS = (
    ("beheer@politie.example", "Demo Beheerder", Role.ADMIN, None),
    ("rechercheur@politie.example", "Demo Rechercheur", Role.INVESTIGATOR, None),
    ("officier@om.example", "Demo Officier van Justitie", Role.PROSECUTOR, None),
    ("bestuur@school.example", "Demo Bestuurder Noord", Role.BOARD_ADMIN, "99901"),
    ("bestuur.zuid@school.example", "Demo Bestuurder Zuid", Role.BOARD_ADMIN, "99902"),
    ("leerkracht@school.example", "Demo Leerkracht (De Regenboog)", Role.SCHOOL_STAFF, "99DA00"),
    ("ib@school.example", "Demo Intern Begeleider (De Zonnewijzer)", Role.SCHOOL_STAFF, "99DB02"),
    ("hulpverlener@steunpunt.example", "Demo Hulpverlener", Role.SUPPORT_WORKER, None),
)
PARTICIPATION_TERMS = (
    "Deelnamevoorwaarden Schoolalert (demonstratie).\n"
    "Het bevoegd gezag laat de aangewezen medewerkers van zijn vestigingen verzoeken van de "
    "politie ontvangen om een kind te helpen identificeren. Deelname kan per vestiging of voor het "
    "hele bestuur worden ingetrokken en geldt dan direct."
)
CONFIDENTIALITY_STATEMENT = (
    "Geheimhoudingsverklaring Schoolalert (demonstratie).\n"
    "Ik deel de afbeeldingen en het verzoek met niemand, maak er geen kopie of foto van, en "
    "benader het kind of de familie nooit zelf. Herken ik het kind, dan antwoord ik in het portaal "
    "of bel ik de politie."
)
CASE_REFERENCE = "DEMO-2026-001"
DESCRIPTION = (
    "Meisje van ongeveer zeven jaar met halflang bruin haar en een pony. Ze draagt een "
    "gestreept T-shirt met een ster op de borst en heeft een knuffelbeer met een strik. "
    "De beelden zijn gemaakt in het voorjaar, vermoedelijk in het westen van het land."
)


@dataclass(frozen=True)
class Login:
    email: str
    role: Role
    password: str
    totp_secret: str
    note: str


@dataclass(frozen=True)
class DemoResult:
    logins: list[Login]
    schools: int
    participating: int
    alert_id: int
    regional: str


def load_demo() -> DemoResult:
    """Create what is missing; the caller commits."""
    boards = {number: _board(number, name) for number, name in BOARDS.items()}
    schools = [_school(boards[row.board], row) for row in SCHOOLS]
    users = {email: _user(email, name, role, where) for email, name, role, where in USERS}
    regional = enable_regional()
    participating = take_part(boards.values(), users)
    for user in users.values():
        if user.role == Role.SCHOOL_STAFF:
            accept_statement(user)
    targeted = [school for school in schools if school.code in TARGETED]
    alert = _live_alert(
        users["rechercheur@politie.example"], users["officier@om.example"], targeted
    )
    return DemoResult(
        logins=[_login(users[email], where) for email, _name, _role, where in USERS],
        schools=len(schools),
        participating=participating,
        alert_id=alert.id,
        regional=regional,
    )


def take_part(boards: Iterable[Board], users: dict[str, User]) -> int:
    """Each demo board's contact grants participation for all its locations (once), under the
    current terms; returns how many demo locations participate."""
    terms_version = _current_terms(TermsKind.PARTICIPATION, PARTICIPATION_TERMS)
    for board in boards:
        admin = next(
            u for u in users.values() if u.role == Role.BOARD_ADMIN and u.board_id == board.id
        )
        if not db.session.get(BoardParticipation, board.id):
            participation.grant(admin, board, schools="all", terms_version=terms_version)
    db.session.flush()
    codes = [row.code for row in SCHOOLS]
    return len(
        db.session.scalars(
            select(School.id).where(School.code.in_(codes), participation.participating_clause())
        ).all()
    )


def accept_statement(staff: User) -> None:
    """Demo staff have read the briefing and accepted the current statement."""
    version = _current_terms(TermsKind.CONFIDENTIALITY, CONFIDENTIALITY_STATEMENT)
    if not agreements.has_accepted_current_statement(staff):
        agreements.accept_statement(staff, version)


def _current_terms(kind: TermsKind, text: str) -> int:
    current = terms.current_version(kind) or terms.publish(
        None, kind, text, requires_reacceptance=True
    )
    return current.version


def enable_regional() -> str:
    """Switch the regional-targeting plugin on when it is installed; says what happened."""
    manager = current_app.extensions["schoolalert.plugins"]
    if "regional" not in manager.installed:
        return "not installed"
    if manager.is_enabled("regional"):
        return "enabled"
    try:
        plugin_services.set_enabled(manager, "regional", True, actor=None)
    except plugin_services.PluginStateLocked:
        return "disabled (fixed by SCHOOLALERT_PLUGINS_ENABLED)"
    return "enabled"


def derived_secret(purpose: str) -> bytes:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"schoolalert-demo:{purpose}".encode(), hashlib.sha256).digest()


def demo_password() -> str:
    letters = base64.b32encode(derived_secret("password")).decode().lower()
    return "demo-" + "-".join(letters[i : i + 4] for i in range(0, 16, 4))


def demo_totp_secret(email: str) -> str:
    return base64.b32encode(derived_secret(f"totp:{email}")[:20]).decode()


def _board(number: str, name: str) -> Board:
    board = db.session.scalar(select(Board).where(Board.number == number))
    if board is None:
        board = Board(number=number, name=name)
        db.session.add(board)
        db.session.flush()
    return board


def _school(board: Board, row: DemoSchool) -> School:
    school = db.session.scalar(select(School).where(School.code == row.code))
    if school is not None:
        return school
    geography = reference_geography()
    place = geography.place(geography.municipalities[row.municipality], row.pc4)
    school = School(
        code=row.code,
        brin=row.code[:4],
        board=board,
        name=row.name,
        street="Demostraat",
        house_number=int(row.code[-2:]) + 1,
        postcode=f"{row.pc4} DM",
        city=place.municipality.name.upper(),
        municipality_code=row.municipality,
        source_municipality_code=row.municipality,
        province_code=place.municipality.province_code,
        safety_region_code=place.municipality.safety_region_code,
        police_unit_code=place.municipality.police_unit_code,
        latitude=place.latitude,
        longitude=place.longitude,
        location_precision=place.precision,
        kind=SchoolKind.BO,
    )
    db.session.add(school)
    db.session.flush()
    return school


def _user(email: str, name: str, role: Role, where: str | None) -> User:
    user = services.find_user_by_email(email)
    if user is not None:
        return user
    user = services.create_user(
        None,
        email=email,
        name=name,
        role=role,
        password=demo_password(),
        school=db.session.scalar(select(School).where(School.code == where))
        if role == Role.SCHOOL_STAFF
        else None,
        board=db.session.scalar(select(Board).where(Board.number == where))
        if role == Role.BOARD_ADMIN
        else None,
    )
    second_factor.set_confirmed_totp(user, demo_totp_secret(email))
    return user


def _login(user: User, where: str | None) -> Login:
    note = ""
    if user.role == Role.SCHOOL_STAFF:
        note = "sees the demo alert" if where in TARGETED else "school not targeted: no alert"
    elif user.role == Role.BOARD_ADMIN:
        note = f"board {where}"
    return Login(user.email, user.role, demo_password(), demo_totp_secret(user.email), note)


def _live_alert(investigator: User, prosecutor: User, schools: list[School]) -> Alert:
    """The published demo alert; a new one only when the previous one has ended."""
    live = db.session.scalar(
        select(Alert).where(
            Alert.case_reference == CASE_REFERENCE,
            Alert.status == AlertStatus.PUBLISHED,
            Alert.expires_at > utcnow(),
        )
    )
    if live is not None:
        return live
    draft = drafting.parse_draft(
        {
            "description": DESCRIPTION,
            "age_estimate": "6-8",
            "case_reference": CASE_REFERENCE,
            "justification": "Demonstratie: fictieve zaak. Misbruik vastgesteld in Nederland; "
            "identificatie langs andere weg is niet gelukt.",
            "order_number": "DEMO-OVJ-1",
            "other_means_exhausted": True,
            "targeting": {"schools": [school.code for school in schools]},
        }
    )
    alert = drafting.create_draft(investigator, draft)
    for seed, (kind, draw) in enumerate(DRAWINGS.items(), start=alert.id):
        drafting.add_image(investigator, alert.id, draw(seed=seed), kind=kind, attested=True)
    drafting.submit(investigator, alert.id)
    return review.approve(prosecutor, alert.id, images_checked=True)
