"""The ``schoolalert`` command line: ``flask --app schoolalert`` under its own name."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from schoolalert.app import create_app


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False)
def main() -> None:
    """Schoolalert: secure alerts from the Dutch police to participating primary schools."""
