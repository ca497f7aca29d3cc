"""The administrators' settings page: the largest radius, stored as plugin settings, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from plugins.regional.settings import current_settings
from schoolalert.audit.models import AuditEvent
from schoolalert.extensions import db
from schoolalert.plugin_admin.services import plugin_settings
from tests.factories import csrf_from

URL = "/plugins/regional/settings"


def settings_events(app) -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "plugin.settings_changed")
        ).all()
        db.session.expunge_all()
        return list(events)


@pytest.fixture
def admin(regional, signed_in):
    user = regional.extra["make_user"]("admin")
    client = signed_in(user)
    client.user = user
    return client


def test_an_administrator_changes_the_largest_radius(regional, admin):
    page = admin.get(URL)
    assert page.status_code == 200
    assert 'name="max_radius_km"' in page.text
    assert 'value="50"' in page.text
    response = admin.post(URL, data={"max_radius_km": "80", "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    assert response.headers["Location"] == URL
    with regional.app.app_context():
        assert plugin_settings("regional") == {"max_radius_km": 80}
        assert current_settings().max_radius_km == 80
    [event] = settings_events(regional.app)
    assert (event.actor_id, event.object_type, event.object_id) == (
        admin.user.id,
        "plugin",
        "regional",
    )
    assert event.details == {"before": {"max_radius_km": 50}, "after": {"max_radius_km": 80}}
    assert 'value="80"' in admin.get(URL).text
    circle = {"lat": 52.3731, "lon": 4.8922, "km": 80}
    assert regional.preview({"radius": circle}).status_code == 200
    assert regional.preview({"radius": circle | {"km": 81}}).status_code == 422


@pytest.mark.parametrize("value", ["0", "301", "-5", "abc", "", "12.5"])
def test_a_bad_value_is_refused_and_nothing_is_stored(regional, admin, value):
    page = admin.get(URL)
    response = admin.post(URL, data={"max_radius_km": value, "csrf_token": csrf_from(page.text)})
    assert response.status_code == 200
    assert 'class="error"' in response.text
    with regional.app.app_context():
        assert plugin_settings("regional") == {}
    assert settings_events(regional.app) == []


def test_a_forged_form_is_refused(regional, admin):
    admin.get(URL)
    response = admin.post(URL, data={"max_radius_km": "200"})
    assert response.status_code == 400
    with regional.app.app_context():
        assert plugin_settings("regional") == {}


def test_only_administrators_see_the_page_and_its_link(regional, signed_in):
    investigator = signed_in(regional.investigator)
    assert investigator.get(URL).status_code == 403
    page = investigator.get("/account")
    assert page.status_code == 200
    assert "Regionale selectie" not in page.text
    assert URL not in page.text
    response = regional.client.get(URL)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_damaged_settings_fall_back_to_the_default(regional):
    from schoolalert.plugin_admin.services import update_plugin_settings
    from schoolalert.transaction import commit

    with regional.app.app_context():
        manager = regional.app.extensions["schoolalert.plugins"]
        update_plugin_settings(manager, "regional", {"max_radius_km": "lots"}, actor_id=None)
        commit()
        assert current_settings().max_radius_km == 50
