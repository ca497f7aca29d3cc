"""What a plugin may use of the core: the one module (besides :data:`schoolalert.hookimpl` and
:mod:`schoolalert.events`) that plugins import, so the core can change inside without breaking
them. ``tests/core/test_boundaries.py`` fails when a bundled plugin imports anything else.

- **typed objects** the ``schoolalert_register_*`` hooks return: :class:`PluginBlueprint`,
  :class:`Task`, :class:`TargetingSelector` (and :class:`TargetingError`), :class:`PurgeReport`;
- **who acts**: :func:`signed_in_user` in a plugin's views, :class:`Role` and
  :func:`require_role` for a service's own role check;
- **the audit trail**: :func:`record_audit` appends an entry in the current transaction;
- **access checks**: :func:`police_alert` (an alert an investigator or prosecutor may see),
  :func:`staff_alert` (a live alert a staff member may see), :func:`staff_may_see_alerts`, and
  :func:`participating_clause` (the locations that participate, as SQL over :class:`School`);
- **alerts**: :class:`Alert`, :class:`AlertStatus` and :func:`read_alert_description` (the
  decrypted description for a user who may see the alert; the read is recorded in the audit trail);
- **staff and alerts they received**: :func:`received_alerts` and :func:`received_alert` (live or
  ended — ids, numbers and times only);
- **draft parts and external origins**: :class:`DraftPart` (a field a plugin adds to the draft,
  approved with it), :func:`create_external_draft` (a draft from a partner's description and
  images, origin recorded), :func:`close_for_partner` (a partner ended the alert: withdrawn by
  the system, origin and reason recorded), :func:`export_alert` (a published alert's sanitised
  images and description, audited), :func:`sanitise_image` (an untrusted image re-encoded as
  uploads are);
- **content encrypted like alerts**: :func:`new_content_key`, :func:`encrypt_content`,
  :func:`decrypt_content`, :func:`destroy_content_key`, :func:`content_key_exists` (a key in the
  core's key store, destroyed to crypto-shred what it sealed);
- **notifications**: :func:`notify` writes notifications in the current transaction (mailed
  after commit); :func:`mail_users` and :func:`mail_address` queue mail of the plugin's own
  kinds (:class:`NotificationType`) to users or to an address that is not a user;
  :func:`enqueue` queues the plugin's own tasks the same way;
- **the JSON API**: :class:`PluginApiBlueprint`, :func:`document` (describe a view for the
  OpenAPI document), :func:`json_body`, :func:`iso`; request bodies as a :class:`RequestModel`
  (fields typed with :func:`text`, :func:`whole_number` and Pydantic) checked by
  :func:`validate` — the model is also the body's schema in the document; answers as a
  :class:`ResponseModel` sent with :func:`answer` (``document(response_model=…)``); the domain
  errors :class:`NotFound`, :class:`Conflict`, :class:`InvalidInput`, :class:`Unresolvable`
  (well-formed, but naming nothing known), :class:`PermissionDenied` that the web pages and the
  API answer with their status;
- **secrets at rest**: :func:`seal_secret` and :func:`unseal_secret` (AES-256-GCM under a key
  derived from the master key per purpose, bound to where the value belongs);
- **the unit of work**: :func:`commit_item` in a task with ``commits_per_item`` (records one
  item's outcome before the next, or before raising for a retry); in views :func:`rollback` a
  refused attempt before showing the form again; :func:`keep_refusal` to commit a refusal
  whose own record must stay (an error answer otherwise rolls the request back);
- **time**: :func:`utcnow`;
- **settings**: :func:`plugin_settings` and :func:`update_plugin_settings` (audited);
- **data**: :data:`db` (the session: plugin services ``flush()``, the request, command or task
  commits), :class:`User`, :class:`School`, :class:`Municipality`, :func:`municipality_code`.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping
from typing import Any

from flask import current_app

from schoolalert.accounts.auth import signed_in_user
from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role, require_role
from schoolalert.alerts import drafting as _drafting
from schoolalert.alerts import keys as _keys
from schoolalert.alerts.access import read_description as read_alert_description
from schoolalert.alerts.access import received_alert, received_alerts, staff_alert
from schoolalert.alerts.closing import close_for_partner
from schoolalert.alerts.export import AlertExport, ExportedImage, export_alert
from schoolalert.alerts.images import ImageRejected
from schoolalert.alerts.images import sanitize_image as _sanitize_image
from schoolalert.alerts.models import Alert, AlertStatus
from schoolalert.alerts.police import police_alert
from schoolalert.api import answer, document, iso, json_body
from schoolalert.audit.services import record as record_audit
from schoolalert.consent.eligibility import staff_may_see_alerts
from schoolalert.consent.participation import participating_clause
from schoolalert.crypto import sealing as _sealing
from schoolalert.crypto.keystore import KeyKind as _KeyKind
from schoolalert.database import utcnow
from schoolalert.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unresolvable
from schoolalert.extensions import db
from schoolalert.notifications.plugin_mail import mail_address, mail_users
from schoolalert.notifications.services import notify
from schoolalert.plugin_admin.services import plugin_settings, update_plugin_settings
from schoolalert.plugin_types import (
    DraftPart,
    NotificationType,
    PluginApiBlueprint,
    PluginBlueprint,
    PurgeReport,
    TargetingError,
    TargetingSelector,
    Task,
)
from schoolalert.schools.duo import municipality_code
from schoolalert.schools.models import Municipality, School
from schoolalert.tasks import enqueue
from schoolalert.transaction import commit as _commit
from schoolalert.transaction import rollback
from schoolalert.validation import RequestModel, ResponseModel, text, validate, whole_number
from schoolalert.web.unit_of_work import keep_refusal


def seal_secret(purpose: str, plaintext: str, bound_to: str) -> bytes:
    """Encrypt a small secret for storage; ``purpose`` names the plugin's use
    (``"referral.phone"``), ``bound_to`` where it belongs (``"referral:17"``), so a value copied
    to another row does not open."""
    return _sealing.seal(purpose, plaintext.encode(), bound_to.encode())


def unseal_secret(purpose: str, sealed: bytes, bound_to: str) -> str:
    """The secret sealed with :func:`seal_secret` for the same purpose and place."""
    return _sealing.unseal(purpose, sealed, bound_to.encode()).decode()


def create_external_draft(
    actor: User,
    fields: Mapping[str, Any],
    images: list[tuple[bytes, str]],
    *,
    origin: str,
) -> Alert:
    """A Dutch draft from outside: ``fields`` as for ``POST /api/v1/alerts`` (validated the
    same way, 422 naming a bad one), ``images`` as ``(data, kind)`` pairs, sanitised and stored
    like uploads, attested by ``actor``; ``origin`` is recorded in the audit trail. A plugin's
    API documents such a body with :func:`draft_schema`."""
    draft = _drafting.parse_draft(fields)
    return _drafting.create_external_draft(actor, draft, images, origin=origin)


def draft_schema(fields: Collection[str], required: Collection[str]) -> dict[str, Any]:
    """The JSON Schema of a body that holds some of a draft's fields (as ``fields`` of
    :func:`create_external_draft` takes them), for ``document(request_body=lambda: …)``."""
    schema = _drafting.DraftInput.model_json_schema()
    return {
        "type": "object",
        "properties": {name: schema["properties"][name] for name in fields},
        "required": sorted(required),
        "additionalProperties": False,
    }


def commit_item() -> None:
    """Commit what a task with ``commits_per_item`` recorded so far (never in a view, a
    command or an ordinary task: their unit of work commits once)."""
    _commit()


def sanitise_image(data: bytes) -> bytes:
    """An untrusted image re-encoded without metadata, as uploads are (PNG);
    :class:`ImageRejected` when it is not an acceptable image."""
    config = current_app.config
    return _sanitize_image(
        data,
        max_bytes=config["IMAGE_MAX_BYTES"],
        max_pixels=config["IMAGE_MAX_PIXELS"],
        max_edge=config["IMAGE_MAX_EDGE"],
    ).data


def new_content_key(plugin: str) -> str:
    """A new AES-256-GCM key in the core's key store; keep its id, never the key. Its id
    (``plg-<plugin>-<random>``) keeps it out of the core's sweep of orphan keys: the plugin
    destroys its keys itself."""
    return _keys.key_store().generate(_KeyKind.AES, f"plg-{plugin}-{secrets.token_hex(12)}")


def encrypt_content(key_id: str, plaintext: bytes, bound_to: str) -> bytes:
    return _keys.key_store().encrypt(key_id, plaintext, bound_to.encode())


def decrypt_content(key_id: str, sealed: bytes, bound_to: str) -> bytes:
    return _keys.key_store().decrypt(key_id, sealed, bound_to.encode())


def destroy_content_key(key_id: str) -> None:
    """Crypto-shred everything sealed under the key (idempotent)."""
    _keys.key_store().destroy(key_id)


def content_key_exists(key_id: str) -> bool:
    return _keys.key_store().exists(key_id)


__all__ = [
    "Alert",
    "AlertExport",
    "AlertStatus",
    "Conflict",
    "DraftPart",
    "ExportedImage",
    "ImageRejected",
    "InvalidInput",
    "Municipality",
    "NotFound",
    "NotificationType",
    "PermissionDenied",
    "PluginApiBlueprint",
    "PluginBlueprint",
    "PurgeReport",
    "RequestModel",
    "ResponseModel",
    "Role",
    "School",
    "TargetingError",
    "TargetingSelector",
    "Task",
    "Unresolvable",
    "User",
    "answer",
    "close_for_partner",
    "commit_item",
    "content_key_exists",
    "create_external_draft",
    "db",
    "decrypt_content",
    "destroy_content_key",
    "document",
    "draft_schema",
    "encrypt_content",
    "enqueue",
    "export_alert",
    "iso",
    "json_body",
    "keep_refusal",
    "mail_address",
    "mail_users",
    "municipality_code",
    "new_content_key",
    "notify",
    "participating_clause",
    "plugin_settings",
    "police_alert",
    "read_alert_description",
    "received_alert",
    "received_alerts",
    "record_audit",
    "require_role",
    "rollback",
    "sanitise_image",
    "seal_secret",
    "signed_in_user",
    "staff_alert",
    "staff_may_see_alerts",
    "text",
    "unseal_secret",
    "update_plugin_settings",
    "utcnow",
    "validate",
    "whole_number",
]
