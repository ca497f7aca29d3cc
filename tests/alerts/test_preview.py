"""The preview service: live targeting before approval, the frozen recipients after it; and
``drafting.own_draft``, which the edit page uses."""

from __future__ import annotations

import pytest

from schoolalert.accounts.models import User
from schoolalert.alerts import drafting
from schoolalert.alerts.models import Alert
from schoolalert.alerts.preview import alert_preview, targeting_preview
from schoolalert.errors import Conflict, InvalidInput, PermissionDenied
from schoolalert.extensions import db
from schoolalert.schools.models import School


def deactivate(app, school) -> None:
    with app.app_context():
        db.session.get(School, school.id).active = False
        db.session.commit()


def test_the_preview_counts_per_police_unit(world):
    with world.app.app_context():
        shown = targeting_preview({"all": True, "exclude": [world.outsider_school.code]})
    assert shown.count == 2
    assert not shown.frozen
    assert {(unit.code, unit.count) for unit in shown.units} == {("RE05", 1), ("RE07", 1)}
    assert {unit.name for unit in shown.units} == {"Amsterdam", "Rotterdam"}
    svg = str(shown.map_svg)
    faint, targeted = (
        svg.split(f'class="map-dots {layer}" d="')[1] for layer in ("map-all", "map-hit")
    )
    assert faint.split('"')[0].count("h0") == 1  # the other participating location
    assert targeted.split('"')[0].count("h0") == 2
    assert shown.others == 1


def test_a_bad_targeting_is_refused_naming_the_key(world):
    with world.app.app_context(), pytest.raises(InvalidInput) as refused:
        targeting_preview({"provinces": ["PV27"]})  # a selector of a plugin that is not on
    assert refused.value.field == "provinces"


def test_after_approval_the_frozen_recipients_are_shown(world):
    submitted = world.submitted()
    published = world.published()
    deactivate(world.app, world.schools[1])
    with world.app.app_context():
        assert alert_preview(db.session.get(Alert, submitted)).count == 1  # as it is now
        frozen = alert_preview(db.session.get(Alert, published))
    assert frozen.frozen
    assert {school.code for school in frozen.schools} == {school.code for school in world.schools}


def test_own_draft_is_for_its_creator_while_it_is_a_draft(world, make_user):
    alert_id = world.draft()
    colleague = make_user("investigator")
    with world.app.app_context():
        creator = db.session.get(User, world.investigator.id)
        assert drafting.own_draft(creator, alert_id).id == alert_id
        with pytest.raises(PermissionDenied):
            drafting.own_draft(db.session.get(User, colleague.id), alert_id)
    world.upload(alert_id)
    assert world.api("POST", f"/alerts/{alert_id}/submit", world.investigator).status_code == 200
    with world.app.app_context(), pytest.raises(Conflict):
        drafting.own_draft(db.session.get(User, world.investigator.id), alert_id)
