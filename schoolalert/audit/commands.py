"""``schoolalert audit verify`` and ``schoolalert audit checkpoint``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from schoolalert.audit.checkpoints import read_checkpoints, write_checkpoint
from schoolalert.audit.services import verify_chain

audit_group = AppGroup("audit", help="Check the audit trail.")


@audit_group.command("verify")
@click.option(
    "--checkpoints",
    "checkpoints_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A checkpoint file to hold the chain against (default: the instance's own; use the "
    "copy kept on the second system).",
)
def verify_command(checkpoints_path: Path | None) -> None:
    """Recompute the MAC chain and compare it with the signed checkpoints: exit 0 when intact,
    1 with the first bad entry or the missing range."""
    result = verify_chain(read_checkpoints(checkpoints_path))
    if result.intact:
        click.echo(
            f"audit trail intact: {result.checked} entries, {result.checkpoints} checkpoints"
        )
        return
    where = f" at entry {result.broken_sequence}" if result.broken_sequence else ""
    click.echo(
        f"audit trail BROKEN{where}: {result.reason} "
        f"({result.checked} entries before it are intact)",
        err=True,
    )
    sys.exit(1)


@audit_group.command("checkpoint")
def checkpoint_command() -> None:
    """Write a signed checkpoint of the chain's head now (also every 15 minutes)."""
    checkpoint = write_checkpoint("manual")
    click.echo(f"checkpoint: entry {checkpoint.sequence} {checkpoint.head} at {checkpoint.time}")
