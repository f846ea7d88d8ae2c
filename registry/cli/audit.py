"""`registry ledger verify|status|seal` and `registry replay --until T --into URL`."""

from __future__ import annotations

import getpass
import json
import re
import sys

import click

from registry.cli.common import cli, fail_cleanly, open_initialised

_PUBLISHED = re.compile(r"^(\d+)[:=]([0-9a-fA-F]{64})$")


@cli.group()
def ledger() -> None:
    """The tamper-evident hash chain over the event log."""


def _published(values: tuple[str, ...]) -> dict[int, str]:
    heads: dict[int, str] = {}
    for value in values:
        match = _PUBLISHED.match(value.strip())
        if not match:
            raise click.BadParameter(
                f"{value!r} is not POSITION:HASH (a 64-digit hex hash)", param_hint="--published"
            )
        heads[int(match.group(1))] = match.group(2).lower()
    return heads


EXIT_TAMPERED = 1
EXIT_UNSEALED = 3  # 2 is click's for a bad option


@ledger.command("verify")
@click.option(
    "--published",
    multiple=True,
    metavar="POSITION:HASH",
    help="A head published earlier (GET /ledger); the chain must still pass "
    "through it. Repeatable.",
)
@click.option(
    "--allow-unsealed",
    is_flag=True,
    help="Exit 0 even when events after the last checkpoint are not sealed yet.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
@fail_cleanly
def verify_command(
    ctx: click.Context, published: tuple[str, ...], allow_unsealed: bool, as_json: bool
) -> None:
    """Recompute the chain from the stored events; name the first position changed.

    Prints "verified N of M events; U not sealed". Exits 0 when every event is sealed and
    matches the ledger (and every published head), 1 when the log or the ledger was
    changed, 3 when they match but U events are not sealed yet: nothing vouches for those
    (`registry ledger seal`, or a running follower, seals them), unless --allow-unsealed.
    """
    from registry import ledger as audit_ledger

    heads = _published(published)
    app = open_initialised(ctx)
    try:
        report = audit_ledger.verify(app, published=heads, requested_by=_who())
    finally:
        app.close()
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2))
    else:
        _print_report(report, allow_unsealed)
    if not report.ok:
        sys.exit(EXIT_TAMPERED)
    if report.unsealed_events and not allow_unsealed:
        sys.exit(EXIT_UNSEALED)


def _who() -> str:
    """Who asked, as the verifications record it: the command line and its user."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in this environment (a container without one)
        return "cli"


def _print_report(report, allow_unsealed: bool) -> None:
    # The first line is the verdict: "verified" only when what was checked held.
    verdict = (
        f"verified {report.sealed_events:,} of {report.events:,} events"
        if report.ok
        else f"TAMPERED: checked {report.sealed_events:,} of {report.events:,} events, "
        f"changed from position {report.first.position}"
    )
    click.echo(f"{verdict}; {report.unsealed_events:,} not sealed")
    click.echo(
        f"read {report.events:,} events ({report.sealed_events:,} sealed in "
        f"{report.checkpoints:,} checkpoints) in {report.seconds:.2f} s "
        f"({report.rate:,.0f} events/s)"
    )
    click.echo(f"head: position {report.head_position} sha256 {report.head_hash}")
    if report.published_checked:
        click.echo(f"published heads checked: {report.published_checked}")
    if report.ok:
        which = "sealed" if report.unsealed_events else "stored"
        click.echo(f"OK: every {which} event matches the ledger")
        if report.unsealed_events:
            click.echo(
                f"{'note' if allow_unsealed else 'NOT SEALED'}: {report.unsealed_events:,} "
                f"events after position {report.sealed_position or 0} are not sealed yet, so "
                "nothing vouches for them (`registry ledger seal`, or keep a follower "
                "running: `registry serve` or `registry projections run`)"
            )
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

    app = open_initialised(ctx)
    try:
        head = audit_ledger.head(app)
    finally:
        app.close()
    if as_json:
        click.echo(json.dumps(head, indent=2))
        return
    click.echo(f"algorithm: {head['algorithm']}")
    click.echo(f"head: position {head['position']} sha256 {head['hash']}")
    click.echo(
        f"sealed: {head['events']:,} events in {head['checkpoint_count']:,} checkpoints "
        f"(every {head['checkpoint_events']:,} events)"
    )
    click.echo(
        f"log: position {head['log_position']}, {head['unsealed_events']:,} events not sealed yet"
    )
    last = head["last_verification"]
    if last:
        verdict = "OK" if last["ok"] else f"TAMPERED at position {last['first_position']}"
        by = f" by {last['requested_by']}" if last["requested_by"] else ""
        click.echo(
            f"last verified: {last['verified_at']}{by} ({verdict}, {last['events']:,} events)"
        )
    else:
        click.echo("last verified: never")


@ledger.command("seal")
@click.pass_context
@fail_cleanly
def seal_command(ctx: click.Context) -> None:
    """Extend the checkpoints over every event not yet sealed."""
    from registry import ledger as audit_ledger

    app = open_initialised(ctx)
    try:
        sealed = audit_ledger.seal(app)
        head = audit_ledger.head(app)
    finally:
        app.close()
    click.echo(f"sealed {sealed:,} events; head: position {head['position']} sha256 {head['hash']}")


@cli.command("replay")
@click.option(
    "--until",
    "until_text",
    required=True,
    metavar="TIME",
    help="Replay the events recorded up to this moment: ISO 8601 with its UTC offset "
    "(as the reads' known_at, e.g. 2024-05-01T09:30:00+06:00), or a bare date for the end "
    "of that day in Bishkek.",
)
@click.option(
    "--into",
    "into",
    required=True,
    metavar="URL",
    help="An empty or new database (sqlite:///path or postgresql://…/db).",
)
@click.option(
    "--as-of",
    "as_of",
    multiple=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="Compare compliance on this date (default: the day of --until). Repeatable.",
)
@click.option(
    "--exhaustive",
    is_flag=True,
    help="Compare every teacher, not only those with facts recorded later.",
)
@click.option(
    "--limit", default=50, show_default=True, help="Differences to list (all are in --json)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
@fail_cleanly
def replay_command(
    ctx: click.Context,
    until_text: str,
    into: str,
    as_of: tuple,
    exhaustive: bool,
    limit: int,
    as_json: bool,
) -> None:
    """Rebuild the registry as known at a moment in a separate database, and report how
    today's answers differ from the answers as known then."""
    from registry.replay import parse_moment, replay

    until = parse_moment(until_text)
    app = open_initialised(ctx)
    try:
        with click.progressbar(
            length=app.max_position() or 0, label="copying", file=sys.stderr
        ) as bar:

            def on_batch(phase: str, events: int) -> None:
                if phase == "copy":
                    bar.update(events)

            report = replay(
                app,
                until,
                into,
                as_of=[d.date() for d in as_of] or None,
                exhaustive=exhaustive,
                on_batch=on_batch,
            )
    finally:
        app.close()
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
        return
    _print_replay(report, limit)


def _print_replay(report, limit: int) -> None:
    copy = report.copy
    click.echo(
        f"replayed {copy.copied:,} events recorded up to {report.until.isoformat()} "
        f"into {report.into}{' (created)' if report.created else ''}; "
        f"{copy.later:,} recorded later were left out"
        + (f", {copy.orphaned:,} more with them" if copy.orphaned else "")
    )
    if copy.copied and copy.is_prefix:
        click.echo(
            f"the replayed log is the live log up to position {copy.last_position}; "
            f"its ledger head is sha256 {report.ledger_head['hash']}"
        )
    elif copy.copied:
        click.echo(
            "note: events recorded by then sit after later ones in the log (the clock "
            f"went back); the replayed ledger head is sha256 {report.ledger_head['hash']}"
        )
    click.echo(
        f"views rebuilt: {report.rebuilt_events:,} events in "
        f"{report.rebuild_seconds:.2f} s (copy {copy.seconds:.2f} s)"
    )
    comparison = report.comparison
    if comparison is None:
        return
    days = ", ".join(d.isoformat() for d in comparison.as_of)
    click.echo(
        f"compliance on {days}, as known then vs now: {comparison.teachers:,} teachers "
        f"registered then ({comparison.registered_later:,} since); "
        f"{comparison.compared:,} with facts recorded later compared, "
        f"{comparison.unaffected:,} unaffected"
        + ("; a policy version was adopted later" if comparison.policy_changed else "")
    )
    click.echo(f"differences: {len(comparison.differences):,}")
    for change, count in comparison.changes().most_common():
        click.echo(f"  {change}: {count:,}")
    for difference in comparison.differences[:limit]:
        then, now = difference.then, difference.now
        click.echo(
            f"{difference.pin}  {difference.full_name}  on {difference.as_of}: "
            f"{then.get('status')} ({then.get('hours', 0)} h) -> "
            f"{now.get('status')} ({now.get('hours', 0)} h)"
        )
        for reason in difference.affecting:
            click.echo(f"    {reason.text}")
        rest = difference.unaffecting
        if rest:
            click.echo(f"    also recorded later, not affecting this answer ({len(rest)}):")
            for reason in rest:
                click.echo(f"      {reason.text}")
    if len(comparison.differences) > limit:
        click.echo(f"… {len(comparison.differences) - limit:,} more (use --json or --limit)")
