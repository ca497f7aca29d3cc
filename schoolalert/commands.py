"""Core commands on every app's CLI (``schoolalert …`` is ``flask --app schoolalert …``)."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

import click
from alembic import command as alembic
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from schoolalert.config import MASTER_KEY_FILE, SECRET_KEY_FILE
from schoolalert.plugin_admin import services as plugin_services
from schoolalert.plugins import PluginError
from schoolalert.schools.commands import schools_group


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create the instance folder and its secrets if missing; upgrade the database schema."""
    instance = Path(current_app.config["INSTANCE_PATH"])
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not current_app.config.get("SECRET_KEY"):
        current_app.config["SECRET_KEY"] = write_secret(
            instance / SECRET_KEY_FILE, secrets.token_urlsafe(48)
        )
    if not current_app.config.get("MASTER_KEY"):
        current_app.config["MASTER_KEY"] = write_secret(
            instance / MASTER_KEY_FILE, base64.b64encode(secrets.token_bytes(32)).decode()
        )
    upgrade_database()
    click.echo(f"Instance ready at {instance}")


def write_secret(path: Path, value: str) -> str:
    """Write a secret readable by the owner only; never overwrite an existing one."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
    click.echo(f"Created {path} (mode 0600)")
    return value


def upgrade_database() -> None:
    """Upgrade the core and every installed plugin's migration branch to their heads."""
    config = current_app.extensions["migrate"].migrate.get_config()
    alembic.upgrade(config, "heads")


plugins_group = AppGroup("plugins", help="List installed plugins and switch them on or off.")


@plugins_group.command("list")
def plugins_list() -> None:
    manager = current_app.extensions["schoolalert.plugins"]
    statuses = plugin_services.list_plugins(manager)
    if not statuses:
        click.echo("No plugins are installed.")
    for status in statuses:
        state = "enabled" if status.enabled else "disabled"
        locked = " (fixed by SCHOOLALERT_PLUGINS_ENABLED)" if status.locked else ""
        click.echo(
            f"{status.name:<12} {state:<9} {status.version or '-':<8} {status.summary}{locked}"
        )


@plugins_group.command("enable")
@click.argument("name")
def plugins_enable(name: str) -> None:
    _switch_plugin(name, enabled=True)


@plugins_group.command("disable")
@click.argument("name")
def plugins_disable(name: str) -> None:
    _switch_plugin(name, enabled=False)


def _switch_plugin(name: str, *, enabled: bool) -> None:
    manager = current_app.extensions["schoolalert.plugins"]
    try:
        plugin_services.set_enabled(manager, name, enabled, actor=None)
    except PluginError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{name} {'enabled' if enabled else 'disabled'}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--no-fork", is_flag=True, help="Run jobs in the worker process itself.")
@with_appcontext
def worker_command(burst: bool, no_fork: bool) -> None:
    """Run an RQ worker for background jobs; it also sweeps the outbox and feeds periodic tasks."""
    from schoolalert.tasks.worker import run_worker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        run_worker(app, burst=burst, fork=not no_fork)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None


def core_commands() -> list[click.Command]:
    from schoolalert.accounts.commands import users_group
    from schoolalert.alerts.commands import expire_command, retention_group
    from schoolalert.audit.commands import audit_group
    from schoolalert.consent.commands import terms_group
    from schoolalert.demo.commands import demo_command
    from schoolalert.tasks.commands import outbox_group

    return [
        init_command,
        plugins_group,
        worker_command,
        outbox_group,
        users_group,
        audit_group,
        schools_group,
        expire_command,
        retention_group,
        terms_group,
        demo_command,
    ]
