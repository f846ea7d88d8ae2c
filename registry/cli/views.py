"""`registry projections status|run|rebuild [NAME]`: the views' state, following, rebuilding."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Sequence

import click
from tqdm import tqdm

from registry.bootstrap import open_registry, open_worker
from registry.cli.common import cli, fail_cleanly, settings_from
from registry.domain.clock import now
from registry.projections import deadletters
from registry.projections.catalogue import view_names
from registry.projections.checks import last_check
from registry.projections.follower import Follower
from registry.queries.progress import views_standing
from registry.rebuild import rebuild_in_processes, split


@cli.group()
def projections() -> None:
    """The views of the event log: their positions, following new events, rebuilding."""


def _names(names: Sequence[str]) -> list[str] | None:
    return list(names) or None


def _status_table(app, names: list[str] | None) -> list[str]:
    rows = views_standing(app, names)
    lines = [
        f"{'view':<14}{'position':>12}{'head':>12}{'lag':>10}{'pending':>10}"
        f"{'rate/s':>10}  {'state':<11} updated (UTC)"
    ]
    for r in rows:
        updated = r["updated_at"].strftime("%Y-%m-%d %H:%M:%S") if r["updated_at"] else "never"
        rate = f"{r['rate']:,.0f}" if r["rate"] else "-"
        state = "caught up" if r["caught_up"] else "behind"
        lines.append(
            f"{r['name']:<14}{r['position']:>12,}{r['head']:>12,}{r['lag']:>10,}"
            f"{r['pending']:>10,}{rate:>10}  {state:<11} {updated}"
        )
    lines.append(_checked_line(last_check(app)))
    return lines


def _checked_line(checked) -> str:
    """When a follower last looked at the log: what tells caught up from stuck."""
    if checked is None:
        return (
            "checked: no follower has looked at the log yet (`registry serve` or "
            "`registry projections run` keeps the views current)"
        )
    ago = max(0, int((now() - checked).total_seconds()))
    return (
        f"checked: a follower last looked at the log {checked:%Y-%m-%d %H:%M:%S} UTC "
        f"({ago:,} s ago)"
    )


@projections.command("status")
@click.argument("names", nargs=-1, type=click.Choice(view_names()))
@click.pass_context
@fail_cleanly
def status(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Each view's position, the log's head, the lag, the events it handles still to
    apply (none: caught up), the rate of its last batch, and when a follower last looked."""
    app = open_registry(settings_from(ctx))
    try:
        for line in _status_table(app, _names(names)):
            click.echo(line)
        for line in _dead_letter_lines(app, _names(names)):
            click.echo(line)
    finally:
        app.close()


def _dead_letter_lines(app, names: list[str] | None) -> list[str]:
    """The events views set aside (none: one reassuring line)."""
    letters = [
        d
        for d in deadletters.listed(app.db, app.name, limit=1000)
        if not names or d.projection in names
    ]
    if not letters:
        return ["dead letters: none"]
    lines = [
        f"dead letters: {len(letters)} event(s) set aside (the views went on; reads "
        "about these aggregates say they are incomplete)"
    ]
    for d in letters:
        lines.append(
            f"  {d.projection:<12} position {d.position:>10,}  {d.event_type}  "
            f"{d.originator_id}  {d.error[:160]}"
        )
    return lines


@projections.command("rebuild")
@click.argument("names", nargs=-1, type=click.Choice(view_names()))
@click.option(
    "--batch-size", default=25_000, show_default=True, help="Events applied per transaction."
)
@click.option(
    "--processes",
    default=2,
    show_default=True,
    type=click.IntRange(1, 8),
    help="Spread the views over this many processes, each reading the log "
    "(on SQLite they queue only to write, not while handling events).",
)
@click.pass_context
@fail_cleanly
def rebuild(ctx: click.Context, names: tuple[str, ...], batch_size: int, processes: int) -> None:
    """Empty the views (all, or those named) and apply the whole log again.

    The views are empty until their rebuild reaches them; reads meanwhile see partial
    views (a rebuild is maintenance: run it before opening the doors). Like `run`, it
    writes on the primary and does not open a read database.
    """
    app = open_registry(settings_from(ctx, primary_only=True))
    try:
        worker = open_worker(app, _names(names))
        head = worker.head()
        click.echo(f"rebuilding {', '.join(v.name for v in worker.views)} from {head:,} events")
        with tqdm(total=head, unit="ev", unit_scale=True, desc="rebuild") as bar:
            if len(split(worker.views, processes)) > 1:
                progress = rebuild_in_processes(
                    app,
                    worker,
                    processes,
                    batch_size,
                    on_progress=lambda position: bar.update(position - bar.n),
                )
            else:
                progress = worker.rebuild(batch_size=batch_size, on_batch=bar.update)
        # Refilled from nothing: the planner's statistics, and no dead rows left behind.
        app.db.analyze(vacuum=worker.table_names)
        click.echo(
            f"applied {progress.events:,} events in {progress.seconds:.1f} s "
            f"({progress.rate:,.0f} events/s)"
        )
    finally:
        app.close()


@projections.command("run")
@click.argument("names", nargs=-1, type=click.Choice(view_names()))
@click.option(
    "--poll",
    "poll_interval",
    default=0.5,
    show_default=True,
    help="Seconds between polls for new events (SQLite; PostgreSQL is notified).",
)
@click.option(
    "--batch-size",
    default=5000,
    show_default=True,
    help="Events applied per transaction while catching up.",
)
@click.pass_context
@fail_cleanly
def run(ctx: click.Context, names: tuple[str, ...], poll_interval: float, batch_size: int) -> None:
    """Keep the views current until stopped (Ctrl-C or SIGTERM).

    On PostgreSQL the process follows LISTEN/NOTIFY, reconnects after a lost connection
    and catches up; of several processes one leads and the others stand by. On SQLite it
    polls. Either way an event is applied to a view exactly once. It writes the primary's
    views only, so a read database (--read-database) is not opened: a standby's outage
    never stops it.
    """
    app = open_registry(settings_from(ctx, primary_only=True))
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    follower = Follower(
        app,
        open_worker(app, _names(names)),
        poll_interval=poll_interval,
        lead=True,
        batch_size=batch_size,
    )
    try:
        follower.start()
        _show_catch_up(follower, stop)
        if not stop.is_set():
            role = "leading" if follower.is_leader else "standing by for the leader"
            how = "LISTEN/NOTIFY" if follower.listen else f"polling every {poll_interval} s"
            click.echo(f"following new events ({how}; {role}); Ctrl-C stops")
        while not stop.wait(1.0):
            pass
    finally:
        follower.stop()
        app.close()
    click.echo("stopped")


def _show_catch_up(follower: Follower, stop: threading.Event) -> None:
    """A progress bar while the follower works off the backlog it started with."""
    worker = follower.worker
    head = worker.head()
    start = min(worker.positions().values(), default=0)
    if head - start <= 0:
        return
    began = time.monotonic()
    with tqdm(total=head - start, unit="ev", unit_scale=True, desc="catch-up") as bar:
        done = 0
        while not stop.is_set():
            if not follower.is_leader and time.monotonic() - began > 3:
                return  # another process leads; this one stands by
            lowest = min(worker.positions().values(), default=0)
            bar.update(max(0, lowest - start) - done)
            done = max(0, lowest - start)
            if lowest >= head:
                return
            stop.wait(0.5)
