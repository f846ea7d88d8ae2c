"""`registry reminders run [--date D] [--dry-run]` and `registry reminders contact`."""

from __future__ import annotations

from datetime import UTC, date, datetime

import click

from registry import ledger, reminders
from registry.cli.common import cli, fail_cleanly, open_initialised
from registry.commands.base import Actor
from registry.domain.reminder import RECIPIENT_ROLES
from registry.reminders import mail


@cli.group("reminders")
def reminders_group() -> None:
    """Notices to teachers, school heads and district departments, sent by e-mail."""


@reminders_group.command("run")
@click.option(
    "--date",
    "day",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="The day to decide for (default: today).",
)
@click.option("--dry-run", is_flag=True, help="Print what would go out; record and send nothing.")
@click.pass_context
@fail_cleanly
def run(ctx: click.Context, day: datetime | None, dry_run: bool) -> None:
    """Decide the day's notices (each once), then send what waits in the outbox."""
    on = day.date() if day else date.today()
    app = open_initialised(ctx, primary_only=True)
    try:
        with ledger.sealing(app):
            result = reminders.run(app, on, dry_run=dry_run, now=datetime.now(UTC))
        backlog = mail.backlog(app.db)
    finally:
        app.close()
    for notice in result["notices"]:
        click.echo(
            f"{notice['outcome']:<11} {notice['kind']:<20} due {notice['due_date']} "
            f"to {notice['recipient_role']} {'<' + notice['recipient'] + '>' if notice['recipient'] and dry_run else ''}"
            f" teacher {notice['teacher_id']}".rstrip()
        )
    d = result["delivery"]
    click.echo(
        f"{on}: {len(result['notices'])} notices; sent {d['sent']}, to retry {d['retry']}, "
        f"failed {d['failed']}, outcome unknown {d['unknown']}; waiting {backlog['pending']}"
    )


@reminders_group.command("contact")
@click.option("--role", type=click.Choice(RECIPIENT_ROLES), required=True)
@click.option("--district", required=True)
@click.option("--school", default=None, help="The school (school heads).")
@click.option("--name", required=True, help="Who: the head's name or the department's.")
@click.option("--email", required=True)
@click.pass_context
@fail_cleanly
def contact(
    ctx: click.Context, role: str, district: str, school: str | None, name: str, email: str
) -> None:
    """Record the e-mail of a school head or a district education department."""
    if role == "school_head" and not school:
        raise click.UsageError("--school is required for a school head")
    app = open_initialised(ctx, primary_only=True)
    try:
        with ledger.sealing(app):
            reminders.set_recipient(app, Actor.system(), role, district, school, name, email)
    finally:
        app.close()
    click.echo(f"recorded the {role.replace('_', ' ')} of {school or district}")
