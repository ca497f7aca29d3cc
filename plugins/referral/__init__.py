"""Support referral: school staff who received an alert ask for expert support; support
organisations take the requests up in a work queue; investigators refer a child's care.

This module holds the hook implementations only; see ``docs/plugins/referral.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import click
from flask import Flask, current_app, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from plugins.referral import services
from plugins.referral.api import (
    POLICE_PERMISSIONS,
    QUEUE_PERMISSIONS,
    STAFF_PERMISSIONS,
    police_api,
    queue_api,
    staff_api,
)
from plugins.referral.commands import referral_group
from plugins.referral.views import PERMISSIONS, STATE_LABELS, blueprint
from schoolalert import hookimpl
from schoolalert.plugin_api import (
    NotificationType,
    PluginApiBlueprint,
    PluginBlueprint,
    Role,
    Task,
    received_alerts,
)

SUMMARY = _l(
    "Support referral: school staff ask for expert support after an alert; "
    "support organisations take the requests up."
)


@hookimpl
def schoolalert_register_blueprints(app: Flask) -> list[PluginBlueprint]:
    return [PluginBlueprint(blueprint, permissions=PERMISSIONS)]


@hookimpl
def schoolalert_register_api_blueprints(app: Flask) -> list[PluginApiBlueprint]:
    return [
        PluginApiBlueprint(queue_api, permissions=QUEUE_PERMISSIONS),
        PluginApiBlueprint(
            staff_api, permissions=STAFF_PERMISSIONS, url_prefix="/api/v1/me/alerts"
        ),
        PluginApiBlueprint(police_api, permissions=POLICE_PERMISSIONS, url_prefix="/api/v1/alerts"),
    ]


@hookimpl
def schoolalert_register_commands() -> list[click.Command]:
    return [referral_group]


def remind_task() -> None:
    services.remind()


@hookimpl
def schoolalert_register_tasks() -> list[Task]:
    return [Task("referral.remind", remind_task, every=timedelta(hours=1))]


def _render(template: str, subject: Any) -> Any:
    """Subject and body of one kind of mail: a link and counts, never a name or content."""

    def render(params: Mapping[str, Any]) -> tuple[str, str]:
        return str(subject), render_template(f"referral/mail/{template}.txt", **params)

    return render


@hookimpl
def schoolalert_register_notification_kinds() -> list[NotificationType]:
    return [
        NotificationType("referral.new", _render("new", _l("A new request for support"))),
        NotificationType(
            "referral.reminder", _render("reminder", _l("Requests for support are waiting"))
        ),
        NotificationType(
            "referral.overdue", _render("overdue", _l("Requests for support are not taken up"))
        ),
        NotificationType(
            "referral.unserved",
            _render("unserved", _l("No support organisation serves a school's region")),
        ),
    ]


@hookimpl
def schoolalert_retention(now: datetime) -> int:
    return services.erase_contact_details(now)


@hookimpl
def schoolalert_staff_alert_api(user: Any, alert_id: int) -> dict[str, Any]:
    requests = services.own_requests(user, alert_id)
    return {
        "support": url_for("plugin_api_referral_staff.ask_for_support", alert_id=alert_id),
        "my_requests": [{"id": item.id, "state": item.state} for item in requests],
    }


@hookimpl
def schoolalert_template_slot(slot: str, context: Mapping[str, Any]) -> Markup | str | None:
    user = context.get("user")
    if not getattr(user, "is_authenticated", False):
        return None
    role = user.role  # type: ignore[union-attr]
    if slot == "navigation":
        if role == Role.SUPPORT_WORKER:
            return Markup('<a href="{}">{}</a>').format(
                url_for("plugin_referral.queue"), _("Referrals")
            )
        if role == Role.ADMIN:
            return Markup('<a href="{}">{}</a>').format(
                url_for("plugin_referral.organisations"), _("Support")
            )
        return None
    if slot == "admin_user" and role == Role.ADMIN:
        organisation = services.organisation_of_user_id(context["subject_id"])
        if organisation is None:
            return None
        return Markup(
            '<section class="panel" id="referral-worker"><h2>{}</h2><p>{}</p></section>'
        ).format(
            _("Support referral"),
            _("Works for %(name)s.", name=organisation.name),
        )
    if role != Role.SCHOOL_STAFF:
        return None
    # The templates are autoescaped .html files: what they render is safe markup.
    if slot == "staff_alert_actions":
        return Markup(  # noqa: S704
            render_template(
                "referral/_support_button.html",
                alert_id=context["alert_id"],
                requests=services.own_requests(user, context["alert_id"]),  # type: ignore[arg-type]
                state_labels=STATE_LABELS,
            )
        )
    if slot == "staff_alert_list":
        return Markup(  # noqa: S704
            render_template(
                "referral/_received.html",
                alerts=received_alerts(user),  # type: ignore[arg-type]
                requests={item.alert_id: item for item in services.own_requests(user)},  # type: ignore[arg-type]
                state_labels=STATE_LABELS,
            )
        )
    if slot == "staff_briefing":
        return Markup("<p>{}</p>").format(
            _(
                "You can ask for expert support in the portal, on every alert you received, "
                "also after it ended."
            )
        )
    if slot == "alert_ended_mail":
        base = current_app.config["BASE_URL"].rstrip("/")
        return "{}\n{}/portal\n".format(_("You can ask for expert support in Schoolalert:"), base)
    return None
