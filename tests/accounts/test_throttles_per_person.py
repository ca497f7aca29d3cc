"""Throttles per person: every spelling of an address and every client address share one
sign-in counter, and wrong second-factor codes lock the account well before 100 (NIST SP
800-63B 5.2.2) until a board admin or an administrator lifts the lock."""

from __future__ import annotations

import pyotp
from sqlalchemy import select

from schoolalert.accounts.models import User
from schoolalert.audit.models import AuditEvent
from schoolalert.extensions import db
from tests.factories import csrf_from, fresh_code, sign_in


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" and c not in "@." else c for c in text)


def post_password(app, email: str, password: str, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    page = client.get("/sign-in")
    return client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
    )


def token(client, email: str, password: str, otp: str, address: str):
    return client.post(
        "/api/v1/auth/token",
        json={"email": email, "password": password, "otp": otp},
        environ_base={"REMOTE_ADDR": address},
    )


def test_spellings_and_client_addresses_share_one_account_counter(app, make_user):
    app.config["LIMIT_SIGN_IN_ACCOUNT"] = "4 per minute"
    user = make_user(email="officier@om.example")
    local, domain = user.email.split("@")
    spellings = [
        user.email,
        user.email.upper(),
        f"{local}@{fullwidth(domain)}",
        f" {local}@{domain.upper()} ",
        f"{local}@{fullwidth(domain).upper()}",
    ]
    statuses = [
        post_password(app, spelling, f"wrong guess {n}", f"10.0.0.{n}").status_code
        for n, spelling in enumerate(spellings)
    ]
    assert statuses == [401, 401, 401, 401, 429]
    # the right password, in yet another spelling and from another address, waits as well
    assert post_password(app, spellings[2], user.password, "10.0.9.9").status_code == 429
    # the token endpoint has its own budget per account, shared the same way
    client = app.test_client()
    answers = [
        token(client, spelling, "wrong", "000000", f"10.1.0.{n}").status_code
        for n, spelling in enumerate(spellings)
    ]
    assert answers == [401, 401, 401, 401, 429]


def test_wrong_codes_lock_the_account_across_addresses_until_the_board_admin_lifts_it(
    app, client, make_user, make_board, make_school, signed_in, mailbox, run_jobs
):
    app.config["LIMIT_SIGN_IN_ACCOUNT"] = "1000 per minute"
    app.config["LIMIT_SIGN_IN_ADDRESS"] = "1000 per minute"
    app.config["LIMIT_SECOND_FACTOR"] = "1000 per minute"
    limit = app.config["SECOND_FACTOR_MAX_FAILURES"]
    assert limit < 100
    board = make_board()
    school = make_school(board)
    user = make_user("school_staff", school_id=school.id)
    board_admin = make_user("board_admin", board_id=board.id)
    # three client addresses through the API, and pending web sign-ins, count together
    for n in range(limit - 1):
        wrong = f"{(int(fresh_code(app, user)) + 1) % 1_000_000:06d}"
        assert token(client, user.email, user.password, wrong, f"10.2.0.{n % 3}").status_code == 401
    web = app.test_client()
    page = web.get("/sign-in")
    web.post(
        "/sign-in",
        data={"email": user.email, "password": user.password, "csrf_token": csrf_from(page.text)},
    )
    page = web.get("/sign-in/code")
    locked = web.post("/sign-in/code", data={"code": "000000", "csrf_token": csrf_from(page.text)})
    assert locked.status_code == 401
    assert "geblokkeerd" in locked.text
    # now even the right code is refused, on every channel
    right = token(client, user.email, user.password, fresh_code(app, user), "10.2.9.9")
    assert right.status_code == 401
    with app.app_context():
        row = db.session.get(User, user.id)
        assert row.second_factor_locked_at is not None
        assert db.session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.action == "user.second_factor_locked",
                AuditEvent.object_id == str(user.id),
            )
        )
    run_jobs()
    notices = [m for m in mailbox() if m["To"] == user.email]
    assert len(notices) == 1
    assert "geblokkeerd" in notices[0]["Subject"] or "geblokkeerd" in notices[0].get_content()

    # another board's admin cannot lift it; the user's own board admin can (audited)
    other_admin = make_user("board_admin", board_id=make_board().id)
    other = signed_in(other_admin)
    page = other.get(f"/boards/{board.number}/staff")
    assert page.status_code == 404
    admin_client = signed_in(board_admin)
    page = admin_client.get(f"/boards/{board.number}/staff")
    assert f"/staff/{user.id}/unlock" in page.text
    lifted = admin_client.post(
        f"/boards/{board.number}/staff/{user.id}/unlock",
        data={"csrf_token": csrf_from(page.text)},
    )
    assert lifted.status_code == 302
    with app.app_context():
        row = db.session.get(User, user.id)
        assert row.second_factor_locked_at is None
        assert row.second_factor_failures == 0
        assert (
            db.session.scalar(
                select(AuditEvent.actor_id).where(
                    AuditEvent.action == "user.second_factor_unlocked"
                )
            )
            == board_admin.id
        )
    sign_in(app, app.test_client(), user)


def test_an_administrator_lifts_a_lock_from_the_user_page(app, client, make_user, signed_in):
    app.config["LIMIT_SIGN_IN_ACCOUNT"] = "1000 per minute"
    app.config["LIMIT_SIGN_IN_ADDRESS"] = "1000 per minute"
    user = make_user("investigator")
    for _ in range(app.config["SECOND_FACTOR_MAX_FAILURES"]):
        token(client, user.email, user.password, "not a code", "10.3.0.1")
    assert (
        token(client, user.email, user.password, fresh_code(app, user), "10.3.0.1").status_code
        == 401
    )
    admin = signed_in(make_user("admin"))
    page = admin.get(f"/admin/users/{user.id}")
    assert 'id="second-factor-locked"' in page.text
    response = admin.post(
        f"/admin/users/{user.id}/unlock-second-factor", data={"csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 302
    assert 'id="second-factor-locked"' not in admin.get(f"/admin/users/{user.id}").text
    code = pyotp.TOTP(user.totp_secret).now()
    assert token(client, user.email, user.password, code, "10.3.0.1").status_code == 200
