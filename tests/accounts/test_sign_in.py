"""Web sign-in with password and second factor, and the attacks on it."""

from __future__ import annotations

import time

import pyotp
import pytest
from sqlalchemy import event, select

from schoolalert.accounts.models import Authenticator, User
from schoolalert.accounts.roles import Role
from schoolalert.audit.models import AuditEvent
from schoolalert.extensions import db
from tests.factories import csrf_from, sign_in


def post_password(client, email, password):
    page = client.get("/sign-in")
    return client.post(
        "/sign-in", data={"email": email, "password": password, "csrf_token": csrf_from(page.text)}
    )


def post_code(client, code, path="/sign-in/code"):
    page = client.get(path)
    return client.post(path, data={"code": code, "csrf_token": csrf_from(page.text)})


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.sequence)))


@pytest.mark.parametrize("role", list(Role))
def test_every_role_signs_in_with_password_and_code(app, client, make_user, role):
    user = make_user(role)
    sign_in(app, client, user)
    page = client.get("/account")
    assert page.status_code == 200
    assert user.email in page.text
    assert audit_actions(app)[-1] == "sign_in.succeeded"


def test_password_alone_gets_nobody_further(app, client, make_user):
    user = make_user("investigator")
    assert post_password(client, user.email, user.password).headers["Location"] == "/sign-in/code"
    assert client.get("/account").headers["Location"].startswith("/sign-in")
    assert client.get("/api/v1/plugins").status_code == 401


def test_unknown_email_and_wrong_password_look_the_same(app, client, make_user):
    user = make_user()
    wrong_password = post_password(client, user.email, "not the password at all")
    unknown = post_password(client, "nobody@example.org", "not the password at all")
    assert wrong_password.status_code == unknown.status_code == 401
    assert wrong_password.text.replace(user.email, "X") == unknown.text.replace(
        "nobody@example.org", "X"
    ).replace(csrf_from(unknown.text), csrf_from(wrong_password.text))


def test_failed_sign_ins_are_audited_without_the_password(app, client, make_user, caplog):
    user = make_user()
    post_password(client, user.email, "my secret guess 123")
    with app.app_context():
        entry = db.session.scalars(select(AuditEvent)).all()[-1]
        assert entry.action == "sign_in.failed"
        assert entry.object_id == str(user.id)
        assert "my secret guess" not in str(entry.details)
    assert "my secret guess" not in caplog.text


@pytest.mark.parametrize("kind", ["wrong", "replayed", "expired"])
def test_bad_codes_are_refused(app, client, make_user, kind):
    user = make_user()
    totp = pyotp.TOTP(user.totp_secret)
    if kind == "replayed":
        other = app.test_client()
        sign_in(app, other, user)  # uses the current code
        with app.app_context():
            step = db.session.scalar(select(Authenticator.last_used_step))
        code = totp.at(step * 30)
    elif kind == "expired":
        code = totp.at(time.time() - 120)
    else:
        code = "000000" if totp.now() != "000000" else "111111"
    post_password(client, user.email, user.password)
    response = post_code(client, code)
    assert response.status_code == 401
    assert client.get("/account").status_code == 302


def test_a_recovery_code_works_once(app, client, make_user):
    user = make_user(totp=False)
    post_password(client, user.email, user.password)
    enrol_page = client.get("/sign-in/enrol")
    secret = enrol_page.text.split('class="totp-secret">')[1].split("<")[0].replace(" ", "")
    response = client.post(
        "/sign-in/enrol",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(enrol_page.text)},
    )
    codes = response.text.split('<ul class="recovery-codes">')[1].split("</ul>")[0]
    first = codes.split("<li>")[1].split("</li>")[0]
    assert response.status_code == 200
    assert client.get("/account").status_code == 200  # signed in after enrolment
    # A refresh sends the POST again: no codes, no "sign in again", but the way to new ones.
    refreshed = client.post(
        "/sign-in/enrol",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(enrol_page.text)},
    )
    assert refreshed.headers["Location"] == "/account/recovery-codes"
    shown = client.get("/account/recovery-codes")
    assert 'id="recovery-codes-shown"' in shown.text
    assert first not in shown.text
    assert 'id="new-recovery-codes"' in shown.text
    assert shown.headers["Cache-Control"].startswith("no-store")

    for attempt in range(2):
        fresh = app.test_client()
        post_password(fresh, user.email, user.password)
        result = post_code(fresh, first)
        assert result.status_code == (302 if attempt == 0 else 401)


def test_enrolment_shows_a_qr_code_drawn_by_the_app(app, client, make_user):
    user = make_user(totp=False)
    post_password(client, user.email, user.password)
    page = client.get("/sign-in/enrol")
    assert "<svg" in page.text
    # Besides the picture: a link that opens the app on this phone, and the key in fours.
    assert 'id="otpauth-link" href="otpauth://totp/' in page.text
    shown = page.text.split('class="totp-secret">')[1].split("<")[0]
    assert [len(group) for group in shown.split(" ")] == [4] * 8
    secret = page.text.split('class="totp-secret">')[1].split("<")[0].replace(" ", "")
    again = client.get("/sign-in/enrol")
    shown_again = again.text.split('class="totp-secret">')[1].split("<")[0].replace(" ", "")
    assert shown_again == secret  # no new secret
    with app.app_context():
        factor = db.session.scalars(select(Authenticator)).one()
        assert factor.confirmed_at is None
        assert secret.encode() not in factor.secret_sealed  # stored sealed, not readable


def shown_secret(html: str) -> str:
    return html.split('class="totp-secret">')[1].split("<")[0].replace(" ", "")


def factors(app) -> list[tuple[int, bytes | None]]:
    with app.app_context():
        rows = db.session.execute(
            select(Authenticator.id, Authenticator.secret_sealed).order_by(Authenticator.id)
        )
        return [tuple(row) for row in rows]


def writes_during(app, action) -> list[str]:
    """The statements that change the database while ``action`` runs."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return statements


def test_the_enrolment_page_writes_nothing_on_get(app, client, make_user):
    user = make_user(totp=False)
    # The password's POST makes the pending secret; the page only shows it.
    assert post_password(client, user.email, user.password).headers["Location"] == "/sign-in/enrol"
    made = factors(app)
    assert len(made) == 1
    pages = []
    assert (
        writes_during(app, lambda: pages.extend(client.get("/sign-in/enrol") for _ in "ab")) == []
    )
    assert [page.status_code for page in pages] == [200, 200]
    assert shown_secret(pages[0].text) == shown_secret(pages[1].text)  # a refresh: the same key
    assert factors(app) == made
    confirmed = client.post(
        "/sign-in/enrol",
        data={
            "code": pyotp.TOTP(shown_secret(pages[1].text)).now(),
            "csrf_token": csrf_from(pages[1].text),
        },
    )
    assert '<ul class="recovery-codes">' in confirmed.text


def test_a_new_key_is_made_by_post_only(app, client, make_user):
    user = make_user(totp=False)
    post_password(client, user.email, user.password)
    with app.app_context():  # the pending secret is gone (an administrator's reset meanwhile)
        db.session.execute(db.delete(Authenticator))
        db.session.commit()
    start = client.get("/sign-in/enrol")
    assert 'id="start-enrolment"' in start.text
    assert 'class="totp-secret"' not in start.text
    assert factors(app) == []
    assert client.post("/sign-in/enrol", data={"new_key": "1"}).status_code == 400  # no CSRF
    assert factors(app) == []
    made = client.post("/sign-in/enrol", data={"new_key": "1", "csrf_token": csrf_from(start.text)})
    assert made.headers["Location"] == "/sign-in/enrol"
    page = client.get("/sign-in/enrol")
    first = shown_secret(page.text)
    [(first_id, _)] = factors(app)
    # "Make a new key" replaces the pending one: the old key stops working, the new one works.
    client.post("/sign-in/enrol", data={"new_key": "1", "csrf_token": csrf_from(page.text)})
    page = client.get("/sign-in/enrol")
    second = shown_secret(page.text)
    [(second_id, _)] = factors(app)
    assert second != first
    assert second_id != first_id
    refused = client.post(
        "/sign-in/enrol",
        data={"code": pyotp.TOTP(first).now(), "csrf_token": csrf_from(page.text)},
    )
    assert 'class="totp-secret"' in refused.text
    confirmed = client.post(
        "/sign-in/enrol",
        data={"code": pyotp.TOTP(second).now(), "csrf_token": csrf_from(page.text)},
    )
    assert '<ul class="recovery-codes">' in confirmed.text
    assert client.get("/account").status_code == 200


def test_a_new_session_id_on_sign_in(app, client, make_user):
    user = make_user()
    client.get("/sign-in")
    before = client.get_cookie("session").value
    sign_in(app, client, user)
    after = client.get_cookie("session").value
    assert before != after
    with client.session_transaction() as session:
        assert set(session) <= {"sid", "csrf_token", "_fresh", "_flashes"}


def test_missing_or_forged_csrf_token_changes_nothing(app, client, make_user):
    user = make_user()
    missing = client.post("/sign-in", data={"email": user.email, "password": user.password})
    forged = client.post(
        "/sign-in", data={"email": user.email, "password": user.password, "csrf_token": "forged"}
    )
    assert missing.status_code == forged.status_code == 400
    assert audit_actions(app) == []


def test_a_tampered_session_cookie_is_anonymous(app, client, make_user):
    user = make_user()
    sign_in(app, client, user)
    value = client.get_cookie("session").value
    client.set_cookie("session", value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
    assert client.get("/account").status_code == 302


def test_sign_out_ends_the_session_server_side(app, client, make_user):
    user = make_user()
    sign_in(app, client, user)
    stolen = client.get_cookie("session").value
    page = client.get("/account")
    client.post("/sign-out", data={"csrf_token": csrf_from(page.text)})
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/account").status_code == 302


@pytest.mark.parametrize(("role", "idle_minutes"), [("investigator", 15), ("school_staff", 30)])
def test_idle_timeout_per_role(app, make_user, signed_in, role, idle_minutes):
    from datetime import timedelta

    from schoolalert.accounts.models import UserSession

    user = make_user(role)
    client = signed_in(user)

    def idle_for(minutes):
        with app.app_context():
            row = db.session.scalars(select(UserSession)).one()
            row.last_seen_at = row.last_seen_at - timedelta(minutes=minutes)
            db.session.commit()

    idle_for(idle_minutes - 1)
    assert client.get("/account").status_code == 200
    idle_for(idle_minutes + 1)
    assert client.get("/account").status_code == 302


def test_absolute_session_limit_of_twelve_hours(app, make_user, signed_in):
    from datetime import timedelta

    from schoolalert.accounts.models import UserSession

    client = signed_in(make_user("school_staff"))
    with app.app_context():
        row = db.session.scalars(select(UserSession)).one()
        row.created_at = row.created_at - timedelta(hours=12, minutes=1)
        db.session.commit()
    assert client.get("/account").status_code == 302


def test_sign_out_everywhere_ends_other_sessions(app, make_user, signed_in):
    user = make_user()
    laptop, phone = signed_in(user), signed_in(user)
    page = laptop.get("/account")
    laptop.post("/account/sessions/end-all", data={"csrf_token": csrf_from(page.text)})
    assert phone.get("/account").status_code == 302
    assert laptop.get("/account").status_code == 302


def test_a_deactivated_users_cookie_and_token_stop_working(app, make_user, signed_in, bearer):
    admin = make_user("admin")
    user = make_user("investigator")
    client, headers = signed_in(user), bearer(user)
    admin_client = signed_in(admin)
    page = admin_client.get(f"/admin/users/{user.id}")
    response = admin_client.post(
        f"/admin/users/{user.id}/deactivate",
        data={"csrf_token": csrf_from(page.text), "confirmed": "yes"},
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 302
    assert client.get("/api/v1/audit", headers=headers).status_code == 401
    assert post_password(app.test_client(), user.email, user.password).status_code == 401
    with app.app_context():
        assert not db.session.get(User, user.id).active


def test_rapid_attempts_are_throttled_then_the_right_user_gets_in(app, client, make_user):
    app.config["LIMIT_SIGN_IN_ACCOUNT"] = "5 per 2 seconds"
    app.config["LIMIT_SIGN_IN_ADDRESS"] = "8 per 2 seconds"
    user = make_user()
    statuses = [
        post_password(client, user.email, f"guess number {n}").status_code for n in range(100)
    ]
    assert statuses[:5] == [401] * 5
    assert statuses[-1] == 429
    throttled = post_password(client, user.email, user.password)
    assert throttled.status_code == 429
    # Whole seconds until the 2-second window resets, rounded down: 0 in its last second.
    assert 0 <= int(throttled.headers["Retry-After"]) <= 2
    time.sleep(2.1)
    sign_in(app, client, user)
    assert client.get("/account").status_code == 200
