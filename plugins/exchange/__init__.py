"""Cross-border exchange: alerts to and from partners abroad (German Länder police, the BKA,
the Austrian BK) as signed OASIS CAP 1.2 documents.

This module holds the hook implementations only; see ``docs/plugins/exchange.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import click
from flask import Flask, current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from plugins.exchange import partners, receiving, sending
from plugins.exchange.api import PERMISSIONS as API_PERMISSIONS
from plugins.exchange.api import api
from plugins.exchange.commands import exchange_group
from plugins.exchange.models import Share
from plugins.exchange.views import PERMISSIONS, blueprint
from schoolalert import hookimpl
from schoolalert.events import AlertClosed, AlertPublished, Event
from schoolalert.plugin_api import (
    DraftPart,
    NotificationType,
    PluginApiBlueprint,
    PluginBlueprint,
    PurgeReport,
    Role,
    Task,
    db,
    enqueue,
)


@hookimpl
def schoolalert_register_blueprints(app: Flask) -> list[PluginBlueprint]:
    return [PluginBlueprint(blueprint, permissions=PERMISSIONS)]


@hookimpl
def schoolalert_register_api_blueprints(app: Flask) -> list[PluginApiBlueprint]:
    return [PluginApiBlueprint(api, permissions=API_PERMISSIONS)]


@hookimpl
def schoolalert_register_commands() -> list[click.Command]:
    return [exchange_group]


@hookimpl
def schoolalert_register_tasks() -> list[Task]:
    return [
        Task(sending.SHARE_TASK, sending.share),
        Task(sending.CANCEL_TASK, sending.cancel),
        Task(sending.DELIVER_TASK, sending.deliver, commits_per_item=True, keep_trying=True),
    ]


@hookimpl
def schoolalert_register_draft_parts() -> list[DraftPart]:
    return [
        DraftPart(
            key="share_with",
            label=_l("Shared with partners abroad"),
            parse=partners.parse_share_with,
            save=partners.save_share_with,
            load=partners.load_share_with,
            describe=lambda names: ", ".join(names),
            form_template="exchange/_share_with.html",
            from_form=partners.share_with_from_form,
            schema=partners.share_with_schema,
            # An exercise goes only to partners that accept exercises, as CAP status Exercise.
            exercise_check=partners.check_exercise_share,
        )
    ]


def _mail(subject: Any, body: Any) -> Any:
    def render(params: Mapping[str, Any]) -> tuple[str, str]:
        base = current_app.config["BASE_URL"].rstrip("/")
        return str(subject), str(body).format(base=base, **params)

    return render


@hookimpl
def schoolalert_register_notification_kinds() -> list[NotificationType]:
    return [
        NotificationType(
            sending.REFUSED_MAIL,
            _mail(
                _l("A partner abroad refused a document"),
                _l(
                    "The partner {partner} refused a {type} document (HTTP {status}); it is not "
                    "sent again. See the message log: {base}/plugins/exchange/"
                ),
            ),
        ),
        NotificationType(
            receiving.UPDATED_MAIL,
            _mail(
                _l("A partner updated an alert you adopted"),
                _l(
                    "The partner abroad changed the alert that alert {alert_id} was adopted "
                    "from. Check whether it needs a change: {base}/alerts/{alert_id}"
                ),
            ),
        ),
    ]


@hookimpl
def schoolalert_track_event(event: Event) -> None:
    if not isinstance(event, AlertPublished | AlertClosed):
        return
    shared = db.session.scalar(select(Share.alert_id).where(Share.alert_id == event.alert_id))
    if shared is None:
        return
    if isinstance(event, AlertPublished):
        enqueue(
            sending.SHARE_TASK, {"alert_id": event.alert_id}, key=f"exchange.share:{event.alert_id}"
        )
    else:
        enqueue(
            sending.CANCEL_TASK,
            {"alert_id": event.alert_id},
            key=f"exchange.cancel:{event.alert_id}",
        )


@hookimpl
def schoolalert_purge_alert(alert_id: int) -> list[PurgeReport] | None:
    reports: list[PurgeReport] = []
    sent = sending.purge_sent(alert_id)
    if sent is not None:
        destroyed, verified, confirmations = sent
        reports.append(
            PurgeReport(
                "exchange",
                f"{destroyed} signed document(s) with images destroyed (keys destroyed)",
                verified,
            )
        )
        for name, cancelled in confirmations:
            reports.append(
                PurgeReport(
                    f"exchange:{name}",
                    "Cancel delivered to the partner"
                    if cancelled
                    else "Cancel to the partner not delivered yet",
                    cancelled,
                )
            )
    adopted = receiving.purge_adopted(alert_id)
    if adopted is not None:
        copies, verified = adopted
        reports.append(
            PurgeReport("exchange", f"{copies} received partner alert(s) destroyed", verified)
        )
    return reports or None


@hookimpl
def schoolalert_retention(now: datetime) -> int:
    return receiving.purge_expired(now)


@hookimpl
def schoolalert_template_slot(slot: str, context: Mapping[str, Any]) -> Markup | str | None:
    user = context.get("user")
    if slot != "navigation" or not getattr(user, "is_authenticated", False):
        return None
    role = user.role  # type: ignore[union-attr]
    if role == Role.ADMIN:
        return Markup('<a href="{}">{}</a>').format(
            url_for("plugin_exchange.overview"), _("Exchange")
        )
    if role in (Role.INVESTIGATOR, Role.PROSECUTOR):
        return Markup('<a href="{}">{}</a>').format(
            url_for("plugin_exchange.received"), _("From partners")
        )
    return None
