"""What the core offers plugins beyond the first hooks: API blueprints under /api/v1, plugin
mail kinds (also to an address that is not a user), the staff alert API slot, the retention run,
the staff events and the page slots — each through a plugin installed by its entry point."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

import schoolalert.plugins as plugin_module
from schoolalert import create_app
from schoolalert.events import AlertViewed, ResponseReceived
from schoolalert.extensions import db, limiter
from schoolalert.notifications import plugin_mail
from schoolalert.plugin_admin import services
from schoolalert.plugins import ENTRY_POINT_GROUP
from schoolalert.transaction import commit
from tests.alerts.conftest import Web, World
from tests.alerts.participation import accept_statement, grant
from tests.conftest import delete_redis_keys, truncate_all
from tests.core import offering_plugin

NAME = "offering"


@pytest.fixture
def app(app_config, monkeypatch):
    """The test app with the offering plugin installed (disabled until a test enables it)."""
    found = plugin_module.discover()
    monkeypatch.setattr(
        plugin_module,
        "discover",
        lambda: [
            *found,
            EntryPoint(name=NAME, value="tests.core.offering_plugin", group=ENTRY_POINT_GROUP),
        ],
    )
    offering_plugin.SEEN.clear()
    offering_plugin.ERASED.clear()
    application = create_app(app_config)
    yield application
    if application.config["REDIS_URL"]:
        truncate_all(application)
        delete_redis_keys(application.config["REDIS_URL"], application.config["RQ_QUEUE"])
        delete_redis_keys(application.config["REDIS_URL"], limiter._key_prefix)
    else:
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def web(signed_in) -> Web:
    return Web(signed_in)


def enable(app, enabled=True):
    with app.app_context():
        services.set_enabled(app.extensions["schoolalert.plugins"], NAME, enabled, actor=None)
        commit()


@pytest.fixture
def world(app, client, bearer, make_user, make_board, make_school) -> World:
    board = make_board()
    schools = [make_school(board, municipality="GM0363", pc4="1011")]
    other = make_school(board, municipality="GM0344", pc4="3511")
    for school in (*schools, other):
        grant(app, school)
    staff = [make_user("school_staff", school_id=schools[0].id)]
    outsider = make_user("school_staff", school_id=other.id)
    for user in (*staff, outsider):
        accept_statement(app, user)
    return World(
        app=app,
        client=client,
        headers=bearer,
        investigator=make_user("investigator"),
        prosecutor=make_user("prosecutor"),
        schools=schools,
        staff=staff,
        outsider_school=other,
        outsider=outsider,
    )


def test_hook_register_api_blueprints_mounts_under_api_v1_with_tokens_and_the_gate(
    app, client, bearer, make_user
):
    admin, investigator = make_user("admin"), make_user("investigator")
    assert client.get("/api/v1/offering/things/1", headers=bearer(admin)).status_code == 404
    enable(app)
    assert client.get("/api/v1/offering/things/1").status_code == 401
    assert client.get("/api/v1/offering/things/1", headers=bearer(investigator)).status_code == 403
    response = client.get("/api/v1/offering/things/1", headers=bearer(admin))
    assert response.status_code == 200
    assert response.json == {"id": 1, "user": admin.id}
    missing = client.get("/api/v1/offering/things/2", headers=bearer(admin))
    assert missing.status_code == 404
    assert missing.json["error"]["code"] == "not_found"
    # A prefix of its own on a core resource, with the core's JSON body handling.
    echo = client.post("/api/v1/alerts/7/echo", json={"a": 1}, headers=bearer(investigator))
    assert echo.status_code == 201
    assert echo.json == {"alert": 7, "body": {"a": 1}}
    bad = client.post("/api/v1/alerts/7/echo", data="x", headers=bearer(investigator))
    assert bad.status_code == 415
    enable(app, False)
    assert client.get("/api/v1/offering/things/1", headers=bearer(admin)).status_code == 404


def test_plugin_api_operations_are_in_the_openapi_document(app, client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert paths["/offering/things/{thing_id}"]["get"]["summary"] == "A thing"
    assert paths["/offering/things/{thing_id}"]["get"]["security"] == [{"bearer": []}]
    assert "post" in paths["/alerts/{alert_id}/echo"]


@pytest.mark.parametrize("target", ["OUTSIDE_API", "SHADOWING_API"])
def test_a_plugin_api_prefix_outside_api_v1_or_over_a_core_route_stops_start_up(
    app_config, monkeypatch, target
):
    found = plugin_module.discover()
    bad = EntryPoint(
        name="bad", value=f"tests.core.offering_plugin:{target}", group=ENTRY_POINT_GROUP
    )
    monkeypatch.setattr(plugin_module, "discover", lambda: [*found, bad])
    with pytest.raises(ValueError, match="bad"):
        create_app(app_config)


def test_hook_register_notification_kinds_mail_to_an_address_and_to_users(
    app, mailbox, make_user, run_jobs
):
    enable(app)
    user = make_user("admin", email="beheer@example.org")
    with app.test_request_context():
        plugin_mail.mail_address("offering.hello", "Team@Example.org", {"url": "https://x/1"})
        plugin_mail.mail_users("offering.hello", [user.id], {"url": "https://x/2"}, key="k")
        plugin_mail.mail_users("offering.hello", [user.id], {"url": "https://x/2"}, key="k")
        commit()
    run_jobs()
    messages = mailbox()
    assert sorted(message["To"] for message in messages) == [
        "Team@example.org",
        "beheer@example.org",
    ]
    assert all(message["Subject"] == "Hello" for message in messages)
    assert {message.get_content().strip() for message in messages} == {
        "Look here: https://x/1",
        "Look here: https://x/2",
    }
    with app.test_request_context(), pytest.raises(plugin_mail.UnknownNotificationKind):
        plugin_mail.mail_address("offering.nope", "team@example.org", {})
    with app.test_request_context(), pytest.raises(ValueError, match="not a mail address"):
        plugin_mail.mail_address("offering.hello", "not an address", {})


def test_mail_of_a_disabled_plugins_kind_is_not_sent(app, mailbox, run_jobs):
    enable(app)
    with app.test_request_context():
        plugin_mail.mail_address("offering.hello", "team@example.org", {"url": "u"})
        services.set_enabled(app.extensions["schoolalert.plugins"], NAME, False, actor=None)
        app.extensions["schoolalert.plugins"].forget_enabled_state()
        commit()
    run_jobs()
    assert mailbox() == []


def test_hook_staff_alert_api_adds_plugin_fields_to_the_staff_alert(app, world):
    alert_id = world.published()
    staff = world.staff[0]
    assert world.staff_alert(alert_id, staff).json["plugins"] == {}
    enable(app)
    answer = world.staff_alert(alert_id, staff).json
    assert answer["plugins"] == {NAME: {"seen_by": staff.id, "alert": alert_id}}
    assert world.staff_alert(alert_id, world.outsider).status_code == 404


def test_hook_track_event_staff_viewing_and_answering_are_events(app, world, web):
    alert_id = world.published()
    enable(app)
    staff = world.staff[0]
    assert world.staff_alert(alert_id, staff).status_code == 200
    web.get(staff, f"/portal/alerts/{alert_id}")
    response = world.api(
        "POST", f"/me/alerts/{alert_id}/response", staff, json={"kind": "not_recognised"}
    )
    assert response.status_code == 201
    viewed = [event for event in offering_plugin.SEEN if isinstance(event, AlertViewed)]
    assert [(e.alert_id, e.actor_id, e.school_id) for e in viewed] == [
        (alert_id, staff.id, world.schools[0].id)
    ] * 2
    answered = [event for event in offering_plugin.SEEN if isinstance(event, ResponseReceived)]
    assert [(e.alert_id, e.kind) for e in answered] == [(alert_id, "not_recognised")]
    # Another school's staff cannot open it: no event.
    assert world.staff_alert(alert_id, world.outsider).status_code == 404
    assert len([e for e in offering_plugin.SEEN if isinstance(e, AlertViewed)]) == 2


def test_hook_retention_is_called_by_the_retention_run(app, runner):
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    assert offering_plugin.ERASED == []
    enable(app)
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    assert "offering: erased 3 record(s)" in result.output
    assert len(offering_plugin.ERASED) == 1


def test_hook_template_slot_staff_list_briefing_admin_user_and_ended_mail(
    app, world, web, make_user, mailbox, run_jobs
):
    enable(app)
    staff = world.staff[0]
    assert f'<p id="slot-list">{staff.id}</p>' in web.get(staff, "/portal").text
    assert '<p id="slot-briefing">support here</p>' in web.get(staff, "/briefing").text
    admin = make_user("admin")
    page = web.get(admin, f"/admin/users/{staff.id}").text
    assert f'<p id="slot-admin-user">{staff.id}</p>' in page
    alert_id = world.published()
    run_jobs()  # only staff who were told of the alert are told that it ended
    world.staff_alert(alert_id, staff)
    response = world.api(
        "POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "withdrawn"}
    )
    assert response.status_code == 200, response.json
    run_jobs()
    ended = [m for m in mailbox() if "ENDED-SLOT" in m.get_content()]
    assert ended
    assert f"ENDED-SLOT {alert_id}" in ended[0].get_content()
