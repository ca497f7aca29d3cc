"""The application factory: bind extensions, load config and plugins, register blueprints.

Nothing else happens here: no migrations, no network, no writes (``schoolalert init`` does those).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from flask import Flask, Response, abort, appcontext_pushed, current_app, request
from flask.cli import with_appcontext
from flask_babel import get_locale
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from schoolalert import permissions
from schoolalert.accounts import auth as accounts_auth
from schoolalert.alerts.draft_parts import register_parts
from schoolalert.alerts.storage import blob_store_from_config
from schoolalert.alerts.targeting import register_selectors
from schoolalert.api.openapi import PLUGIN_API_ENDPOINT_PREFIX
from schoolalert.audit.labels import audit_label
from schoolalert.config import check_production, load_config, resolve_instance_path
from schoolalert.crypto.keystore import key_store_from_config
from schoolalert.extensions import babel, csrf, db, limiter, login_manager, migrate
from schoolalert.logs import configure_logging
from schoolalert.origin import Origin, set_origin
from schoolalert.plugin_types import PluginApiBlueprint, PluginBlueprint
from schoolalert.plugins import PluginManager
from schoolalert.tasks import TaskSystem
from schoolalert.transaction import commit, rollback
from schoolalert.web import context, errors, security, unit_of_work
from schoolalert.web import input as web_input
from schoolalert.web.errors import ApiError
from schoolalert.web.form_errors import page_errors
from schoolalert.web.i18n import select_locale
from schoolalert.web.slots import template_slot

PACKAGE_ROOT = Path(__file__).resolve().parent
MIGRATIONS = PACKAGE_ROOT / "migrations"

# Imported so that every table is known to SQLAlchemy and Alembic.
CORE_MODEL_MODULES = (
    "schoolalert.accounts.models",
    "schoolalert.plugin_admin.models",
    "schoolalert.alerts.models",
    "schoolalert.notifications.models",
    "schoolalert.audit.models",
    "schoolalert.consent.models",
    "schoolalert.schools.models",
    "schoolalert.tasks.models",
)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application. ``config`` (keys without prefix) overrides every other source."""
    instance_path = resolve_instance_path(config)
    app = Flask("schoolalert", instance_path=str(instance_path), root_path=str(PACKAGE_ROOT))
    app.config.update(load_config(instance_path, config))
    check_production(app.config)
    configure_logging(app)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    for module in CORE_MODEL_MODULES:
        __import__(module)
    plugin_manager = PluginManager(forced_enabled=app.config["PLUGINS_ENABLED"])
    app.extensions["schoolalert.plugins"] = plugin_manager

    _init_database(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True, compare_type=True)
    if _add_plugin_migrations not in migrate.configure_callbacks:
        migrate.configure(_add_plugin_migrations)
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked for web forms only, below
    csrf.init_app(app)
    login_manager.init_app(app)
    accounts_auth.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=";".join(_translation_directories(plugin_manager)),
    )
    TaskSystem(app)
    register_selectors(app)
    register_parts(app)
    app.extensions["schoolalert.blobs"] = blob_store_from_config(app.config)
    app.extensions["schoolalert.keys"] = key_store_from_config(app.config)

    table = permissions.PermissionTable(permissions.CORE_PERMISSIONS)
    web_input.init_app(app)  # the bounded id converter, before any route exists
    _register_core_blueprints(app)
    _register_plugin_blueprints(app, plugin_manager, table)
    _register_commands(app, plugin_manager)

    unit_of_work.init_app(app)
    appcontext_pushed.connect(_origin_outside_requests, app)
    app.before_request(_refuse_uninitialised_instance)
    app.before_request(context.assign_request_id)
    app.before_request(_protect_web_forms)
    permissions.init_app(app, table)
    app.before_request(_refuse_bad_text)
    app.before_request(_refuse_unknown_query_parameters)
    app.after_request(security.add_security_headers)
    app.after_request(context.add_request_id_header)
    errors.init_app(app)
    app.jinja_env.globals.update(
        template_slot=template_slot,
        current_locale=get_locale,
        audit_label=audit_label,
        page_errors=page_errors,
    )
    return app


def _init_database(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, a busy timeout, and real transactions with SAVEPOINT support.

    Transactions take the write lock at BEGIN (IMMEDIATE): two requests that read and then
    write at once (a page's images load in parallel, each view is recorded) would otherwise
    deadlock, and SQLite answers one of them "database is locked" without waiting.
    """

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _add_plugin_migrations(config: Any) -> Any:
    """Alembic looks for revisions in the core folder and in every plugin's own folder."""
    locations = [str(MIGRATIONS / "versions")]
    for plugin in current_app.extensions["schoolalert.plugins"].installed.values():
        versions = plugin.path / "migrations" / "versions"
        if versions.is_dir():
            locations.append(str(versions))
    config.set_main_option("version_locations", ":".join(locations))
    return config


def _translation_directories(plugin_manager: PluginManager) -> list[str]:
    directories = [str(PACKAGE_ROOT / "translations")]
    for plugin in plugin_manager.installed.values():
        if (plugin.path / "translations").is_dir():
            directories.append(str(plugin.path / "translations"))
    return directories


def _register_core_blueprints(app: Flask) -> None:
    from schoolalert.accounts.admin_views import bp as admin_users
    from schoolalert.accounts.views import bp as accounts
    from schoolalert.alerts.views import bp as alerts
    from schoolalert.alerts.views.staff import bp as portal
    from schoolalert.api.blueprint import bp as api
    from schoolalert.audit.views import bp as audit
    from schoolalert.consent.admin_views import bp as consent_admin
    from schoolalert.consent.views import bp as consent
    from schoolalert.health import bp as health
    from schoolalert.notifications.views import bp as notifications
    from schoolalert.plugin_admin.views import bp as plugin_admin_views
    from schoolalert.schools.views import bp as schools
    from schoolalert.tasks.views import bp as delivery_admin
    from schoolalert.web.views import bp as web

    for blueprint in (
        web,
        health,
        accounts,
        admin_users,
        plugin_admin_views,
        delivery_admin,
        audit,
        notifications,
        consent,
        consent_admin,
        schools,
        alerts,
        portal,
        api,
    ):
        app.register_blueprint(blueprint)


def _register_plugin_blueprints(
    app: Flask, plugin_manager: PluginManager, table: permissions.PermissionTable
) -> None:
    """Mount each plugin's blueprints under /plugins/<name>/; 404 while the plugin is off."""
    owners: dict[str, str] = {}
    for plugin, contribution in plugin_manager.contributions(
        "schoolalert_register_blueprints", app=app
    ):
        if not isinstance(contribution, PluginBlueprint) or plugin is None:
            raise TypeError("schoolalert_register_blueprints must return PluginBlueprint items")
        name = f"plugin_{plugin}"
        app.register_blueprint(contribution.blueprint, name=name, url_prefix=f"/plugins/{plugin}")
        owners[name] = plugin
        for view, roles in contribution.permissions.items():
            table.add(f"{name}.{view}", roles)
    owners.update(_register_plugin_api_blueprints(app, plugin_manager, table))

    def require_enabled_plugin() -> None:
        plugin = owners.get(request.blueprints[-1]) if request.blueprints else None
        if plugin is not None and not plugin_manager.is_enabled(plugin):
            abort(404)

    app.before_request(require_enabled_plugin)


def _register_plugin_api_blueprints(
    app: Flask, plugin_manager: PluginManager, table: permissions.PermissionTable
) -> dict[str, str]:
    """Mount each plugin's API blueprints under /api/v1/<name> (or their own prefix there)."""
    owners: dict[str, str] = {}
    core_rules = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    }
    for plugin, contribution in plugin_manager.contributions(
        "schoolalert_register_api_blueprints", app=app
    ):
        if not isinstance(contribution, PluginApiBlueprint) or plugin is None:
            raise TypeError(
                "schoolalert_register_api_blueprints must return PluginApiBlueprint items"
            )
        prefix = contribution.url_prefix or f"/api/v1/{plugin}"
        if not prefix.startswith("/api/v1/"):
            raise ValueError(f"plugin {plugin!r}: API prefix {prefix!r} is not under /api/v1/")
        name = f"{PLUGIN_API_ENDPOINT_PREFIX}{plugin}_{contribution.blueprint.name}"
        app.register_blueprint(contribution.blueprint, name=name, url_prefix=prefix)
        owners[name] = plugin
        for view, roles in contribution.permissions.items():
            table.add(f"{name}.{view}", roles)
        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith(name + ".") and any(
                (rule.rule, method) in core_rules for method in rule.methods or ()
            ):
                raise ValueError(f"plugin {plugin!r}: {rule.rule} shadows a core route")
    return owners


def _register_commands(app: Flask, plugin_manager: PluginManager) -> None:
    from schoolalert.commands import core_commands

    for command in core_commands():
        _prepare_command(command, None)
        app.cli.add_command(command)
    for plugin, command in plugin_manager.contributions("schoolalert_register_commands"):
        _prepare_command(command, plugin)
        app.cli.add_command(command)


def _prepare_command(command: click.Command, plugin: str | None) -> None:
    """Run a command in an app context as one unit of work; refuse while its plugin is disabled.

    This is the one place where a command's work is committed: when the command returns, what
    it flushed is committed (and only then does the work it enqueued start); when it fails — a
    refusal raised as ``click.ClickException`` included — everything is rolled back. Commands
    and the services they call never commit.
    """
    if isinstance(command, click.Group):
        for subcommand in command.commands.values():
            _prepare_command(subcommand, plugin)
        return
    callback = command.callback
    if callback is None or getattr(callback, "schoolalert_prepared", False):
        return  # the command object is shared by every app built in this process

    @functools.wraps(callback)
    @with_appcontext
    def prepared(*args: Any, **kwargs: Any) -> Any:
        if not current_app.extensions["schoolalert.plugins"].is_enabled(plugin):
            raise click.ClickException(f"plugin {plugin!r} is disabled")
        try:
            result = callback(*args, **kwargs)
        except BaseException:
            rollback()
            raise
        commit()
        return result

    prepared.schoolalert_prepared = True  # type: ignore[attr-defined]
    command.callback = prepared


def _origin_outside_requests(_app: Flask, **_extra: Any) -> None:
    """Every app context — a command, a job — starts with its own origin (``cli``, a fresh
    ``job-…`` id that groups what it writes); a request then sets its own at the edge."""
    set_origin(Origin.outside_requests())


def _refuse_uninitialised_instance() -> Response | None:
    """Plain text: without a secret key not even the error page (it has a CSRF token) works."""
    if current_app.config.get("SECRET_KEY"):
        return None
    return Response(
        "The instance is not initialised: run `schoolalert init`.\n", 503, mimetype="text/plain"
    )


def _refuse_bad_text() -> None:
    """Form and query fields with a control character or broken Unicode: 422 naming the field.

    ``next`` is exempt: a bad redirect target falls back to the home page instead.
    """
    field = web_input.first_bad_form_field()
    if field is not None:
        message = web_input.BadText(field).message
        raise ApiError(422, "unprocessable", message, field=field)


def _refuse_unknown_query_parameters() -> None:
    """An API operation takes the query parameters its OpenAPI description lists, no others."""
    view = current_app.view_functions.get(request.endpoint or "")
    spec = getattr(view, "openapi", None)
    if spec is None:
        return
    unknown = sorted(set(request.args) - set(spec["query"]))
    if unknown:
        message = f"unknown query parameter: {unknown[0]}"
        raise ApiError(422, "unprocessable", message, field=unknown[0])


# Forms whose POST, once signed in, only redirects: refreshing the recovery codes (the answer to
# the enrolment's POST, whose CSRF token the new session replaced) leads to a page, not an error.
REDIRECT_ONLY_WHEN_SIGNED_IN = frozenset({"accounts.enrol"})


def _protect_web_forms() -> None:
    if request.method in {"POST", "PUT", "PATCH", "DELETE"} and not permissions.is_api_request():
        if request.endpoint in REDIRECT_ONLY_WHEN_SIGNED_IN and accounts_auth.is_signed_in():
            return
        csrf.protect()
