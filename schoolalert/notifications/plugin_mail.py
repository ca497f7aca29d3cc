"""Mail of kinds that plugins define: to users, or to an address that is not a user.

A plugin registers its kinds with ``schoolalert_register_notification_kinds`` and queues mail
with :func:`mail_users` or :func:`mail_address` inside its transaction. The mail is written to
the outbox and sent after commit by the ``notifications.plugin_mail`` task, rendered then in the
recipient's language. A mail of a disabled plugin's kind, or to a user deactivated meanwhile, is
not sent.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale

from schoolalert.accounts.models import User
from schoolalert.extensions import db
from schoolalert.notifications.mail import send_mail
from schoolalert.plugin_types import NotificationType
from schoolalert.tasks import enqueue

logger = logging.getLogger(__name__)

PLUGIN_MAIL_TASK = "notifications.plugin_mail"
LANGUAGES = ("nl", "en")
_KINDS = "schoolalert.notification_kinds"


class UnknownNotificationKind(LookupError):
    pass


def notification_kinds() -> dict[str, tuple[str | None, NotificationType]]:
    """Every registered kind by name, with the plugin that registered it (built once per app)."""
    kinds = current_app.extensions.get(_KINDS)
    if kinds is None:
        kinds = {}
        plugins = current_app.extensions["schoolalert.plugins"]
        for plugin, kind in plugins.contributions("schoolalert_register_notification_kinds"):
            if not isinstance(kind, NotificationType):
                raise TypeError("notification kinds must be NotificationType items")
            if kind.name in kinds:
                raise ValueError(f"two notification kinds are named {kind.name!r}")
            kinds[kind.name] = (plugin, kind)
        current_app.extensions[_KINDS] = kinds
    return kinds


def _digest(address: str) -> str:
    """A short stand-in for an address in an outbox key (keys are limited, addresses are not)."""
    return hashlib.sha256(address.lower().encode()).hexdigest()[:24]


def _check(kind: str, params: Mapping[str, Any]) -> None:
    if kind not in notification_kinds():
        raise UnknownNotificationKind(kind)
    for value in params.values():
        if not isinstance(value, str | int | float | bool | None):
            raise TypeError("mail parameters are primitive values")


def mail_users(
    kind: str, user_ids: Iterable[int], params: Mapping[str, Any], *, key: str | None = None
) -> None:
    """Queue a mail of ``kind`` to each user (written once per user when ``key`` is given)."""
    _check(kind, params)
    for user_id in sorted(set(user_ids)):
        enqueue(
            PLUGIN_MAIL_TASK,
            {"kind": kind, "params": dict(params), "user_id": user_id},
            key=f"{kind}:{key}:user:{user_id}" if key else None,
        )


def mail_address(
    kind: str,
    address: str,
    params: Mapping[str, Any],
    *,
    language: str = "nl",
    key: str | None = None,
) -> None:
    """Queue a mail of ``kind`` to an address that is not a user (an organisation's inbox)."""
    _check(kind, params)
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}")
    try:
        address = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValueError(f"not a mail address: {error}") from None
    enqueue(
        PLUGIN_MAIL_TASK,
        {"kind": kind, "params": dict(params), "address": address, "language": language},
        key=f"{kind}:{key}:address:{_digest(address)}" if key else None,
    )


def deliver_plugin_mail(
    kind: str,
    params: dict[str, Any],
    user_id: int | None = None,
    address: str | None = None,
    language: str = "nl",
) -> None:
    """Outbox task: render the mail in the recipient's language and send it."""
    registered = notification_kinds().get(kind)
    if registered is None:
        logger.warning("mail of unknown kind %s not sent", kind)
        return
    plugin, notification_type = registered
    if not current_app.extensions["schoolalert.plugins"].is_enabled(plugin):
        logger.info("mail of kind %s not sent: plugin %s is disabled", kind, plugin)
        return
    if user_id is not None:
        user = db.session.get(User, user_id)
        if user is None or not user.active:
            return
        address, language = user.email, user.language
    if address is None:
        return
    with force_locale(language):
        subject, body = notification_type.render(params)
    send_mail(address, subject, body)
