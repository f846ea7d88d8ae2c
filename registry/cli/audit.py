"""`registry ledger verify|status|seal` and `registry replay --until T --into URL`."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from registry.bootstrap import open_registry
from registry.cli.common import cli, fail_cleanly, settings_from
from registry.domain.errors import NotFoundError
from registry.schema import is_initialised

_PUBLISHED = re.compile(r"^(\d+)[:=]([0-9a-fA-F]{64})$")


def _open(ctx: click.Context):
    """The registry of this invocation; auditing a database that is not one is an error."""
    settings = settings_from(ctx)
    url = settings.database
    # Checking an SQLite path that does not exist would create an empty file there.
    missing = url.backend == "sqlite" and not Path(url.path).exists()
    if missing or not is_initialised(settings):
        raise NotFoundError(f"{settings.database.redacted()} is not an initialised registry "
                            "database", code="not_a_registry")
    return open_registry(settings, auto_init=False)


@cli.group()
def ledger() -> None:
    """The tamper-evident hash chain over the event log."""


def _published(values: tuple[str, ...]) -> dict[int, str]:
    heads: dict[int, str] = {}
    for value in values:
        match = _PUBLISHED.match(value.strip())
        if not match:
            raise click.BadParameter(f"{value!r} is not POSITION:HASH (a 64-digit hex hash)",
                                     param_hint="--published")
        heads[int(match.group(1))] = match.group(2).lower()
    return heads


@ledger.command("verify")
@click.option("--published", multiple=True, metavar="POSITION:HASH",
              help="A head published earlier (GET /ledger); the chain must still pass "
                   "through it. Repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
@fail_cleanly
def verify_command(ctx: click.Context, published: tuple[str, ...], as_json: bool) -> None:
    """Recompute the chain from the stored events; name the first position changed.

    Exits 0 when the log matches its checkpoints (and every published head), 1 when it
    does not.
    """
    from registry import ledger as audit_ledger

    heads = _published(published)
    app = _open(ctx)
    try:
        report = audit_ledger.verify(app, published=heads)
    finally:
        app.close()
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2))
    else:
        _print_report(report)
    sys.exit(0 if report.ok else 1)


def _print_report(report) -> None:
    click.echo(f"checked {report.events:,} events ({report.sealed_events:,} sealed in "
               f"{report.checkpoints:,} checkpoints, {report.unsealed_events:,} after the last "
               f"one) in {report.seconds:.2f} s ({report.rate:,.0f} events/s)")
    click.echo(f"head: position {report.head_position} sha256 {report.head_hash}")
    if report.published_checked:
        click.echo(f"published heads checked: {report.published_checked}")
    if report.ok:
        click.echo("OK: every stored event matches the ledger")
        if report.unsealed_events:
            click.echo(f"note: {report.unsealed_events:,} events after position "
                       f"{report.sealed_position or 0} are not sealed yet "
                       "(`registry ledger seal`, or keep `registry projections run` going)")
        return
    first = report.first
    click.echo(f"TAMPERED: first change at position {first.position}: {first.message}")
    for finding in sorted(report.findings, key=lambda f: f.position):
        click.echo(f"  {finding.position:>10}  {finding.kind:<14} {finding.message}")
    if report.truncated:
        click.echo("  … (more findings not listed)")


@ledger.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the head as JSON.")
@click.pass_context
@fail_cleanly
def status_command(ctx: click.Context, as_json: bool) -> None:
    """Show the ledger's head (what auditors publish) and how much is not sealed yet."""
    from registry import ledger as audit_ledger

    app = _open(ctx)
    try:
        head = audit_ledger.head(app)
    finally:
        app.close()
    if as_json:
        click.echo(json.dumps(head, indent=2))
        return
    click.echo(f"algorithm: {head['algorithm']}")
    click.echo(f"head: position {head['position']} sha256 {head['hash']}")
    click.echo(f"sealed: {head['events']:,} events in {head['checkpoint_count']:,} checkpoints "
               f"(every {head['checkpoint_events']:,} events)")
    click.echo(f"log: position {head['log_position']}, {head['unsealed_events']:,} events "
               "not sealed yet")
    last = head["last_verification"]
    if last:
        verdict = "OK" if last["ok"] else f"TAMPERED at position {last['first_position']}"
        click.echo(f"last verified: {last['verified_at']} ({verdict}, {last['events']:,} "
                   "events)")
    else:
        click.echo("last verified: never")


@ledger.command("seal")
@click.pass_context
@fail_cleanly
def seal_command(ctx: click.Context) -> None:
    """Extend the checkpoints over every event not yet sealed."""
    from registry import ledger as audit_ledger

    app = _open(ctx)
    try:
        sealed = audit_ledger.seal(app)
        head = audit_ledger.head(app)
    finally:
        app.close()
    click.echo(f"sealed {sealed:,} events; head: position {head['position']} "
               f"sha256 {head['hash']}")
