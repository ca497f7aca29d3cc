"""``schoolalert demo``: idempotent demo data whose printed logins work."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import func, select

from schoolalert.accounts.models import User
from schoolalert.alerts.models import Alert, AlertImage, AlertStatus
from schoolalert.audit.models import AuditEvent
from schoolalert.demo.drawings import DRAWINGS
from schoolalert.demo.loader import demo_password, demo_totp_secret
from schoolalert.extensions import db
from schoolalert.schools.models import Board, School
from tests.factories import csrf_from

MODELS = (Board, School, User, Alert, AlertImage, AuditEvent)


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in MODELS
        }


def logins(output: str) -> dict[str, tuple[str, str, str]]:
    found = re.findall(
        r"^  (\w+)\s+(\S+@\S+).*\n\s+password:\s+(\S+)\n\s+TOTP secret:\s+(\S+)$",
        output,
        flags=re.MULTILINE,
    )
    return {email: (role, password, secret) for role, email, password, secret in found}


def test_demo_twice_changes_nothing_and_prints_the_same_logins(app, runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    after_first = counts(app)
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert counts(app) == after_first
    assert logins(first.output) == logins(second.output)
    roles = {role for role, _password, _secret in logins(first.output).values()}
    assert roles == {
        "admin",
        "investigator",
        "prosecutor",
        "board_admin",
        "school_staff",
        "support_worker",
    }
    assert after_first["Alert"] == 1
    assert after_first["AlertImage"] == len(DRAWINGS)
    assert after_first["School"] == 8


def test_the_demo_alert_is_published_and_the_staff_login_shows_it(app, runner):
    output = runner.invoke(args=["demo"]).output
    with app.app_context():
        alert = db.session.scalar(select(Alert))
        assert alert.status == AlertStatus.PUBLISHED
        assert {image.kind.value for image in alert.images} == set(DRAWINGS)
    _role, password, secret = logins(output)["leerkracht@school.example"]
    client = app.test_client()
    page = client.get("/sign-in")
    client.post(
        "/sign-in",
        data={
            "email": "leerkracht@school.example",
            "password": password,
            "csrf_token": csrf_from(page.text),
        },
    )
    page = client.get("/sign-in/code")
    response = client.post(
        "/sign-in/code",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 302
    assert f"/portal/alerts/{alert.id}" in client.get("/portal").text


def test_a_closed_demo_alert_is_replaced_by_a_live_one(app, runner):
    runner.invoke(args=["demo"])
    with app.app_context():
        db.session.scalar(select(Alert)).status = AlertStatus.CLOSED
        db.session.commit()
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        statuses = db.session.scalars(select(Alert.status).order_by(Alert.id)).all()
    assert statuses == [AlertStatus.CLOSED, AlertStatus.PUBLISHED]


def test_demo_secrets_are_derived_from_the_instance_secret_key(app):
    def secrets() -> tuple[str, str]:
        with app.app_context():
            return demo_password(), demo_totp_secret("leerkracht@school.example")

    mine = secrets()
    app.config["SECRET_KEY"] = "another-secret-key-of-a-second-instance"
    theirs = secrets()
    assert mine[0] != theirs[0]
    assert mine[1] != theirs[1]
    assert len(mine[0]) >= 12
    pyotp.TOTP(mine[1]).now()  # a valid base32 secret
