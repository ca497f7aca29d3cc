"""The ``schoolalert`` command line: ``flask --app schoolalert`` under its own name."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import FlaskGroup
from sqlalchemy.exc import OperationalError, ProgrammingError

from schoolalert.app import create_app

NOT_INITIALISED = ("no such table", "does not exist", "unable to open database file")


class SchoolalertGroup(FlaskGroup):
    """Says what to do when the database has not been initialised yet."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (OperationalError, ProgrammingError) as error:
            if any(marker in str(error.orig) for marker in NOT_INITIALISED):
                raise click.ClickException(
                    f"the database is not set up ({error.orig}): run `schoolalert init` first, "
                    "and check SCHOOLALERT_DATABASE_URL"
                ) from None
            raise


@click.group(cls=SchoolalertGroup, create_app=create_app, add_version_option=False)
def main() -> None:
    """Schoolalert: secure alerts from the Dutch police to participating primary schools."""
