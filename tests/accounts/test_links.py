"""Invitations and password resets: single use, expiring, hashed, never past the second factor."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from schoolalert.accounts.models import OneTimeLink, User
from schoolalert.extensions import db
from schoolalert.tasks.models import OutboxMessage
from tests.factories import csrf_from, sign_in

NEW_PASSWORD = "a brand new passphrase for school"


def link_from(mailbox, index=-1) -> str:
    body = mailbox()[index].get_content()
    return re.search(r"https://schoolalert\.test(/\S+)", body).group(1)


def set_password(client, path, password=NEW_PASSWORD):
    page = client.get(path)
    if page.status_code != 200:
        return page
    return client.post(
        path, data={"password": password, "confirm": password, "csrf_token": csrf_from(page.text)}
    )


def invite(app, make_user, signed_in, run_jobs, email="new.colleague@politie.example"):
    admin_client = signed_in(make_user("admin"))
    page = admin_client.get("/admin/users/invite")
    response = admin_client.post(
        "/admin/users/invite",
        data={
            "name": "New Colleague",
            "email": email,
            "role": "investigator",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 302, response.text
    run_jobs()


def test_an_invited_user_chooses_a_password_then_enrols(
    app, make_user, signed_in, run_jobs, mailbox
):
    invite(app, make_user, signed_in, run_jobs)
    message = mailbox()[-1]
    assert message["To"] == "new.colleague@politie.example"
    path = link_from(mailbox)
    client = app.test_client()
    page = client.get(path)
    assert 'id="invitation-facts"' in page.text
    assert "(Nederlandse tijd)" in page.text
    # Straight on to setting up the second factor, not to a prompt for a code there is none of.
    assert set_password(client, path).headers["Location"] == "/sign-in/enrol"
    enrol = client.get("/sign-in/enrol")
    assert 'class="totp-secret"' in enrol.text
    assert client.get("/account").status_code == 302  # not signed in without the second factor


def test_the_token_is_only_in_the_mail(app, make_user, signed_in, run_jobs, mailbox, caplog):
    invite(app, make_user, signed_in, run_jobs)
    token = link_from(mailbox).rsplit("/", 1)[1]
    with app.app_context():
        outbox = db.session.scalars(select(OutboxMessage.payload)).all()
        link = db.session.scalars(select(OneTimeLink)).one()
    assert token not in str(outbox)
    assert link.token_hash != token
    assert len(link.token_hash) == 64
    assert token not in caplog.text


def test_a_link_works_once(app, make_user, signed_in, run_jobs, mailbox):
    invite(app, make_user, signed_in, run_jobs)
    path = link_from(mailbox)
    assert set_password(app.test_client(), path).status_code == 302
    assert set_password(app.test_client(), path, "another long passphrase x").status_code == 404


def test_an_expired_link_does_not_work(app, make_user, signed_in, run_jobs, mailbox):
    invite(app, make_user, signed_in, run_jobs)
    with app.app_context():
        for link in db.session.scalars(select(OneTimeLink)):
            link.expires_at = link.created_at + timedelta(hours=72) - timedelta(hours=73)
        db.session.commit()
    response = set_password(app.test_client(), link_from(mailbox))
    assert response.status_code == 404
    assert "werkt niet" in response.text


def test_invitations_last_72_hours_and_resets_one_hour(app, make_user, signed_in, run_jobs):
    invite(app, make_user, signed_in, run_jobs)
    user = make_user()
    client = app.test_client()
    page = client.get("/password-reset")
    client.post("/password-reset", data={"email": user.email, "csrf_token": csrf_from(page.text)})
    run_jobs()
    with app.app_context():
        rows = db.session.scalars(select(OneTimeLink).order_by(OneTimeLink.id)).all()
        lifetimes = [row.expires_at - row.created_at for row in rows]
    assert [round(t.total_seconds() / 3600) for t in lifetimes] == [72, 1]


def test_a_reset_keeps_the_second_factor_and_ends_sessions(
    app, make_user, signed_in, run_jobs, mailbox
):
    user = make_user()
    old_session = signed_in(user)
    client = app.test_client()
    page = client.get("/password-reset")
    response = client.post(
        "/password-reset", data={"email": user.email, "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 302
    run_jobs()
    assert set_password(client, link_from(mailbox)).headers["Location"] == "/sign-in/code"
    assert old_session.get("/account").status_code == 302  # ended by the new password
    user.password = NEW_PASSWORD
    fresh = app.test_client()
    page = fresh.get("/sign-in")
    step = fresh.post(
        "/sign-in",
        data={"email": user.email, "password": NEW_PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert step.headers["Location"] == "/sign-in/code"
    sign_in(app, fresh, user)


def test_reset_requests_do_not_reveal_accounts(app, client, make_user, run_jobs, mailbox):
    user = make_user()
    answers = []
    for email in (user.email, "nobody@example.org"):
        page = client.get("/password-reset")
        response = client.post(
            "/password-reset", data={"email": email, "csrf_token": csrf_from(page.text)}
        )
        answers.append((response.status_code, response.headers.get("Location")))
    run_jobs()
    assert answers[0] == answers[1]
    assert [message["To"] for message in mailbox()] == [user.email]


def test_a_deactivated_users_link_is_void(app, make_user, signed_in, run_jobs, mailbox):
    from schoolalert.accounts import services

    invite(app, make_user, signed_in, run_jobs)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new.colleague@politie.example"))
        services.deactivate_user(None, user)
        db.session.commit()
    assert set_password(app.test_client(), link_from(mailbox)).status_code == 404


def test_the_invitation_names_the_board_and_gives_dutch_time(app, make_user, run_jobs, mailbox):
    from zoneinfo import ZoneInfo

    from schoolalert.accounts import links
    from schoolalert.accounts.models import LinkPurpose
    from schoolalert.schools.models import Board
    from schoolalert.transaction import unit_of_work

    with app.app_context():
        board = Board(number="41234", name="Stichting De Regenboog")
        db.session.add(board)
        db.session.commit()
        board_id = board.id
    inviter = make_user("board_admin", board_id=board_id)
    invited = make_user("board_admin", board_id=board_id, password=None, totp=False)
    with app.app_context(), unit_of_work():
        link = links.create_link(
            db.session.get(User, invited.id),
            LinkPurpose.INVITATION,
            created_by=db.session.get(User, inviter.id),
        )
        expires = link.expires_at
    run_jobs()
    body = mailbox()[-1].get_content()
    assert "Stichting De Regenboog heeft een account" in body
    local = expires.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("Europe/Amsterdam"))
    assert local.strftime("%H:%M") in body
    assert "(Nederlandse tijd)" in body
    assert "UTC" not in body
