"""No enumeration: a password reset does the same work for a known and an unknown address, and
inviting an address that has an account answers like a new invitation (its owner gets a notice).
"""

from __future__ import annotations

from sqlalchemy import func, select

from schoolalert.accounts import services
from schoolalert.accounts.models import OneTimeLink, User
from schoolalert.audit.models import AuditEvent
from schoolalert.extensions import db
from schoolalert.tasks.models import OutboxMessage
from tests.factories import csrf_from


def _outbox(app) -> list[tuple[str, dict]]:
    with app.app_context():
        return [
            (row.task, row.payload)
            for row in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]


def test_a_reset_request_writes_the_same_work_for_known_and_unknown_addresses(
    app, client, make_user, run_jobs, mailbox
):
    user = make_user()
    answers = []
    for email in (user.email, "nobody@example.org"):
        page = client.get("/password-reset")
        response = client.post(
            "/password-reset", data={"email": email, "csrf_token": csrf_from(page.text)}
        )
        answers.append((response.status_code, response.headers.get("Location")))
    assert answers[0] == answers[1]
    # the request itself only queued one message each, whoever the address belongs to
    requests = [row for row in _outbox(app) if row[0] == "accounts.password_reset"]
    assert [payload for _task, payload in requests] == [
        {"email": user.email},
        {"email": "nobody@example.org"},
    ]
    run_jobs()
    assert [message["To"] for message in mailbox()] == [user.email]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OneTimeLink)) == 1


def test_a_board_admin_cannot_learn_that_an_address_has_an_account(
    app, client, setup, bearer, make_user, run_jobs, mailbox
):
    prosecutor = make_user("prosecutor", email="officier@om.example")
    url = f"/api/v1/boards/{setup.board.number}/staff"
    body = {"name": "Someone", "school": setup.schools[0].code}
    new = client.post(url, headers=bearer(setup.admin), json=body | {"email": "new@school.example"})
    known = client.post(
        url, headers=bearer(setup.admin), json=body | {"email": "OFFICIER@om.example"}
    )
    assert new.status_code == known.status_code == 202
    assert set(new.json) == set(known.json)
    assert known.json["email"] == "officier@om.example"
    run_jobs()
    to_prosecutor = [m for m in mailbox() if m["To"] == prosecutor.email]
    assert len(to_prosecutor) == 1
    assert "u heeft al een account" in to_prosecutor[0].get_content().replace("\n", " ")
    assert "http" not in to_prosecutor[0].get_content()  # a notice, no link
    with app.app_context():
        account = db.session.get(User, prosecutor.id)
        assert account.role.value == "prosecutor"
        assert account.school_id is None
        assert db.session.scalar(
            select(AuditEvent.action).where(
                AuditEvent.object_id == str(prosecutor.id),
                AuditEvent.action == "user.invited_existing",
            )
        )


def test_an_administrator_invite_of_an_existing_address_changes_nothing(app, make_user):
    admin, existing = make_user("admin"), make_user("investigator")
    with app.app_context():
        invitation = services.invite_user(
            db.session.get(User, admin.id),
            email=existing.email.upper(),
            name="Twin",
            role="prosecutor",
        )
        assert invitation.user is None
        assert invitation.email == existing.email
        db.session.commit()
        assert db.session.get(User, existing.id).role.value == "investigator"
        assert db.session.scalar(select(func.count()).select_from(User)) == 2
