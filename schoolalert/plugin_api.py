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
- **notifications**: :func:`notify` writes notifications in the current transaction (mailed
  after commit); :func:`mail_users` and :func:`mail_address` queue mail of the plugin's own
  kinds (:class:`NotificationType`) to users or to an address that is not a user;
  :func:`enqueue` queues the plugin's own tasks the same way;
- **the JSON API**: :class:`PluginApiBlueprint`, :func:`document` (describe a view for the
  OpenAPI document), :func:`json_body`, :func:`iso`; request bodies as a :class:`RequestModel`
  (fields typed with :func:`text`, :func:`whole_number` and Pydantic) checked by
  :func:`validate` — the model is also the body's schema in the document; the domain errors
  :class:`NotFound`, :class:`Conflict`, :class:`InvalidInput`, :class:`Unresolvable`
  (well-formed, but naming nothing known), :class:`PermissionDenied` that the web pages and the
  API answer with their status;
- **secrets at rest**: :func:`seal_secret` and :func:`unseal_secret` (AES-256-GCM under a key
  derived from the master key per purpose, bound to where the value belongs);
- **the unit of work** (views only): :func:`rollback` a refused attempt before showing the form
  again; :func:`keep_refusal` to commit a refusal whose own record must stay (an error answer
  otherwise rolls the request back);
- **time**: :func:`utcnow`;
- **settings**: :func:`plugin_settings` and :func:`update_plugin_settings` (audited);
- **data**: :data:`db` (the session: plugin services ``flush()``, the request, command or task
  commits), :class:`User`, :class:`School`, :class:`Municipality`, :func:`municipality_code`.
"""

from __future__ import annotations

from schoolalert.accounts.auth import signed_in_user
from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role, require_role
from schoolalert.alerts.access import read_description as read_alert_description
from schoolalert.alerts.access import received_alert, received_alerts, staff_alert
from schoolalert.alerts.models import Alert, AlertStatus
from schoolalert.alerts.police import police_alert
from schoolalert.api import document, iso, json_body
from schoolalert.audit.services import record as record_audit
from schoolalert.consent.eligibility import staff_may_see_alerts
from schoolalert.consent.participation import participating_clause
from schoolalert.crypto import sealing as _sealing
from schoolalert.database import utcnow
from schoolalert.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unresolvable
from schoolalert.extensions import db
from schoolalert.notifications.plugin_mail import mail_address, mail_users
from schoolalert.notifications.services import notify
from schoolalert.plugin_admin.services import plugin_settings, update_plugin_settings
from schoolalert.plugin_types import (
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
from schoolalert.transaction import rollback
from schoolalert.validation import RequestModel, text, validate, whole_number
from schoolalert.web.unit_of_work import keep_refusal


def seal_secret(purpose: str, plaintext: str, bound_to: str) -> bytes:
    """Encrypt a small secret for storage; ``purpose`` names the plugin's use
    (``"referral.phone"``), ``bound_to`` where it belongs (``"referral:17"``), so a value copied
    to another row does not open."""
    return _sealing.seal(purpose, plaintext.encode(), bound_to.encode())


def unseal_secret(purpose: str, sealed: bytes, bound_to: str) -> str:
    """The secret sealed with :func:`seal_secret` for the same purpose and place."""
    return _sealing.unseal(purpose, sealed, bound_to.encode()).decode()


__all__ = [
    "Alert",
    "AlertStatus",
    "Conflict",
    "InvalidInput",
    "Municipality",
    "NotFound",
    "NotificationType",
    "PermissionDenied",
    "PluginApiBlueprint",
    "PluginBlueprint",
    "PurgeReport",
    "RequestModel",
    "Role",
    "School",
    "TargetingError",
    "TargetingSelector",
    "Task",
    "Unresolvable",
    "User",
    "db",
    "document",
    "enqueue",
    "iso",
    "json_body",
    "keep_refusal",
    "mail_address",
    "mail_users",
    "municipality_code",
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
