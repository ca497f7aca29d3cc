"""``schoolalert referral …``: organisations, workers and reminders for the operator."""

from __future__ import annotations

import click

from plugins.referral import services
from schoolalert.plugin_api import InvalidInput, NotFound


@click.group("referral", help="Support referral: organisations, workers, reminders.")
def referral_group() -> None:
    pass


@referral_group.group("organisations", help="Support organisations.")
def organisations_group() -> None:
    pass


@organisations_group.command("add")
@click.option("--name", required=True)
@click.option(
    "--kind", required=True, type=click.Choice(["victim_support", "school_support", "counselling"])
)
@click.option("--regions", required=True, help="police units served: RE01,RE02")
@click.option("--email", required=True, help="the organisation's contact address")
@click.option("--phone", default="")
@click.option("--address", default="")
@click.option("--opening-hours", default="")
@click.option("--first-contact-hours", type=int, default=24, show_default=True)
def add_organisation(
    name: str,
    kind: str,
    regions: str,
    email: str,
    phone: str,
    address: str,
    opening_hours: str,
    first_contact_hours: int,
) -> None:
    """Add an organisation; prints its id."""
    try:
        organisation = services.add_organisation(
            None,
            services.OrganisationInput(
                name=name,
                kind=kind,
                regions=regions.split(","),
                email=email,
                phone=phone,
                address=address,
                opening_hours=opening_hours,
                first_contact_hours=first_contact_hours,
            ),
        )
    except InvalidInput as error:
        raise click.ClickException(f"{error.field}: {error.message}") from None
    click.echo(organisation.id)


@organisations_group.command("list")
def list_organisations() -> None:
    """List the organisations: id, kind, police units, name."""
    for organisation in services.organisations():
        state = "" if organisation.active else " (inactive)"
        click.echo(
            f"{organisation.id}\t{organisation.kind}\t{organisation.regions}\t"
            f"{organisation.name}{state}"
        )


@referral_group.group("workers", help="Support workers of an organisation.")
def workers_group() -> None:
    pass


@workers_group.command("add")
@click.option("--organisation", "organisation_id", required=True, type=int)
@click.option("--email", required=True)
def add_worker(organisation_id: int, email: str) -> None:
    """Make an existing support_worker user a worker of the organisation."""
    try:
        services.add_worker(None, organisation_id, email)
    except InvalidInput as error:
        raise click.ClickException(error.message) from None
    except NotFound as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{email} works for organisation {organisation_id}")


@referral_group.command("remind")
def remind() -> None:
    """Mail each organisation about referrals still requested (also runs hourly)."""
    counts = services.remind()
    click.echo(
        f"reminded {counts['organisations']} organisation(s); "
        f"{counts['overdue']} overdue referral(s) reported to the administrators"
    )
