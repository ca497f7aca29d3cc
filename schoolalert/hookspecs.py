"""Every hook a Schoolalert plugin can implement.

Implement a hook with :data:`schoolalert.hookimpl`::

    from schoolalert import hookimpl

    @hookimpl
    def schoolalert_track_event(event):
        ...

Rules that hold for all hooks:

* A hook of a disabled plugin is never called. Enabling and disabling take effect at the next
  request or job in every process.
* Hooks receive primitive values and typed objects from :mod:`schoolalert.plugin_api` and
  :mod:`schoolalert.events`, never request or ORM state they did not ask for.
* ``schoolalert_register_*`` hooks are called once at start-up for every *installed* plugin;
  the core attributes what they return to the plugin and gates it by the enabled state.
* Hook names are checked at start-up: an implementation of a hook that does not exist here
  stops the application (``check_pending``).

The user documentation with examples is ``docs/plugins.md``; ``tests/test_docs.py`` fails when
a hook here is missing there.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    from flask import Flask
    from markupsafe import Markup

    from schoolalert.accounts.models import User
    from schoolalert.events import Event
    from schoolalert.plugin_types import (
        DraftPart,
        NotificationType,
        PluginApiBlueprint,
        PluginBlueprint,
        PurgeReport,
        TargetingSelector,
        Task,
    )

PROJECT = "schoolalert"
hookspec = pluggy.HookspecMarker(PROJECT)

TEMPLATE_SLOTS = {
    "navigation": "links in the main navigation; context: user",
    "staff_alert_actions": "actions under an alert a staff member views; context: user, alert_id",
    "staff_alert_list": "below the list of live alerts in the staff portal; context: user",
    "staff_briefing": "in the staff briefing, under 'This may be upsetting'; context: user",
    "alert_ended_mail": "plain text at the end of the 'alert ended' mail; context: user, alert_id",
    "admin_user": "panel on the administrator's page of one user; context: user, subject_id",
    "alert_review": "panel on the investigator's and prosecutor's alert page; context: user, "
    "alert_id",
}


@hookspec
def schoolalert_register_blueprints(app: Flask) -> list[PluginBlueprint]:
    """Web pages and endpoints of the plugin, with the roles allowed on each.

    :param app: the application being built (read its config; do not change it).
    :return: a list of :class:`~schoolalert.plugin_types.PluginBlueprint`.

    Consumers: regional targeting (its settings page), support referral (referral pages),
    cross-border exchange (the partner message endpoint).
    """


@hookspec
def schoolalert_register_api_blueprints(app: Flask) -> list[PluginApiBlueprint]:
    """JSON endpoints of the plugin under ``/api/v1``, with the roles allowed on each.

    :param app: the application being built (read its config; do not change it).
    :return: a list of :class:`~schoolalert.plugin_types.PluginApiBlueprint`; mounted under
        ``/api/v1/<name>`` (or their ``url_prefix``), authenticated by the core's bearer tokens
        — or, with the permission ``{"public"}``, by the plugin itself (a partner's signature)
        —, 404 while the plugin is disabled, listed in the OpenAPI document.

    Consumers: support referral (the referral queue, asking for support on an alert),
    cross-border exchange (the partners' inbox, received alerts, the message log).
    """


@hookspec
def schoolalert_register_notification_kinds() -> list[NotificationType]:
    """Kinds of mail the plugin sends with ``mail_users``/``mail_address`` of the facade.

    :return: a list of :class:`~schoolalert.plugin_types.NotificationType`. Mail of a kind whose
        plugin is disabled when it is due is not sent.

    Consumer: support referral (new referral, reminders, a notice to administrators).
    """


@hookspec
def schoolalert_register_commands() -> list[click.Command]:
    """Commands added under ``schoolalert …``; they refuse to run while the plugin is disabled.

    :return: a list of :class:`click.Command` (a :class:`click.Group` for several).

    Consumers: cross-border exchange (``schoolalert exchange …``), support referral.
    """


@hookspec
def schoolalert_register_tasks() -> list[Task]:
    """Background tasks, run through the outbox; periodic when ``every`` is set.

    :return: a list of :class:`~schoolalert.plugin_types.Task`. While the plugin is disabled its
        tasks are skipped (marked so in the outbox) and its periodic tasks do not run.

    Consumers: support referral (reminders), cross-border exchange (delivery with retries).
    """


@hookspec
def schoolalert_register_targeting_selectors() -> list[TargetingSelector]:
    """Keys an investigator may use in an alert's ``targeting`` besides ``all``/``schools``.

    :return: a list of :class:`~schoolalert.plugin_types.TargetingSelector`; each resolves to a
        SQL criterion over all school locations, never a yes/no per school. A key of a disabled
        plugin is unknown (the API answers 422 naming it).

    Consumer: regional targeting (police units, provinces, municipalities, postcodes, radius).
    """


@hookspec
def schoolalert_register_draft_parts() -> list[DraftPart]:
    """Fields a plugin adds to an alert's draft; the prosecutor approves them with the rest.

    :return: a list of :class:`~schoolalert.plugin_types.DraftPart`. The key is accepted by
        ``POST``/``PUT /api/v1/alerts`` only while the plugin is enabled (422 otherwise), its
        value is shown on the alert page the prosecutor approves from and is read-only once the
        draft is submitted, like the rest of the draft.

    Consumer: cross-border exchange (``share_with``: the partners an alert is shared with).
    """


@hookspec
def schoolalert_track_event(event: Event) -> None:
    """Called for every life-cycle event of :mod:`schoolalert.events`.

    Runs inside the transaction that causes the event, in a savepoint of its own: write to the
    outbox (``schoolalert.tasks.enqueue``) for anything that leaves the process. An exception is
    logged, its savepoint rolled back, and neither the other plugins nor the request are stopped.

    :param event: an :class:`~schoolalert.events.Event` subclass instance.

    Consumer: cross-border exchange (send, update and cancel partner alerts).
    """


@hookspec
def schoolalert_purge_alert(alert_id: int) -> list[PurgeReport] | None:
    """Destroy every copy of the closed alert's images and descriptions the plugin holds.

    Called after the core destroyed its own key and files, in the closing transaction.

    :param alert_id: the id of the closed alert.
    :return: a list of :class:`~schoolalert.plugin_types.PurgeReport` for the purge record, or
        None when the plugin held nothing for this alert.

    Consumer: cross-border exchange (partner alerts received or sent: local copies and a
    ``Cancel`` to the partner).
    """


@hookspec
def schoolalert_staff_alert_api(user: User, alert_id: int) -> Mapping[str, Any] | None:
    """Extra JSON for ``GET /api/v1/me/alerts/{id}``, the API twin of ``staff_alert_actions``.

    Called after the core checked that the staff member may see the live alert. What a plugin
    returns appears under ``"plugins": {"<name>": …}`` of the answer.

    :param user: the staff member asking.
    :param alert_id: the alert shown.
    :return: a JSON-serialisable mapping, or None to add nothing.

    Consumer: support referral (where to ask for support, and the state of one's own request).
    """


@hookspec
def schoolalert_retention(now: datetime) -> int | None:
    """Erase what the plugin keeps longer than it may; called by the core's retention run
    (``schoolalert retention run`` and its hourly task), in a savepoint of its own.

    :param now: the time of the run (UTC), the same for every plugin.
    :return: how many records the plugin erased, or None.

    Consumer: support referral (contact details a set time after a referral closed).
    """


@hookspec
def schoolalert_template_slot(slot: str, context: Mapping[str, Any]) -> Markup | str | None:
    """HTML for a named place in a core page, or None to add nothing.

    :param slot: one of ``TEMPLATE_SLOTS`` (``navigation``, ``staff_alert_actions``,
        ``staff_alert_list``, ``staff_briefing``, ``alert_ended_mail``, ``admin_user``,
        ``alert_review``).
    :param context: the values listed for the slot.
    :return: markup (escape what you did not write yourself) or None.

    Consumers: support referral (``staff_alert_actions``), regional targeting (``navigation``),
    cross-border exchange (``alert_review``).
    """
