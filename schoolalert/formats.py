"""How timestamps are written wherever they leave the system: the JSON API and the CSV exports."""

from __future__ import annotations

from datetime import datetime


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``, as every timestamp of the API and the exports is written."""
    return moment.isoformat().replace("+00:00", "Z") if moment else None
