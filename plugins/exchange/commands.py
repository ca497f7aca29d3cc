"""``schoolalert exchange …``: this instance's signing identity and the partners (operator)."""

from __future__ import annotations

from pathlib import Path

import click

from plugins.exchange import keys, partners
from schoolalert.plugin_api import Conflict, InvalidInput


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
def add_partner(name: str, sender: str, inbox: str, certificate: Path) -> None:
    """Register a partner and pin its certificate."""
    try:
        partner = partners.add_partner(
            name=name,
            sender=sender,
            inbox_url=inbox,
            certificate=certificate.read_text(encoding="ascii", errors="replace"),
        )
    except (InvalidInput, Conflict) as error:
        raise click.ClickException(error.message) from None
    click.echo(f"partner {partner.name} added: {partner.sender} → {partner.inbox_url}")
    click.echo(f"pinned certificate (SHA-256): {keys.fingerprint(partner.certificate)}")


@partners_group.command("list")
def list_partners() -> None:
    """The partners, their last delivery and last error."""
    for partner in partners.partners():
        last = (
            partner.last_delivery_at.isoformat(timespec="seconds")
            if partner.last_delivery_at
            else "-"
        )
        error = partner.last_error or "-"
        click.echo(f"{partner.name}\t{partner.sender}\t{partner.inbox_url}\t{last}\t{error}")
