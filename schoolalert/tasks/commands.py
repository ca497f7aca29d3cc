"""``schoolalert outbox …``: look at the delivery backlog, sweep by hand, resume given-up work."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from schoolalert.tasks.sweeper import backlog, retry_failed, sweep

outbox_group = AppGroup("outbox", help="The outbox of background work: backlog, sweep, retry.")


@outbox_group.command("status")
def status_command() -> None:
    """Show the backlog; exit status 1 while delivery is degraded."""
    state = backlog()
    for key, value in state.as_dict().items():
        click.echo(f"{key}: {value if value is not None else '-'}")
    click.echo(f"delivery: {'degraded' if state.degraded else 'ok'}")
    if state.degraded:
        raise SystemExit(1)


@outbox_group.command("dispatch")
def dispatch_command() -> None:
    """Sweep now: free abandoned runs, re-queue lost jobs, hand over (or run) what is due."""
    result = sweep()
    click.echo(
        f"released {result.released} abandoned, re-queued {result.requeued} lost, "
        f"handed over {result.handed_over} due"
    )


@outbox_group.command("retry")
def retry_command() -> None:
    """Resume the messages that were given up (attempts start afresh), then sweep."""
    resumed = retry_failed()
    result = sweep()
    click.echo(f"resumed {resumed} failed, handed over {result.handed_over} due")
