"""``schoolalert users …``: accounts from the command line (the operator is the actor)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from schoolalert.accounts import second_factor, services, tokens
from schoolalert.accounts.passwords import PasswordRejected
from schoolalert.accounts.roles import Role
from schoolalert.errors import DomainError
from schoolalert.extensions import db
from schoolalert.schools.models import Board, School

users_group = AppGroup("users", help="Create users and issue API tokens.")


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--school", "school_code", help="School location code (VESTIGINGSCODE) of staff.")
@click.option(
    "--board", "board_number", help="Board number (BEVOEGD GEZAG NUMMER) of a board admin."
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--totp-secret", help="Base32 TOTP secret; without it the user enrols at sign-in.")
def create_command(
    email: str,
    name: str,
    role: str,
    school_code: str | None,
    board_number: str | None,
    password_stdin: bool,
    totp_secret: str | None,
) -> None:
    """Create a user; asks for the password unless --password-stdin is given."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    school = board = None
    if school_code:
        school = db.session.scalar(select(School).where(School.code == school_code.upper()))
        if school is None:
            raise click.ClickException(f"no school location with code {school_code}")
    if board_number:
        board = db.session.scalar(select(Board).where(Board.number == board_number.strip()))
        if board is None:
            raise click.ClickException(f"no board with number {board_number}")
    try:
        user = services.create_user(
            None,
            email=email,
            name=name,
            role=Role(role),
            password=password,
            school=school,
            board=board,
        )
        if totp_secret:
            second_factor.set_confirmed_totp(user, totp_secret.replace(" ", "").upper())
    except PasswordRejected as rejected:
        raise click.ClickException(f"password refused: {rejected.reason}") from None
    except (DomainError, ValueError) as error:
        raise click.ClickException(str(getattr(error, "message", error))) from None
    click.echo(f"created user {user.id} ({user.email}, {user.role.value})")


@users_group.command("token")
@click.option("--email", required=True)
@click.option("--days", default=90, show_default=True, type=int)
@click.option("--label", default="", help="What the token is for (shown to administrators).")
def token_command(email: str, days: int, label: str) -> None:
    """Issue a machine API token for a police/OM/admin client; it is printed only once."""
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no user with e-mail {email}")
    try:
        token, row = tokens.issue_machine_token(None, user, days=days, label=label)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(token)
    click.echo(
        f"token {row.id} for {user.email}, valid until {row.expires_at:%Y-%m-%d %H:%M} UTC",
        err=True,
    )


@users_group.command("deactivate")
@click.option("--email", required=True)
def deactivate_command(email: str) -> None:
    """Deactivate a user: all their sessions and tokens end at once."""
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no user with e-mail {email}")
    services.deactivate_user(None, user)
    click.echo(f"deactivated {user.email}")
