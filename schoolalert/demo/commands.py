"""``schoolalert demo``: load the demo data (idempotent) and print the logins."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from schoolalert.config import is_production
from schoolalert.demo.loader import load_demo


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load demo boards, schools, users of every role and a live synthetic alert; print logins."""
    if is_production(current_app.config):
        raise click.ClickException("refusing to load demo data in production")
    result = load_demo()
    base = current_app.config["BASE_URL"]
    click.echo(
        f"Demo: {result.schools} schools ({result.participating} taking part), "
        f"alert {result.alert_id} published ({base}/alerts/{result.alert_id}), "
        f"regional targeting {result.regional}."
    )
    click.echo("")
    click.echo(f"Sign in at {base}/sign-in with the e-mail address and password, then the code")
    click.echo(
        "of an authenticator app set up with the TOTP secret (or: oathtool --totp -b SECRET)."
    )
    for login in result.logins:
        click.echo("")
        click.echo(
            f"  {login.role.value:<15} {login.email}" + (f"  ({login.note})" if login.note else "")
        )
        click.echo(f"  {'':<15} password:    {login.password}")
        click.echo(f"  {'':<15} TOTP secret: {login.totp_secret}")
