"""The plugin's settings, kept where the foundation keeps every plugin's settings
(``PluginState.settings``, through :mod:`schoolalert.plugin_admin.services`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from schoolalert.plugin_api import User, plugin_settings, record_audit, update_plugin_settings

NAME = "regional"
DEFAULT_MAX_RADIUS_KM = 50
COUNTRY_KM = 300  # a radius above this is larger than the country: always refused


@dataclass(frozen=True)
class RegionalSettings:
    max_radius_km: int = DEFAULT_MAX_RADIUS_KM

    def as_dict(self) -> dict[str, Any]:
        return {"max_radius_km": self.max_radius_km}


def valid_max_radius(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= COUNTRY_KM


def current_settings() -> RegionalSettings:
    """The stored settings; a missing or damaged value falls back to its default."""
    stored = plugin_settings(NAME)
    maximum = stored.get("max_radius_km", DEFAULT_MAX_RADIUS_KM)
    return RegionalSettings(
        max_radius_km=maximum if valid_max_radius(maximum) else DEFAULT_MAX_RADIUS_KM
    )


def change_settings(actor: User, new: RegionalSettings) -> RegionalSettings:
    """Store validated settings and audit the change (flushes; the caller commits)."""
    if not valid_max_radius(new.max_radius_km):
        raise ValueError(f"max_radius_km must be 1 to {COUNTRY_KM}")
    old = current_settings()
    update_plugin_settings(
        current_app.extensions["schoolalert.plugins"], NAME, new.as_dict(), actor_id=actor.id
    )
    record_audit(
        "plugin.settings_changed",
        actor=actor,
        object_type="plugin",
        object_id=NAME,
        details={"before": old.as_dict(), "after": new.as_dict()},
    )
    return new
