"""Factories for test data and sign-in helpers; each factory commits and returns detached rows."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from schoolalert.accounts import second_factor, tokens
from schoolalert.accounts.models import Authenticator, User
from schoolalert.accounts.passwords import hash_password
from schoolalert.accounts.roles import Role
from schoolalert.extensions import db

DEFAULT_PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """``make_user("investigator")``: an active user with a password and a TOTP factor.

    The returned object carries ``password`` and ``totp_secret`` for sign-in helpers.
    ``totp=False`` makes a user who still has to enrol.
    """

    def make(role: Role | str = Role.ADMIN, *, totp: bool = True, **fields: Any) -> User:
        number = next(_sequence)
        password = fields.pop("password", DEFAULT_PASSWORD)
        secret = pyotp.random_base32() if totp else None
        with app.app_context():
            user = User(
                email=fields.pop("email", f"user{number}@example.org"),
                name=fields.pop("name", f"Test User {number}"),
                role=Role(role),
                password_hash=hash_password(password) if password else None,
                **fields,
            )
            db.session.add(user)
            db.session.flush()
            if secret:
                second_factor.set_confirmed_totp(user, secret)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
        user.password = password  # type: ignore[attr-defined]
        user.totp_secret = secret  # type: ignore[attr-defined]
        return user

    return make


def fresh_code(app: Flask, user: User) -> str:
    """A TOTP code the server will still accept for ``user`` (codes are single-use)."""
    with app.app_context():
        last = db.session.query(Authenticator.last_used_step).filter_by(user_id=user.id).scalar()
    step = max(int(time.time()) // 30, (last or 0) + 1)
    return pyotp.TOTP(user.totp_secret).at(step * 30)  # type: ignore[attr-defined]


def csrf_from(html: str) -> str:
    marker = 'name="csrf_token" type="hidden" value="'
    if marker not in html:
        marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def sign_in(app: Flask, client: FlaskClient, user: User) -> None:
    """The whole web sign-in: password, then the one-time code."""
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"email": user.email, "password": user.password, "csrf_token": csrf_from(page.text)},  # type: ignore[attr-defined]
    )
    assert response.status_code == 302, response.text
    page = client.get("/sign-in/code")
    response = client.post(
        "/sign-in/code", data={"code": fresh_code(app, user), "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 302, response.text


@pytest.fixture
def signed_in(app: Flask) -> Callable[[User], FlaskClient]:
    """A new test client signed in as ``user`` through the real sign-in pages."""

    def make(user: User) -> FlaskClient:
        client = app.test_client()
        sign_in(app, client, user)
        return client

    return make


@pytest.fixture
def bearer(app: Flask) -> Callable[[User], dict[str, str]]:
    """Authorization headers with a fresh short-lived API token for ``user``."""

    def make(user: User) -> dict[str, str]:
        with app.app_context():
            token, _expires = tokens.issue_session_token(db.session.get(User, user.id))
            db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def mailbox(app: Flask) -> Callable[[], list[Any]]:
    """The messages written to the instance mail folder so far (embedded mail sink)."""
    from email import policy
    from email.parser import BytesParser
    from pathlib import Path

    def read() -> list[Any]:
        folder = Path(app.config["MAIL_DIRECTORY"])
        if not folder.is_dir():
            return []
        parser = BytesParser(policy=policy.default)
        return [parser.parsebytes(path.read_bytes()) for path in sorted(folder.glob("*.eml"))]

    return read


@pytest.fixture
def make_board(app: Flask) -> Callable[..., Any]:
    """``make_board()``: a school board (detached row)."""
    from schoolalert.schools.models import Board

    def make(**fields: Any) -> Board:
        number = next(_sequence)
        with app.app_context():
            board = Board(
                number=fields.pop("number", f"{90000 + number}"),
                name=fields.pop("name", f"Stichting Test {number}"),
                **fields,
            )
            db.session.add(board)
            db.session.commit()
            db.session.refresh(board)
            db.session.expunge(board)
        return board

    return make


@pytest.fixture
def make_school(app: Flask, make_board: Callable[..., Any]) -> Callable[..., Any]:
    """``make_school(board=…, municipality="GM0363", pc4="1011")``: an active location placed
    on the real reference geography (its municipality's province, safety region, police unit)."""
    from schoolalert.schools.geography import reference_geography
    from schoolalert.schools.models import LocationPrecision, School, SchoolKind

    def make(
        board: Any = None, *, municipality: str = "GM0363", pc4: str | None = None, **fields: Any
    ) -> School:
        number = next(_sequence)
        board = board or make_board()
        geography = reference_geography()
        place = geography.municipalities[municipality]
        area = geography.postcodes.get(pc4) if pc4 else None
        with app.app_context():
            school = School(
                code=fields.pop("code", f"{number % 100:02d}ZZ{number // 100 % 100:02d}"),
                brin=fields.pop("brin", "00ZZ"),
                board_id=board.id,
                name=fields.pop("name", f"Basisschool De Test {number}"),
                street=fields.pop("street", "Schoolstraat"),
                house_number=fields.pop("house_number", number),
                postcode=fields.pop("postcode", f"{pc4 or '1011'} AB"),
                city=fields.pop("city", place.name.upper()),
                municipality_code=municipality,
                source_municipality_code=municipality,
                province_code=place.province_code,
                safety_region_code=place.safety_region_code,
                police_unit_code=place.police_unit_code,
                latitude=fields.pop("latitude", area.latitude if area else place.latitude),
                longitude=fields.pop("longitude", area.longitude if area else place.longitude),
                location_precision=LocationPrecision.PC4
                if area
                else LocationPrecision.MUNICIPALITY,
                kind=fields.pop("kind", SchoolKind.BO),
                **fields,
            )
            db.session.add(school)
            db.session.commit()
            db.session.refresh(school)
            db.session.expunge(school)
        return school

    return make
