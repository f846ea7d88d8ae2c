"""`registry init` and `registry users create`."""

from __future__ import annotations

import click

from registry import ledger
from registry.bootstrap import initialise, open_registry
from registry.cli.common import cli, fail_cleanly, settings_from
from registry.commands.base import Actor
from registry.domain.values import ROLES


@cli.command()
@click.pass_context
@fail_cleanly
def init(ctx: click.Context) -> None:
    """Create the event store, its append-only guards and the views (once; safe to repeat)."""
    settings = settings_from(ctx)
    initialise(settings)
    click.echo(f"initialised {settings.database.redacted()}")


@cli.group()
def users() -> None:
    """Accounts of the people who use the registry."""


@users.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--provider", "provider_code", default=None, help="Provider code (registrars).")
@click.option("--region", default=None, help="Region code (commission members, optional).")
@click.option("--password", default=None, help="Password for signing in to the web pages.")
@click.pass_context
@fail_cleanly
def create_user(
    ctx: click.Context,
    name: str,
    role: str,
    provider_code: str | None,
    region: str | None,
    password: str | None,
) -> None:
    """Create an account; the API token is printed as the last line."""
    app = open_registry(settings_from(ctx), auto_init=True)
    try:
        with ledger.sealing(app):  # every writer leaves the log sealed
            result, token = app.create_account(
                Actor.system(),
                name=name,
                role=role,
                provider_code=provider_code,
                region=region,
                password=password,
            )
    finally:
        app.close()
    scope = result.data["provider_code"] or result.data["region"] or "national"
    click.echo(f"created {result.data['role']} account {result.data['name']} ({scope})")
    click.echo(token)
