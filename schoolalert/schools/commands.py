"""``schoolalert schools …``: import DUO files, reload the reference geography."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from schoolalert.extensions import db
from schoolalert.schools.duo import DuoFormatError
from schoolalert.schools.geography import sync_reference_geography
from schoolalert.schools.importer import ImportResult, import_boards, import_locations

schools_group = AppGroup("schools", help="The school registry: DUO import, reference geography.")

FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)


@schools_group.command("import")
@click.argument("path", type=FILE)
@click.option("--boards", type=FILE, help="DUO boards file (besturenbo.csv), imported first.")
@click.option("--dry-run", is_flag=True, help="Check and count, change nothing in the registry.")
def import_command(path: Path, boards: Path | None, dry_run: bool) -> None:
    """Import school locations from a DUO CSV file (vestigingenbo.csv, vestigingenso.csv or
    the older alle-vestigingen-basisonderwijs.csv). Locations of the file's kinds that it no
    longer lists become inactive. A bad row is reported by line number and skipped."""
    results: list[ImportResult] = []
    steps = [(boards, import_boards)] if boards else []
    for file, service in [*steps, (path, import_locations)]:
        try:
            results.append(service(db.session, file.read_bytes(), file.name, dry_run=dry_run))
        except DuoFormatError as error:
            raise click.ClickException(f"{file.name}: {error}; nothing was imported") from None
    for result in results:
        _report(result)


def _report(result: ImportResult) -> None:
    dry = " (dry run: nothing changed)" if result.dry_run else ""
    click.echo(
        f"{result.file_name}: {result.kind.value}, {result.layout} header, {result.encoding}, "
        f"{result.rows} rows{dry}"
    )
    for issue in result.issues:
        click.echo(f"  {issue}")
    click.echo(f"{result.file_name}: {result.summary()}")


@schools_group.command("geography")
def geography_command() -> None:
    """Load or refresh the reference municipalities and postcode areas in the database."""
    outcome = sync_reference_geography(db.session)
    click.echo(f"Reference geography: {outcome.created} rows added, {outcome.updated} updated")
