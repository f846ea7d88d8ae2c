"""`registry generate` (synthetic history) and `registry import FILE` (CSV bulk load)."""

from __future__ import annotations

import json
import sys
from datetime import date

import click

from registry.bootstrap import open_registry
from registry.cli.common import cli, error_text, fail_cleanly, settings_from
from registry.commands.base import Actor, Session
from registry.domain.account import Account
from registry.domain.dates import parse_date
from registry.domain.errors import NotFoundError
from registry.imports.reading import ENCODINGS
from registry.imports.report import REJECTED, ImportReport, RowOutcome
from registry.storage.schema import is_initialised

IMPORT_ACTOR = Actor.system(name="import", via="cli")
EXIT_ROWS_REJECTED = 3
EXIT_STOPPED = 4  # stopped part-way (the database lost): the rows reported were recorded


def _open(ctx: click.Context):
    settings = settings_from(ctx)
    if not settings.database.embedded and not is_initialised(settings):
        raise click.ClickException(
            f"{settings.database.redacted()} is not initialised; run `registry init` first."
        )
    return open_registry(settings)


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@cli.command()
@click.option(
    "--teachers",
    type=click.IntRange(1, 2_000_000),
    default=1000,
    show_default=True,
    help="Teachers registered over the whole history.",
)
@click.option(
    "--years",
    type=click.IntRange(1, 50),
    default=10,
    show_default=True,
    help="Years of history, ending on --end.",
)
@click.option(
    "--seed",
    type=int,
    default=1,
    show_default=True,
    help="Random seed: the same seed, secret key and end date give the same events.",
)
@click.option(
    "--end",
    callback=_date,
    default=None,
    metavar="YYYY-MM-DD",
    help="Last day of the history (default: yesterday).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 2),
    default=None,
    help="Processes (default: 2 from 5,000 teachers); the events are the same.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
@fail_cleanly
def generate(
    ctx: click.Context,
    teachers: int,
    years: int,
    seed: int,
    end: date | None,
    workers: int | None,
    as_json: bool,
) -> None:
    """Write a realistic synthetic national history through the registry's commands."""
    from registry.generate import generate_history

    app = _open(ctx)
    try:
        summary = generate_history(
            app,
            teachers=teachers,
            years=years,
            seed=seed,
            end=end,
            workers=workers,
            progress=not as_json,
        )
    finally:
        app.close()
    if as_json:
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(summary.lines()))


@cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option(
    "--account",
    "account_name",
    default=None,
    help="Record as this account (a registrar records for its provider only); "
    "default: the operator, as admin.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 100_000),
    default=500,
    show_default=True,
    help="Rows recorded per transaction.",
)
@click.option(
    "--encoding",
    type=click.Choice(ENCODINGS),
    default="auto",
    show_default=True,
    help="The CSV's encoding (auto: UTF-8 or Windows-1251, detected); an .xlsx needs none.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the row-level report as JSON instead of text."
)
@click.option(
    "--verbose",
    is_flag=True,
    help="List every row (recorded, recorded before), not only the rejected ones.",
)
@click.pass_context
@fail_cleanly
def import_(
    ctx: click.Context,
    file,
    account_name: str | None,
    batch_size: int,
    encoding: str,
    as_json: bool,
    verbose: bool,
) -> None:
    """Load certificates from a CSV (UTF-8 or Windows-1251) or Excel (.xlsx) file of
    legacy certificates or programme results.

    FILE has a header row: pin, number, provider_code, title, form, hours, issued_on; or
    programme_id, pin, passed, assessed_on, number, issued_on (and optionally score).
    Use - for standard input. Exit status: 0 every row is recorded (now or before), 1 the
    file was refused and nothing recorded, 3 some rows were rejected (the rest recorded),
    4 the import stopped part-way (the database lost): the rows reported were recorded,
    and running it again records the rest (none twice).
    """
    from registry.imports import read, record_file

    data = file.read()
    app = _open(ctx)
    writer: ReportWriter | None = None
    try:
        actor = _actor(app, account_name)
        actor.require("import_records")
        parsed = read(data, encoding)
        writer = ReportWriter(parsed.kind, as_json=as_json, verbose=verbose)
        report = record_file(
            app,
            actor,
            parsed,
            batch_size=batch_size,
            progress=not as_json,
            on_outcomes=writer.write,
            keep_all=False,
        )
    except Exception as error:
        said = error_text(error)
        if writer is None or not writer.seen.total or said is None:
            if as_json and said is not None and writer is None:  # a script reads JSON
                refused = {"error": {"code": said[1], "message": said[0]}}
                click.echo(json.dumps(refused, ensure_ascii=False, indent=2))
            raise  # nothing recorded yet (or a bug): the usual one-line error, or traceback
        writer.stop(*said)
        sys.exit(EXIT_STOPPED)
    finally:
        app.close()
    writer.end(report)
    if report.rejected:
        sys.exit(EXIT_ROWS_REJECTED)


class ReportWriter:
    """The row-level report printed as the rows are recorded, so that a file of any size
    is reported without being held: a line per row not recorded (every row with
    --verbose) and the counts, or JSON of the shape `POST /imports` answers with."""

    def __init__(self, kind: str, *, as_json: bool, verbose: bool):
        self.as_json, self.verbose, self.lines = as_json, verbose, 0
        self.seen = ImportReport(kind=kind, keep_all=False)  # the counts so far
        if as_json:
            click.echo(f'{{\n  "kind": {json.dumps(kind)},\n  "lines": [', nl=False)

    def write(self, outcomes: list[RowOutcome]) -> None:
        """A batch's outcomes, as they come."""
        self.seen.add(outcomes)
        for outcome in outcomes:
            if self.as_json:
                text = json.dumps(outcome.to_dict(), ensure_ascii=False)
                click.echo(("\n    " if not self.lines else ",\n    ") + text, nl=False)
                self.lines += 1
            elif self.verbose or outcome.status == REJECTED:  # the rest are counted
                from tqdm import tqdm

                tqdm.write(outcome.text())  # above the progress bar, not through it

    def end(self, report: ImportReport) -> None:
        """The counts (and, in JSON, the rejected rows again as "errors")."""
        if not self.as_json:
            click.echo(report.summary())
            return
        rest = {k: v for k, v in report.to_dict().items() if k not in ("kind", "lines")}
        click.echo("\n  ]," + json.dumps(rest, ensure_ascii=False, indent=2)[1:])

    def stop(self, message: str, code: str) -> None:
        """The import stopped part-way: the counts so far and why, the JSON closed (a
        script reads a whole document), and the error on standard error as usual."""
        seen = self.seen
        text = (
            f"error: the import stopped after {seen.total:,} rows ({seen.recorded:,} "
            f"recorded); run it again to record the rest: {message} [{code}]"
        )
        if self.as_json:
            rest = {k: v for k, v in seen.counts_dict().items() if k not in ("kind", "position")}
            rest["error"] = {"code": code, "message": message, "stopped": True}
            click.echo("\n  ]," + json.dumps(rest, ensure_ascii=False, indent=2)[1:])
        click.echo(text, err=True)


def _actor(app, account_name: str | None) -> Actor:
    """The operator, or the named account (its role and provider apply to every row)."""
    if account_name is None:
        return IMPORT_ACTOR
    account = Session(app).find(Account.id_for(account_name))
    if not isinstance(account, Account) or account.disabled:
        raise NotFoundError(f"No active account {account_name}.", code="account_not_found")
    return Actor(
        name=account.name,
        role=account.role,
        account_id=str(account.id),
        provider_code=account.provider_code,
        region=account.region,
        via="cli",
    )
