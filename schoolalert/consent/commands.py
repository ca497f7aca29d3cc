"""``schoolalert terms …``: publish and list terms versions (the operator is the actor)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from schoolalert.consent import terms
from schoolalert.consent.models import TermsKind
from schoolalert.errors import DomainError

terms_group = AppGroup("terms", help="Participation terms and the staff confidentiality statement.")


@terms_group.command("publish")
@click.argument("kind", type=click.Choice([kind.value for kind in TermsKind]))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--keep-acceptances",
    is_flag=True,
    help="Earlier acceptances stay valid (by default everyone must accept the new version).",
)
def publish_command(kind: str, path: Path, keep_acceptances: bool) -> None:
    """Publish the text in PATH (UTF-8) as the next version of KIND."""
    try:
        version = terms.publish(
            None,
            TermsKind(kind),
            path.read_text(encoding="utf-8-sig"),
            requires_reacceptance=not keep_acceptances,
        )
    except (DomainError, UnicodeDecodeError) as error:
        raise click.ClickException(str(getattr(error, "message", error))) from None
    again = "re-acceptance required" if version.requires_reacceptance else "acceptances kept"
    click.echo(f"published {kind} version {version.version} ({again})")


@terms_group.command("list")
def list_command() -> None:
    """Every published version, newest first per kind."""
    for version in terms.all_versions():
        again = "re-acceptance" if version.requires_reacceptance else "kept"
        click.echo(
            f"{version.kind.value:<16} {version.version:>3}  "
            f"{version.published_at:%Y-%m-%d %H:%M} UTC  {again}"
        )
