"""Regional targeting: reach schools by police unit, province, municipality, postcode area or
radius around a point, with a live preview of the schools reached.

This module holds the hook implementations only; see ``docs/plugins/regional.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from plugins.regional.selectors import selectors
from plugins.regional.views import PERMISSIONS, blueprint
from schoolalert import hookimpl
from schoolalert.plugin_api import PluginBlueprint, TargetingSelector

SUMMARY = _l(
    "Regional targeting: reach schools by police unit, province, municipality, "
    "postcode area or radius around a point."
)


@hookimpl
def schoolalert_register_targeting_selectors() -> list[TargetingSelector]:
    return selectors()


@hookimpl
def schoolalert_register_blueprints(app: Flask) -> list[PluginBlueprint]:
    return [PluginBlueprint(blueprint, permissions=PERMISSIONS)]


@hookimpl
def schoolalert_template_slot(slot: str, context: Mapping[str, Any]) -> Markup | None:
    user = context.get("user")
    if slot != "navigation" or not getattr(user, "is_authenticated", False):
        return None
    if user.role.value != "admin":  # type: ignore[union-attr]
        return None
    return Markup('<a href="{href}">{label}</a>').format(
        href=url_for("plugin_regional.settings"), label=_("Regional targeting")
    )
