"""``/api/v1/plugins``: list installed plugins and switch them (admin)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from werkzeug.wrappers import Response

from schoolalert.accounts.auth import signed_in_user
from schoolalert.api.openapi import document
from schoolalert.plugin_admin import services
from schoolalert.plugins import PluginError
from schoolalert.web.errors import ApiError

bp = Blueprint("plugins", __name__, url_prefix="/plugins")

PLUGIN_STATE = {
    200: "the plugin's state: name, enabled, version, summary, locked",
    404: "no such plugin",
    409: "the state is fixed by SCHOOLALERT_PLUGINS_ENABLED",
}


@bp.get("")
@document(summary="Installed plugins and whether each is enabled", tags=["plugins"])
def list_plugins() -> Response:
    plugins = current_app.extensions["schoolalert.plugins"]
    return jsonify({"plugins": [status_json(status) for status in services.list_plugins(plugins)]})


@bp.post("/<name>/enable")
@document(summary="Enable a plugin for every process", tags=["plugins"], responses=PLUGIN_STATE)
def enable_plugin(name: str) -> Response:
    return _switch(name, enabled=True)


@bp.post("/<name>/disable")
@document(summary="Disable a plugin for every process", tags=["plugins"], responses=PLUGIN_STATE)
def disable_plugin(name: str) -> Response:
    return _switch(name, enabled=False)


def _switch(name: str, *, enabled: bool) -> Response:
    plugins = current_app.extensions["schoolalert.plugins"]
    if name not in plugins.installed:
        raise ApiError(404, "not_found", f"no plugin named {name!r} is installed")
    try:
        status = services.set_enabled(plugins, name, enabled, actor=signed_in_user())
    except services.PluginStateLocked as error:
        raise ApiError(409, "conflict", str(error)) from None
    except PluginError as error:
        raise ApiError(422, "unprocessable", str(error)) from None
    return jsonify(status_json(status))


def status_json(status: services.PluginStatus) -> dict[str, Any]:
    return {
        "name": status.name,
        "enabled": status.enabled,
        "version": status.version,
        "summary": status.summary,
        "locked": status.locked,
    }
