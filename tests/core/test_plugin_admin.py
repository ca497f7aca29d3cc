"""Switching plugins through the API and the admin page: admins only, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from schoolalert import create_app
from schoolalert.audit.models import AuditEvent
from schoolalert.extensions import db
from tests.factories import csrf_from


def test_the_api_lists_enables_and_disables(app, client, make_user, bearer):
    admin = make_user("admin")
    headers = bearer(admin)
    listed = client.get("/api/v1/plugins", headers=headers).json["plugins"]
    example = next(plugin for plugin in listed if plugin["name"] == "example")
    assert example == {
        "name": "example",
        "enabled": False,
        "version": "1.0",
        "locked": False,
        "summary": example["summary"],
    }
    enabled = client.post("/api/v1/plugins/example/enable", headers=headers)
    assert enabled.status_code == 200
    assert enabled.json["enabled"] is True
    assert client.get("/plugins/example/counts", headers=headers).status_code != 404
    assert client.post("/api/v1/plugins/example/disable", headers=headers).json["enabled"] is False
    with app.app_context():
        entries = db.session.execute(
            select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.object_id).where(
                AuditEvent.object_type == "plugin"
            )
        ).all()
    assert entries == [
        ("plugin.enabled", admin.id, "example"),
        ("plugin.disabled", admin.id, "example"),
    ]


def test_unknown_plugins_are_404_and_other_roles_403(client, make_user, bearer):
    admin = bearer(make_user("admin"))
    assert client.post("/api/v1/plugins/nonexistent/enable", headers=admin).status_code == 404
    for role in ("investigator", "prosecutor", "board_admin", "school_staff", "support_worker"):
        headers = bearer(make_user(role))
        assert client.get("/api/v1/plugins", headers=headers).status_code == 403
        assert client.post("/api/v1/plugins/example/enable", headers=headers).status_code == 403


def test_a_fixed_state_is_a_conflict(app_config, make_user, bearer):
    locked = create_app({**app_config, "PLUGINS_ENABLED": []})
    headers = bearer(make_user("admin"))
    response = locked.test_client().post("/api/v1/plugins/example/enable", headers=headers)
    assert response.status_code == 409
    assert "SCHOOLALERT_PLUGINS_ENABLED" in response.json["error"]["message"]


@pytest.mark.parametrize("with_token", [True, False])
def test_the_admin_page_switches_with_a_csrf_token_only(app, make_user, signed_in, with_token):
    client = signed_in(make_user("admin"))
    page = client.get("/admin/plugins")
    assert "example" in page.text
    data = {"csrf_token": csrf_from(page.text)} if with_token else {}
    response = client.post("/admin/plugins/example/enable", data=data)
    assert response.status_code == (302 if with_token else 400)
    with app.app_context():
        assert app.extensions["schoolalert.plugins"].is_enabled("example") is with_token
