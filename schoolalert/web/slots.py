"""Template slots: named places in core pages where enabled plugins add HTML."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from markupsafe import Markup, escape

from schoolalert.hookspecs import TEMPLATE_SLOTS

logger = logging.getLogger(__name__)


def template_slot(slot: str, **context: Any) -> Markup:
    """Concatenate what enabled plugins return for ``slot``; a failing plugin adds nothing."""
    if slot not in TEMPLATE_SLOTS:
        raise ValueError(f"unknown template slot {slot!r}")
    plugins = current_app.extensions["schoolalert.plugins"]
    parts = []
    for plugin, function, argnames in plugins.implementations("schoolalert_template_slot"):
        arguments = {"slot": slot, "context": context}
        try:
            html = function(**{name: arguments[name] for name in argnames})
        except Exception:
            logger.exception("plugin %s failed rendering slot %s", plugin, slot)
            continue
        if html:
            parts.append(html if isinstance(html, Markup) else escape(html))
    return Markup("").join(parts)
