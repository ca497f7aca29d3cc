"""``schoolalert exchange …``: this instance's signing identity and the partners (operator)."""

from __future__ import annotations

from pathlib import Path

import click

from plugins.exchange import keys, partners
from schoolalert.plugin_api import Conflict, InvalidInput, NotFound


@click.group("exchange", help="Cross-border exchange with partners abroad (CAP 1.2).")
def exchange_group() -> None:
    pass


@exchange_group.command("identity")
def identity_command() -> None:
    """Create the signing key and certificate if missing; print the certificate and sender."""
    try:
        identity, created = partners.ensure_identity()
    except InvalidInput as error:
        raise click.ClickException(error.message) from None
    if partners.configured_sender() != identity.sender:
        click.echo(
            f"note: SCHOOLALERT_EXCHANGE_SENDER is now {partners.configured_sender()!r}; "
            "the identity keeps the sender it was created with",
            err=True,
        )
    click.echo(f"{'created' if created else 'existing'} identity")
    click.echo(f"sender: {identity.sender}")
    click.echo(f"fingerprint (SHA-256): {keys.fingerprint(identity.certificate)}")
    click.echo(identity.certificate, nl=False)


@exchange_group.group("partners", help="Partners and their pinned certificates.")
def partners_group() -> None:
    pass


@partners_group.command("add")
@click.option("--name", required=True, help="the name investigators use in share_with")
@click.option("--sender", required=True, help="the CAP sender the partner signs as")
@click.option("--inbox", required=True, help="the partner's inbox URL (https)")
@click.option(
    "--certificate",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the partner's certificate (PEM), received out of band",
)
@click.option(
    "--accepts-exercises",
    is_flag=True,
    default=False,
    help="exercise alerts may be shared with it, as CAP status Exercise (default: no)",
)
def add_partner(
    name: str, sender: str, inbox: str, certificate: Path, accepts_exercises: bool
) -> None:
    """Register a partner and pin its certificate."""
    try:
        partner = partners.add_partner(
            name=name,
            sender=sender,
            inbox_url=inbox,
            certificate=certificate.read_text(encoding="ascii", errors="replace"),
            accepts_exercises=accepts_exercises,
        )
    except (InvalidInput, Conflict) as error:
        raise click.ClickException(error.message) from None
    click.echo(f"partner {partner.name} added: {partner.sender} → {partner.inbox_url}")
    click.echo(f"pinned certificate (SHA-256): {keys.fingerprint(partner.certificate)}")
    click.echo(f"accepts exercises: {_yes_no(partner.accepts_exercises)}")


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


@partners_group.command("set")
@click.argument("name")
@click.option(
    "--accepts-exercises/--no-accepts-exercises",
    required=True,
    default=None,
    help="whether exercise alerts may be shared with the partner (as CAP status Exercise)",
)
def set_partner(name: str, accepts_exercises: bool) -> None:
    """Change a partner's settings: whether it accepts exercises."""
    try:
        partner, changed = partners.set_accepts_exercises(name, accepts_exercises)
    except NotFound as error:
        raise click.ClickException(error.message) from None
    state = "changed" if changed else "unchanged"
    click.echo(f"partner {partner.name}: accepts exercises {_yes_no(accepts_exercises)} ({state})")


@partners_group.command("list")
def list_partners() -> None:
    """The partners, their last delivery, last error and whether they accept exercises."""
    for partner in partners.partners():
        last = (
            partner.last_delivery_at.isoformat(timespec="seconds")
            if partner.last_delivery_at
            else "-"
        )
        error = partner.last_error or "-"
        exercises = f"exercises:{_yes_no(partner.accepts_exercises)}"
        click.echo(
            f"{partner.name}\t{partner.sender}\t{partner.inbox_url}\t{last}\t{error}\t{exercises}"
        )
