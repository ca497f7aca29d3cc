"""The message log for administrators: what was sent and received, never the content."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from plugins.exchange.models import Message
from schoolalert.plugin_api import Role, db, require_role

LIMIT = 500


def message_log(actor: Any) -> list[Message]:
    require_role(actor, Role.ADMIN)
    return list(db.session.scalars(select(Message).order_by(Message.id.desc()).limit(LIMIT)))
