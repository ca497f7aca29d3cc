"""Switching installed plugins on and off, and their settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role
from schoolalert.audit import services as audit
from schoolalert.database import utcnow
from schoolalert.errors import PermissionDenied
from schoolalert.extensions import db
from schoolalert.plugin_admin.models import PluginState
from schoolalert.plugins import PluginError, PluginManager


class PluginStateLocked(PluginError):
    """``PLUGINS_ENABLED`` fixes the state; it cannot be changed at run time."""


@dataclass(frozen=True)
class PluginStatus:
    name: str
    enabled: bool
    version: str | None
    summary: str
    locked: bool


def list_plugins(manager: PluginManager) -> list[PluginStatus]:
    enabled = manager.enabled_names()
    return [
        PluginStatus(
            name=plugin.name,
            enabled=plugin.name in enabled,
            version=plugin.version,
            summary=str(plugin.summary),
            locked=manager.forced_enabled is not None,
        )
        for plugin in sorted(manager.installed.values(), key=lambda plugin: plugin.name)
    ]


def set_enabled(
    manager: PluginManager, name: str, enabled: bool, *, actor: User | None
) -> PluginStatus:
    """Switch a plugin; effective for every process at its next request or job.

    ``actor`` None is the operator at the command line (or the demo loader)."""
    if actor is not None and actor.role != Role.ADMIN:
        raise PermissionDenied("only administrators switch plugins")
    if name not in manager.installed:
        raise PluginError(f"no plugin named {name!r} is installed")
    if manager.forced_enabled is not None:
        raise PluginStateLocked("the plugin state is fixed by SCHOOLALERT_PLUGINS_ENABLED")
    state = _state(name)
    changed = state.enabled != enabled
    state.enabled = enabled
    state.updated_at = utcnow()
    state.updated_by_id = actor.id if actor else None
    db.session.flush()
    if changed:
        audit.record(
            "plugin.enabled" if enabled else "plugin.disabled",
            actor=actor,
            object_type="plugin",
            object_id=name,
        )
    manager.forget_enabled_state()
    return next(status for status in list_plugins(manager) if status.name == name)


def plugin_settings(name: str) -> dict[str, Any]:
    state = db.session.get(PluginState, name)
    return dict(state.settings) if state and state.settings else {}


def update_plugin_settings(
    manager: PluginManager, name: str, values: dict[str, Any], *, actor_id: int | None
) -> dict[str, Any]:
    """Merge ``values`` into the plugin's settings (the plugin validates them first)."""
    if name not in manager.installed:
        raise PluginError(f"no plugin named {name!r} is installed")
    state = _state(name)
    state.settings = {**(state.settings or {}), **values}
    state.updated_at = utcnow()
    state.updated_by_id = actor_id
    db.session.flush()
    return dict(state.settings)


def _state(name: str) -> PluginState:
    state = db.session.get(PluginState, name)
    if state is None:
        state = PluginState(name=name, enabled=False, settings={})
        db.session.add(state)
    return state
