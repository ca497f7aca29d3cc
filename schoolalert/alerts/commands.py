"""``schoolalert expire`` and ``schoolalert retention run``."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from schoolalert.alerts.closing import expire_due_alerts, purge_expired_responses


@click.command("expire")
@with_appcontext
def expire_command() -> None:
    """Close the alerts whose time is up (also runs every minute in the background)."""
    closed = expire_due_alerts()
    click.echo(f"closed {closed} expired alert(s)")


retention_group = AppGroup("retention", help="Retention of responses after an alert closed.")


@retention_group.command("run")
def retention_run_command() -> None:
    """Crypto-shred the responses whose retention period has ended (also runs hourly)."""
    purged = purge_expired_responses()
    click.echo(f"purged the responses of {purged} alert(s)")
