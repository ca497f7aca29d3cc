"""A world for the referral plugin: the plugin enabled, two participating schools in different
police units (RE05 Amsterdam, RE07 Rotterdam) with staff, support organisations with workers,
an investigator, a prosecutor and an administrator."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from plugins.referral import services
from schoolalert.extensions import db
from schoolalert.plugin_admin import services as plugin_services
from schoolalert.transaction import commit
from tests.alerts.conftest import Web, World
from tests.alerts.participation import accept_statement, grant


def enable(app, enabled=True):
    with app.app_context():
        plugin_services.set_enabled(
            app.extensions["schoolalert.plugins"], "referral", enabled, actor=None
        )
        commit()


def add_organisation(app, name, kind, regions, email):
    with app.app_context():
        organisation = services.add_organisation(
            None,
            services.OrganisationInput(
                name=name,
                kind=kind,
                regions=regions,
                email=email,
                phone="020-1234567",
                opening_hours="ma-vr 9-17",
                first_contact_hours=24,
            ),
        )
        commit()
        return organisation.id


def add_worker(app, organisation_id, user):
    with app.app_context():
        services.add_worker(None, organisation_id, user.email)
        commit()


@dataclass
class ReferralWorld(World):
    admin: object = None
    school_support: int = 0  # serves RE05 (Amsterdam)
    counselling: int = 0  # serves RE01 (not Rotterdam, not Amsterdam)
    victim_support: int = 0
    worker: object = None  # of school_support
    other_worker: object = None  # of counselling
    victim_worker: object = None
    colleague: object = None  # staff of the same school as staff[0]

    def api(self, method, path, user, *, language="en", **kwargs):
        """As ``World.api``, in English unless told (the API follows ``Accept-Language``)."""
        headers = self.headers(user) | {"Accept-Language": language}
        return self.client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    def ask(self, alert_id, user=None, **body):
        body.setdefault("urgency", "normal")
        return self.api("POST", f"/me/alerts/{alert_id}/support", user or self.staff[0], json=body)


@pytest.fixture
def web(signed_in) -> Web:
    return Web(signed_in)


@pytest.fixture
def referral(app, client, bearer, make_user, make_board, make_school) -> ReferralWorld:
    enable(app)
    board = make_board()
    amsterdam = make_school(board, municipality="GM0363", pc4="1011")
    rotterdam = make_school(board, municipality="GM0599", pc4="3011")
    outsider_school = make_school(board, municipality="GM0344", pc4="3511")
    for school in (amsterdam, rotterdam, outsider_school):
        grant(app, school)
    staff = [make_user("school_staff", school_id=s.id) for s in (amsterdam, rotterdam)]
    colleague = make_user("school_staff", school_id=amsterdam.id)
    outsider = make_user("school_staff", school_id=outsider_school.id)
    for user in (*staff, colleague, outsider):
        accept_statement(app, user)
    world = ReferralWorld(
        app=app,
        client=client,
        headers=bearer,
        investigator=make_user("investigator"),
        prosecutor=make_user("prosecutor"),
        schools=[amsterdam, rotterdam],
        staff=staff,
        outsider_school=outsider_school,
        outsider=outsider,
        admin=make_user("admin", email="beheer@schoolalert.example"),
        colleague=colleague,
    )
    world.school_support = add_organisation(
        app, "Schoolsteun Amsterdam", "school_support", ["RE05"], "steun@org.example"
    )
    world.counselling = add_organisation(
        app, "Praatpunt Noord", "counselling", ["RE01"], "praat@org.example"
    )
    world.victim_support = add_organisation(
        app, "Slachtofferzorg", "victim_support", ["RE05", "RE07"], "zorg@org.example"
    )
    world.worker = make_user("support_worker")
    world.other_worker = make_user("support_worker")
    world.victim_worker = make_user("support_worker")
    add_worker(app, world.school_support, world.worker)
    add_worker(app, world.counselling, world.other_worker)
    add_worker(app, world.victim_support, world.victim_worker)
    return world


def referral_row(app, referral_id):
    from plugins.referral.models import Referral

    with app.app_context():
        row = db.session.get(Referral, referral_id)
        db.session.expunge(row)
        return row
