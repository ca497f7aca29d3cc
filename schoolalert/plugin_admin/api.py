"""``/api/v1/plugins``: list installed plugins and switch them (admin)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app
from werkzeug.wrappers import Response

from schoolalert.accounts.auth import signed_in_user
from schoolalert.api import answer, document
from schoolalert.plugin_admin import services
from schoolalert.plugins import PluginError
from schoolalert.validation import ResponseModel
from schoolalert.web.errors import ApiError

bp = Blueprint("plugins", __name__, url_prefix="/plugins")

PLUGIN_STATE = {
    200: "the plugin's state: name, enabled, version, summary, locked",
    404: "no such plugin",
    409: "the state is fixed by SCHOOLALERT_PLUGINS_ENABLED",
}


class PluginState(ResponseModel):
    name: str
    enabled: bool
    version: str | None
    summary: str
    locked: bool


class PluginStates(ResponseModel):
    plugins: list[PluginState]


@bp.get("")
@document(
    summary="Installed plugins and whether each is enabled",
    tags=["plugins"],
    response_model=PluginStates,
)
def list_plugins() -> tuple[Response, int]:
    plugins = current_app.extensions["schoolalert.plugins"]
    states = [status_json(status) for status in services.list_plugins(plugins)]
    return answer(PluginStates, {"plugins": states})


@bp.post("/<name>/enable")
@document(
    summary="Enable a plugin for every process",
    tags=["plugins"],
    responses=PLUGIN_STATE,
    response_model=PluginState,
)
def enable_plugin(name: str) -> tuple[Response, int]:
    return _switch(name, enabled=True)


@bp.post("/<name>/disable")
@document(
    summary="Disable a plugin for every process",
    tags=["plugins"],
    responses=PLUGIN_STATE,
    response_model=PluginState,
)
def disable_plugin(name: str) -> tuple[Response, int]:
    return _switch(name, enabled=False)


def _switch(name: str, *, enabled: bool) -> tuple[Response, int]:
    plugins = current_app.extensions["schoolalert.plugins"]
    if name not in plugins.installed:
        raise ApiError(404, "not_found", f"no plugin named {name!r} is installed")
    try:
        status = services.set_enabled(plugins, name, enabled, actor=signed_in_user())
    except services.PluginStateLocked as error:
        raise ApiError(409, "conflict", str(error)) from None
    except PluginError as error:
        raise ApiError(422, "unprocessable", str(error)) from None
    return answer(PluginState, status_json(status))


def status_json(status: services.PluginStatus) -> dict[str, Any]:
    return {
        "name": status.name,
        "enabled": status.enabled,
        "version": status.version,
        "summary": status.summary,
        "locked": status.locked,
    }
