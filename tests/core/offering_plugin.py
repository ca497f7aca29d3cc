"""A plugin that uses the core's offerings to plugins: API blueprints, notification kinds, the
staff alert API, the retention run, events and slots (installed by tests/core/test_offerings.py)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from markupsafe import Markup

from schoolalert import hookimpl
from schoolalert.plugin_api import (
    NotFound,
    NotificationType,
    PluginApiBlueprint,
    document,
    json_body,
    signed_in_user,
)

SEEN: list = []
ERASED: list = []

api = Blueprint("things", __name__)
on_alerts = Blueprint("on_alerts", __name__)


@api.get("/things/<int:thing_id>")
@document(summary="A thing", tags=["offering"], responses={200: "the thing", 404: "unknown"})
def thing(thing_id: int):
    if thing_id != 1:
        raise NotFound("no such thing")
    return jsonify({"id": 1, "user": signed_in_user().id})


@on_alerts.post("/<int:alert_id>/echo")
@document(summary="Echo", tags=["offering"], request_body={"type": "object"})
def echo(alert_id: int):
    return jsonify({"alert": alert_id, "body": json_body()}), 201


@hookimpl
def schoolalert_register_api_blueprints(app):
    return [
        PluginApiBlueprint(api, permissions={"thing": {"admin"}}),
        PluginApiBlueprint(
            on_alerts, permissions={"echo": {"investigator"}}, url_prefix="/api/v1/alerts"
        ),
    ]


@hookimpl
def schoolalert_register_notification_kinds():
    return [
        NotificationType("offering.hello", lambda params: ("Hello", f"Look here: {params['url']}"))
    ]


@hookimpl
def schoolalert_staff_alert_api(user, alert_id):
    return {"seen_by": user.id, "alert": alert_id}


@hookimpl
def schoolalert_retention(now):
    ERASED.append(now)
    return 3


@hookimpl
def schoolalert_track_event(event):
    SEEN.append(event)


@hookimpl
def schoolalert_template_slot(slot, context):
    if slot == "staff_alert_list":
        return Markup('<p id="slot-list">{}</p>').format(context["user"].id)
    if slot == "staff_briefing":
        return Markup('<p id="slot-briefing">support here</p>')
    if slot == "alert_ended_mail":
        return f"ENDED-SLOT {context['alert_id']}"
    if slot == "admin_user":
        return Markup('<p id="slot-admin-user">{}</p>').format(context["subject_id"])
    return None


class _BadApi:
    """A plugin whose API blueprint would sit outside /api/v1 or over a core route."""

    def __init__(self, prefix: str, rule: str) -> None:
        self.blueprint = Blueprint(f"bad{len(prefix)}", __name__)
        self.blueprint.add_url_rule(rule, "view", lambda: "")
        self.prefix = prefix
        self.__file__ = __file__  # found like a module: no migrations, no translations

    @hookimpl
    def schoolalert_register_api_blueprints(self, app):
        return [PluginApiBlueprint(self.blueprint, {"view": {"admin"}}, url_prefix=self.prefix)]


OUTSIDE_API = _BadApi("/elsewhere", "/x")
SHADOWING_API = _BadApi("/api/v1/me", "/alerts")
