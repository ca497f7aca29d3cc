"""``schoolalert expire`` and ``schoolalert retention run``."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from schoolalert.alerts.closing import expire_due_alerts


@click.command("expire")
@with_appcontext
def expire_command() -> None:
    """Close the alerts whose time is up (also runs every minute in the background)."""
    closed = expire_due_alerts()
    click.echo(f"closed {closed} expired alert(s)")


retention_group = AppGroup("retention", help="Retention of responses and plugin data.")


@retention_group.command("run")
def retention_run_command() -> None:
    """Crypto-shred the responses whose retention period has ended, then let every enabled
    plugin erase what it keeps too long (also runs hourly)."""
    from schoolalert.retention import run_retention

    counts = run_retention()
    click.echo(f"purged the responses of {counts.pop('responses')} alert(s)")
    for plugin, erased in counts.items():
        click.echo(f"{plugin}: erased {erased} record(s)")
