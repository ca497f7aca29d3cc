"""``schoolalert audit verify``."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from schoolalert.audit.services import verify_chain

audit_group = AppGroup("audit", help="Check the audit trail.")


@audit_group.command("verify")
def verify_command() -> None:
    """Recompute the hash chain: exit 0 when intact, 1 with the first broken entry."""
    result = verify_chain()
    if result.intact:
        click.echo(f"audit trail intact: {result.checked} entries")
        return
    click.echo(
        f"audit trail BROKEN at entry {result.broken_sequence}: {result.reason} "
        f"({result.checked} entries before it are intact)",
        err=True,
    )
    sys.exit(1)
