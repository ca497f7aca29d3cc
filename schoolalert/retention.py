"""The retention run: the core's own erasures, then every enabled plugin's
(``schoolalert_retention``). ``schoolalert retention run`` and an hourly task call it."""

from __future__ import annotations

import logging

from flask import current_app

from schoolalert.alerts.closing import purge_expired_responses
from schoolalert.database import utcnow
from schoolalert.extensions import db

logger = logging.getLogger(__name__)


def run_retention() -> dict[str, int]:
    """Erase what is kept too long; the counts per part (``responses``, then per plugin).

    Each plugin runs in a savepoint of its own: a failing plugin is logged and rolled back, and
    neither the core's erasure nor the other plugins are stopped.
    """
    counts = {"responses": purge_expired_responses()}
    now = utcnow()
    plugins = current_app.extensions["schoolalert.plugins"]
    for plugin, function, argnames in plugins.implementations("schoolalert_retention"):
        try:
            with db.session.begin_nested():
                erased = function(**{name: {"now": now}[name] for name in argnames})
        except Exception:
            logger.exception("plugin %s failed its retention run", plugin)
            continue
        counts[plugin] = int(erased or 0)
    return counts
