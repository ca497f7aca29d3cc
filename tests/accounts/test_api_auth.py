"""API authentication: short-lived tokens from password + code, machine tokens from the CLI."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from schoolalert.accounts.models import ApiToken, TokenKind
from schoolalert.audit.models import AuditEvent
from schoolalert.extensions import db
from tests.factories import fresh_code


def get_token(client, app, user, **overrides):
    body = {
        "email": user.email,
        "password": user.password,
        "otp": fresh_code(app, user),
    } | overrides
    return client.post("/api/v1/auth/token", json=body)


def test_password_and_code_give_a_fifteen_minute_token(app, client, make_user):
    user = make_user("investigator")
    response = get_token(client, app, user)
    assert response.status_code == 200
    body = response.json
    assert body["token"].startswith("sa_")
    assert body["expires_at"].endswith("Z")
    with app.app_context():
        row = db.session.scalars(select(ApiToken)).one()
        assert row.token_hash != body["token"]
        assert row.expires_at - row.created_at == timedelta(minutes=15)
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert client.get("/api/v1/audit", headers=headers).status_code == 403  # known, wrong role


def test_wrong_password_or_code_is_401_with_one_message(app, client, make_user):
    user = make_user()
    wrong_password = get_token(client, app, user, password="nope nope nope nope")
    wrong_code = get_token(client, app, user, otp="000000")
    unknown = get_token(client, app, user, email="nobody@example.org")
    assert wrong_password.status_code == wrong_code.status_code == unknown.status_code == 401
    assert wrong_password.json == wrong_code.json == unknown.json


def test_a_user_without_second_factor_gets_no_token(app, client, make_user):
    user = make_user(totp=False)
    response = client.post(
        "/api/v1/auth/token", json={"email": user.email, "password": user.password, "otp": "123456"}
    )
    assert response.status_code == 401


def test_an_expired_token_is_refused(app, client, make_user):
    user = make_user("admin")
    token = get_token(client, app, user).json["token"]
    with app.app_context():
        row = db.session.scalars(select(ApiToken)).one()
        row.expires_at = row.created_at - timedelta(seconds=1)
        db.session.commit()
    assert (
        client.get("/api/v1/plugins", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )


def test_the_api_ignores_the_session_cookie(app, make_user, signed_in):
    client = signed_in(make_user("admin"))
    assert client.get("/api/v1/plugins").status_code == 401


def test_bad_bodies(app, client):
    assert client.post("/api/v1/auth/token", data="x", content_type="text/plain").status_code == 415
    assert (
        client.post("/api/v1/auth/token", data="{", content_type="application/json").status_code
        == 400
    )
    assert client.post("/api/v1/auth/token", json=[1, 2]).status_code == 400
    huge = {"email": "a@example.org", "password": "x" * 300_000, "otp": "1"}
    response = client.post("/api/v1/auth/token", json=huge)
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"


def test_machine_tokens_are_printed_once_stored_hashed_listed_and_revoked(
    app, runner, make_user, bearer
):
    user = make_user("investigator")
    admin = make_user("admin")
    result = runner.invoke(
        args=["users", "token", "--email", user.email, "--days", "30", "--label", "BVH"]
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.splitlines()[0]
    with app.app_context():
        row = db.session.scalars(select(ApiToken)).one()
        assert row.kind == TokenKind.MACHINE
        assert token not in (row.token_hash, row.label)
    client = app.test_client()
    headers = bearer(admin)
    listed = client.get("/api/v1/tokens", headers=headers).json["tokens"]
    machine = next(item for item in listed if item["kind"] == "machine")
    assert machine["label"] == "BVH"
    assert client.delete(f"/api/v1/tokens/{machine['id']}", headers=headers).status_code == 204
    assert client.delete(f"/api/v1/tokens/{machine['id']}", headers=headers).status_code == 404
    response = client.get("/api/v1/audit", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_machine_tokens_only_for_police_and_om(app, runner, make_user):
    staff = make_user("school_staff")
    result = runner.invoke(args=["users", "token", "--email", staff.email])
    assert result.exit_code == 1
    assert "admin, investigator and prosecutor" in result.output


def test_users_create_from_the_command_line(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Officier@OM.example",
            "--name",
            "Officier",
            "--role",
            "prosecutor",
            "--password-stdin",
            "--totp-secret",
            "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        ],
        input="a long enough passphrase\n",
    )
    assert result.exit_code == 0, result.output
    weak = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "x@om.example",
            "--name",
            "X",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input="password\n",
    )
    assert weak.exit_code == 1
    assert "password refused" in weak.output
    again = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "officier@om.example",
            "--name",
            "O",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input="a long enough passphrase\n",
    )
    assert again.exit_code == 1
    assert "exists" in again.output


@pytest.mark.parametrize(
    "role", ["admin", "investigator", "prosecutor", "board_admin", "school_staff", "support_worker"]
)
def test_every_role_obtains_a_token_with_password_and_code(app, client, make_user, role):
    user = make_user(role)
    response = get_token(client, app, user)
    assert response.status_code == 200
    assert response.json["token"].startswith("sa_")


def test_failed_token_requests_are_audited_like_failed_sign_ins(app, client, make_user):
    """The web and the API share one sign-in service: the 401 keeps the attempt's audit entry."""
    user = make_user()
    get_token(client, app, user, password="nope nope nope nope")
    get_token(client, app, user, otp="000000")
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "sign_in.failed")
        ).all()
    assert [(entry.object_id, entry.details) for entry in entries] == [
        (str(user.id), {"stage": "api_password"}),
        (str(user.id), {"stage": "api_second_factor"}),
    ]
