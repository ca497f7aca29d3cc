"""Staff: invitation and deactivation by their board admin, the briefing and the statement."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from schoolalert.accounts import services as accounts
from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role
from schoolalert.audit.models import AuditEvent
from schoolalert.consent import agreements, eligibility, participation, staff
from schoolalert.consent.models import StaffAgreement
from schoolalert.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from schoolalert.extensions import db
from schoolalert.schools.models import School
from tests.factories import csrf_from


def eligible_ids(app) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(User.id).where(eligibility.eligible_staff_clause())))


def accepted(app, user) -> bool:
    with app.app_context():
        return agreements.has_accepted_current_statement(db.session.get(User, user.id))


def test_staff_qualify_only_after_accepting_the_current_statement(
    app, setup, make_user, publish, accept, act
):
    act(participation.grant, setup.admin, setup.board, schools="all", terms_version=publish())
    member = make_user("school_staff", school_id=setup.schools[0].id)
    assert not accepted(app, member)  # no statement published yet
    version = publish("confidentiality")
    assert not accepted(app, member)
    assert member.id not in eligible_ids(app)
    accept(member, version)
    assert accepted(app, member)
    assert eligible_ids(app) == {member.id}

    publish("confidentiality", requires_reacceptance=False)
    assert eligible_ids(app) == {member.id}
    publish("confidentiality", requires_reacceptance=True)
    assert not accepted(app, member)
    assert eligible_ids(app) == set()
    accept(member, 3)
    assert eligible_ids(app) == {member.id}


def test_inactive_staff_and_other_roles_are_not_eligible(app, setup, make_user, publish, accept):
    version = publish("confidentiality")
    gone = make_user("school_staff", school_id=setup.schools[0].id, active=False)
    accept(gone, version)
    make_user("investigator")
    assert eligible_ids(app) == set()


def test_staff_without_a_second_factor_or_participation_are_not_eligible(
    app, setup, make_user, publish, accept, act
):
    """The same rule decides who sees alerts and who is notified of them (PRODUCT I1)."""
    version = publish("confidentiality")
    member = make_user("school_staff", school_id=setup.schools[0].id)
    unenrolled = make_user("school_staff", school_id=setup.schools[0].id, totp=False)
    accept(member, version)
    accept(unenrolled, version)
    assert eligible_ids(app) == set()  # the location does not participate yet
    act(participation.grant, setup.admin, setup.board, schools="all", terms_version=publish())
    assert eligible_ids(app) == {member.id}
    with app.app_context():
        assert eligibility.staff_may_see_alerts(db.session.get(User, member.id))
        assert not eligibility.staff_may_see_alerts(db.session.get(User, unenrolled.id))


def test_accepting_is_recorded_and_refuses_old_versions(app, setup, make_user, publish, accept):
    member = make_user("school_staff", school_id=setup.schools[0].id)
    publish("confidentiality")
    publish("confidentiality")
    with pytest.raises(Conflict, match="outdated"):
        accept(member, 1)
    accept(member, 2)
    accept(member, 2)  # again: nothing new
    with app.app_context():
        assert (
            db.session.scalar(select(StaffAgreement.id).where(StaffAgreement.user_id == member.id))
            is not None
        )
        entries = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "agreement.accepted")
        ).all()
        assert [(e.actor_id, e.details["version"]) for e in entries] == [(member.id, 2)]


def test_only_staff_accept_the_statement(app, setup, publish, accept):
    version = publish("confidentiality")
    with pytest.raises(PermissionDenied):
        accept(setup.admin, version)


def test_the_briefing_page_records_acceptance(app, setup, make_user, publish, signed_in):
    member = make_user("school_staff", school_id=setup.schools[0].id)
    publish("confidentiality")
    with app.app_context():
        assert agreements.briefing_required(db.session.get(User, member.id))
    client = signed_in(member)
    page = client.get("/briefing?next=/account")
    assert page.status_code == 200
    assert "Confronteer het kind of de familie nooit" in page.text
    assert "The confidentiality terms." in page.text
    token = csrf_from(page.text)
    refused = client.post(
        "/briefing",
        data={"csrf_token": token, "terms_version": "1", "next": "/account", "accept": "y"},
    )
    assert refused.status_code == 200  # the briefing box was not ticked
    assert not accepted(app, member)
    done = client.post(
        "/briefing",
        data={
            "csrf_token": token,
            "terms_version": "1",
            "next": "/account",
            "accept": "y",
            "read_briefing": "y",
        },
    )
    assert done.status_code == 302
    assert done.headers["Location"] == "/account"
    assert accepted(app, member)
    with app.app_context():
        assert not agreements.briefing_required(db.session.get(User, member.id))


def test_the_briefing_is_for_staff_only(setup, signed_in):
    assert signed_in(setup.admin).get("/briefing").status_code == 403


# -- invitation and deactivation by the board admin ---------------------------------------------


def invite_page_post(client, number, data):
    page = client.get(f"/boards/{number}/staff")
    assert page.status_code == 200
    return client.post(f"/boards/{number}/staff", data={**data, "csrf_token": csrf_from(page.text)})


def test_board_admin_invites_staff_to_a_location(app, setup, signed_in, mailbox, run_jobs):
    client = signed_in(setup.admin)
    school = setup.schools[1]
    response = invite_page_post(
        client,
        setup.board.number,
        {"name": "Juf Anna", "email": "anna@school.example", "school": school.code},
    )
    assert response.status_code == 302
    run_jobs()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "anna@school.example"))
        assert (user.role, user.school_id, user.board_id) == (Role.SCHOOL_STAFF, school.id, None)
        assert user.password_hash is None
    message = next(m for m in mailbox() if m["To"] == "anna@school.example")
    assert re.search(r"https://schoolalert\.test/invitation/\S+", message.get_content())
    page = client.get(f"/boards/{setup.board.number}/staff")
    assert "anna@school.example" in page.text


def test_board_admin_cannot_invite_to_another_boards_location(
    app, setup, make_board_setup, signed_in
):
    other = make_board_setup()
    client = signed_in(setup.admin)
    response = invite_page_post(
        client,
        setup.board.number,
        {"name": "X", "email": "x@school.example", "school": other.schools[0].code},
    )
    assert response.status_code == 422
    assert client.get(f"/boards/{other.board.number}/staff").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "x@school.example")) is None
        with pytest.raises(InvalidInput):
            staff.invite_staff(
                db.session.get(User, setup.admin.id),
                db.session.get(type(setup.board), setup.board.id),
                email="x@school.example",
                name="X",
                school_code=other.schools[0].code,
            )


def test_create_user_lets_a_board_admin_create_only_own_staff(app, setup, make_board_setup):
    other = make_board_setup()
    with app.app_context():
        actor = db.session.get(User, setup.admin.id)
        with pytest.raises(PermissionDenied):
            accounts.create_user(actor, email="a@example.org", name="A", role=Role.ADMIN)
        with pytest.raises(PermissionDenied):
            accounts.create_user(
                actor,
                email="b@example.org",
                name="B",
                role=Role.SCHOOL_STAFF,
                school=db.session.get(School, other.schools[0].id),
            )
        user = accounts.create_user(
            actor,
            email="c@example.org",
            name="C",
            role=Role.SCHOOL_STAFF,
            school=db.session.get(School, setup.schools[0].id),
        )
        assert user.school_id == setup.schools[0].id


def test_board_admin_deactivates_staff_and_their_sessions_end(app, setup, make_user, signed_in):
    member = make_user("school_staff", school_id=setup.schools[0].id)
    member_client = signed_in(member)
    assert member_client.get("/account").status_code == 200
    client = signed_in(setup.admin)
    page = client.get(f"/boards/{setup.board.number}/staff")
    response = client.post(
        f"/boards/{setup.board.number}/staff/{member.id}/deactivate",
        data={"csrf_token": csrf_from(page.text), "confirmed": "yes"},
    )
    assert response.status_code == 302
    assert member_client.get("/account").status_code == 302  # back to sign-in
    with app.app_context():
        assert not db.session.get(User, member.id).active
        assert (
            db.session.scalar(
                select(AuditEvent.actor_id).where(AuditEvent.action == "user.deactivated")
            )
            == setup.admin.id
        )


def test_board_admin_cannot_deactivate_other_boards_staff(
    app, setup, make_board_setup, make_user, signed_in
):
    other = make_board_setup()
    member = make_user("school_staff", school_id=other.schools[0].id)
    client = signed_in(setup.admin)
    page = client.get(f"/boards/{setup.board.number}/staff")
    token = csrf_from(page.text)
    confirmed = {"csrf_token": token, "confirmed": "yes"}
    assert (
        client.post(
            f"/boards/{setup.board.number}/staff/{member.id}/deactivate", data=confirmed
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"/boards/{other.board.number}/staff/{member.id}/deactivate", data=confirmed
        ).status_code
        == 404
    )
    with app.app_context():
        assert db.session.get(User, member.id).active
        actor = db.session.get(User, setup.admin.id)
        with pytest.raises(NotFound):
            staff.deactivate_staff(
                actor, db.session.get(type(setup.board), setup.board.id), member.id
            )
        with pytest.raises(PermissionDenied):
            accounts.deactivate_user(actor, db.session.get(User, member.id))


def test_resending_an_invitation(app, setup, signed_in, mailbox, run_jobs):
    client = signed_in(setup.admin)
    invite_page_post(
        client,
        setup.board.number,
        {"name": "Meester Bas", "email": "bas@school.example", "school": setup.schools[0].code},
    )
    run_jobs()
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "bas@school.example"))
    page = client.get(f"/boards/{setup.board.number}/staff")
    response = client.post(
        f"/boards/{setup.board.number}/staff/{user_id}/resend",
        data={"csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 302
    run_jobs()
    assert len([m for m in mailbox() if m["To"] == "bas@school.example"]) == 2


def test_grant_lets_staff_qualify_and_withdrawal_stops_them_at_once(
    app, setup, make_user, publish, accept, act
):
    """How the alert code picks recipients: eligible staff of participating locations."""
    member = make_user("school_staff", school_id=setup.schools[0].id)
    accept(member, publish("confidentiality"))

    def recipients() -> set[int]:
        with app.app_context():
            schools = select(School.id).where(participation.participating_clause())
            return set(
                db.session.scalars(
                    select(User.id).where(
                        eligibility.eligible_staff_clause(), User.school_id.in_(schools)
                    )
                )
            )

    assert recipients() == set()
    act(
        participation.grant,
        setup.admin,
        setup.board,
        schools=[setup.schools[0].code],
        terms_version=publish(),
    )
    assert recipients() == {member.id}
    act(participation.withdraw_school, setup.admin, setup.board, setup.schools[0].code)
    assert recipients() == set()


def test_accepting_twice_at_the_same_moment_is_one_acceptance(app, make_user, publish, monkeypatch):
    version = publish("confidentiality")
    member = make_user("school_staff")
    with app.app_context():
        user = db.session.get(User, member.id)
        agreements.accept_statement(user, version)  # the other tab, committed a moment earlier
        db.session.commit()
        # This request looked before that commit and saw nothing yet.
        monkeypatch.setattr(agreements, "find_agreement", lambda *_: None)
        agreement, new = agreements.accept_statement(user, version)
        db.session.commit()
        assert new is False
        assert agreement.user_id == member.id
        assert len(db.session.scalars(select(StaffAgreement)).all()) == 1
