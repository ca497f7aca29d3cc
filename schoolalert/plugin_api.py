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
- **notifications**: :func:`notify` writes notifications in the current transaction (mailed
  after commit); :func:`enqueue` queues the plugin's own tasks the same way;
- **settings**: :func:`plugin_settings` and :func:`update_plugin_settings` (audited);
- **data**: :data:`db` (the session: plugin services ``flush()``, the request, command or task
  commits), :class:`User`, :class:`School`, :class:`Municipality`, :func:`municipality_code`.
"""

from __future__ import annotations

from schoolalert.accounts.auth import signed_in_user
from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role, require_role
from schoolalert.alerts.access import read_description as read_alert_description
from schoolalert.alerts.access import staff_alert
from schoolalert.alerts.models import Alert, AlertStatus
from schoolalert.alerts.police import police_alert
from schoolalert.audit.services import record as record_audit
from schoolalert.consent.eligibility import staff_may_see_alerts
from schoolalert.consent.participation import participating_clause
from schoolalert.extensions import db
from schoolalert.notifications.services import notify
from schoolalert.plugin_admin.services import plugin_settings, update_plugin_settings
from schoolalert.plugin_types import (
    PluginBlueprint,
    PurgeReport,
    TargetingError,
    TargetingSelector,
    Task,
)
from schoolalert.schools.duo import municipality_code
from schoolalert.schools.models import Municipality, School
from schoolalert.tasks import enqueue

__all__ = [
    "Alert",
    "AlertStatus",
    "Municipality",
    "PluginBlueprint",
    "PurgeReport",
    "Role",
    "School",
    "TargetingError",
    "TargetingSelector",
    "Task",
    "User",
    "db",
    "enqueue",
    "municipality_code",
    "notify",
    "participating_clause",
    "plugin_settings",
    "police_alert",
    "read_alert_description",
    "record_audit",
    "require_role",
    "signed_in_user",
    "staff_alert",
    "staff_may_see_alerts",
    "update_plugin_settings",
]
