"""The administrator's plugin page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from schoolalert.accounts.auth import signed_in_user
from schoolalert.plugin_admin import services
from schoolalert.transaction import rollback

bp = Blueprint("plugin_admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.get("/plugins")
def plugins() -> str:
    manager = current_app.extensions["schoolalert.plugins"]
    return render_template("plugin_admin/plugins.html", plugins=services.list_plugins(manager))


@bp.post("/plugins/<name>/<any(enable, disable):action>")
def toggle_plugin(name: str, action: str) -> Response:
    manager = current_app.extensions["schoolalert.plugins"]
    if name not in manager.installed:
        abort(404)
    try:
        services.set_enabled(manager, name, action == "enable", actor=signed_in_user())
    except services.PluginStateLocked:
        rollback()
        flash(_("The plugin state is fixed by the server configuration."), "error")
        return redirect(url_for(".plugins"))
    if action == "enable":
        flash(_("Plugin %(name)s is enabled.", name=name), "success")
    else:
        flash(_("Plugin %(name)s is disabled.", name=name), "success")
    return redirect(url_for(".plugins"))
