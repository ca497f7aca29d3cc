"""Administrators manage accounts; nobody else can, and unknown ids are 404."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from schoolalert.accounts import services
from schoolalert.accounts.models import Authenticator, User
from schoolalert.accounts.roles import Role
from schoolalert.audit.models import AuditEvent
from schoolalert.errors import Conflict, InvalidInput, PermissionDenied
from schoolalert.extensions import db
from tests.factories import csrf_from


def post(client, path, data=None):
    page = client.get("/account")
    return client.post(path, data={**(data or {}), "csrf_token": csrf_from(page.text)})


def test_admin_changes_role_and_the_users_sessions_end(app, make_user, signed_in):
    admin, user = make_user("admin"), make_user("investigator")
    user_client = signed_in(user)
    response = post(signed_in(admin), f"/admin/users/{user.id}/role", {"role": "prosecutor"})
    assert response.status_code == 302
    assert user_client.get("/account").status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).role == Role.PROSECUTOR
        entry = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "user.role_changed")
        ).one()
        assert entry.details == {"from": "investigator", "to": "prosecutor"}
        assert entry.actor_id == admin.id


def test_admin_resets_a_second_factor_and_the_user_enrols_again(app, make_user, signed_in):
    admin, user = make_user("admin"), make_user("prosecutor")
    assert post(signed_in(admin), f"/admin/users/{user.id}/reset-second-factor").status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Authenticator).filter_by(user_id=user.id)).all() == []
        assert db.session.scalar(
            select(AuditEvent.action).where(AuditEvent.action == "user.second_factor_reset")
        )
    client = app.test_client()
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"email": user.email, "password": user.password, "csrf_token": csrf_from(page.text)},
    )
    assert response.headers["Location"] == "/sign-in/enrol"


@pytest.mark.parametrize(
    "role", ["investigator", "prosecutor", "board_admin", "school_staff", "support_worker"]
)
def test_other_roles_cannot_manage_users(app, make_user, signed_in, role):
    client = signed_in(make_user(role))
    victim = make_user("investigator")
    assert client.get("/admin/users").status_code == 403
    assert post(client, f"/admin/users/{victim.id}/deactivate").status_code == 403
    with app.app_context():
        assert db.session.get(User, victim.id).active


def test_services_check_the_role_themselves(app, make_user):
    staff, victim = make_user("school_staff"), make_user("investigator")
    with app.app_context():
        actor, target = db.session.get(User, staff.id), db.session.get(User, victim.id)
        with pytest.raises(PermissionDenied):
            services.deactivate_user(actor, target)
        with pytest.raises(PermissionDenied):
            services.create_user(actor, email="x@example.org", name="X", role=Role.ADMIN)


def test_unknown_user_ids_are_404(make_user, signed_in):
    client = signed_in(make_user("admin"))
    assert client.get("/admin/users/999999").status_code == 404
    assert post(client, "/admin/users/999999/deactivate").status_code == 404


def test_admin_cannot_lock_themselves_out(app, make_user):
    admin = make_user("admin")
    with app.app_context():
        actor = db.session.get(User, admin.id)
        with pytest.raises(Conflict):
            services.deactivate_user(actor, actor)
        with pytest.raises(Conflict):
            services.change_role(actor, actor, Role.INVESTIGATOR)


def test_staff_roles_are_not_invited_by_administrators(app, make_user):
    admin = make_user("admin")
    with app.app_context(), pytest.raises(InvalidInput):
        services.invite_user(
            db.session.get(User, admin.id),
            email="t@school.example",
            name="T",
            role=Role.SCHOOL_STAFF,
        )


def test_inviting_an_existing_address_answers_like_an_invitation(app, make_user, signed_in):
    admin, existing = make_user("admin"), make_user()
    client = signed_in(admin)
    page = client.get("/admin/users/invite")
    response = client.post(
        "/admin/users/invite",
        data={
            "name": "Twin",
            "email": existing.email.upper(),
            "role": "investigator",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 302  # as for a new address: the owner gets a notice
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User)) == 2
