"""Bulk CSV imports (`registry import FILE`, `POST /imports`).

`import_csv(registry, actor, source)` reads the file (refusing it whole if it is not
CSV or .xlsx with a known header), records the rows a batch at a time as it parses them
(many rows per transaction: `record_file`, which tells its callbacks each batch's
outcomes and the rows done), and returns an `ImportReport` with every row's outcome
(`registry import` records with `record_file` itself, printing the outcomes as they
come and keeping the counts and the rejected rows). A bad row is reported and changes
nothing; good rows are recorded; a row recorded before is reported as already recorded;
the ledger seals what was recorded before the import returns. If a batch cannot be saved
(another writer got there first), its rows are recorded one at a time, so one conflict
never loses the other rows.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from itertools import islice
from typing import IO, TYPE_CHECKING

from eventsourcing.persistence import IntegrityError

from registry.commands.base import Actor
from registry.imports.reading import ImportFile, ImportFileError, Row, read
from registry.imports.recording import RowRecorder
from registry.imports.report import REJECTED, ImportReport, RowOutcome
from registry.ledger import sealing

if TYPE_CHECKING:
    from registry.application import Registry

__all__ = [
    "ImportFile",
    "ImportFileError",
    "ImportReport",
    "OnOutcomes",
    "OnProgress",
    "RowOutcome",
    "import_csv",
    "read",
    "record_file",
]

ATTEMPTS_ALONE = 3
OnProgress = Callable[[int, int], object]  # (rows done, rows in the file)
OnOutcomes = Callable[[list[RowOutcome]], object]  # a batch's outcomes, in file order


def import_csv(
    registry: Registry,
    actor: Actor,
    source: str | bytes | IO,
    *,
    batch_size: int = 500,
    progress: bool = False,
    encoding: str = "auto",
    on_progress: OnProgress | None = None,
) -> ImportReport:
    """Import a file (CSV in UTF-8 or Windows-1251, or .xlsx) of legacy certificates or
    programme results; the row-level report.

    Raises `ImportFileError` (and records nothing) for a file that cannot be read in
    `encoding` (auto: detected), is empty, or has an unknown header. `progress` shows a
    bar on the terminal; `on_progress(done, total)` hears of each batch of rows done.
    """
    actor.require("import_records")
    return record_file(
        registry,
        actor,
        read(source, encoding),
        batch_size=batch_size,
        progress=progress,
        on_progress=on_progress,
    )


def record_file(
    registry: Registry,
    actor: Actor,
    parsed: ImportFile,
    *,
    batch_size: int = 500,
    progress: bool = False,
    on_progress: OnProgress | None = None,
    on_outcomes: OnOutcomes | None = None,
    keep_all: bool = True,
) -> ImportReport:
    """Record the rows of a file already read (`registry.imports.reading.read`), a batch
    at a time, telling `on_outcomes` each batch's outcomes and `on_progress(done, total)`
    the rows done after each batch (and at the start); the row-level report (with
    `keep_all` false, the counts and the rejected rows: see `ImportReport`). A callback
    that raises stops the import after the batch it heard of: what was recorded stays
    recorded (and sealed), and importing the file again records the rest."""
    actor.require("import_records")
    report = ImportReport(kind=parsed.kind, keep_all=keep_all)
    recorder = RowRecorder(registry, actor, parsed.kind)
    total = parsed.total
    listeners = [on_progress] if on_progress is not None else []
    bar = _bar(total) if progress else None
    if bar is not None:
        listeners.append(lambda done, _total: bar.update(done - bar.n))
    done = 0
    try:
        for listener in listeners:
            listener(0, total)
        with sealing(registry):  # the log is left sealed, as a follower leaves it
            for chunk in _chunks(parsed.rows(), max(1, batch_size)):
                outcomes = _record_batch(registry, actor, recorder, chunk, report)
                report.add(outcomes)
                if on_outcomes is not None:
                    on_outcomes(outcomes)
                done += len(chunk)
                for listener in listeners:
                    listener(done, total)
    finally:
        if bar is not None:
            bar.close()
    registry.db.analyze()  # the planner's statistics, after a bulk load
    return report


def _record_batch(
    registry: Registry, actor: Actor, recorder: RowRecorder, chunk: list[Row], report: ImportReport
) -> list[RowOutcome]:
    """Rows in one transaction; on a conflict at save, each row alone instead."""
    seen = dict(recorder.seen)
    try:
        with registry.batch(actor, size=len(chunk) + 1) as batch:
            recorder.prefetch(batch.session, chunk)
            outcomes = [recorder.record(batch.session, row) for row in chunk]
    except IntegrityError:
        recorder.seen = seen
        return [_record_alone(registry, actor, recorder, row, report) for row in chunk]
    if batch.last_position is not None:
        report.position = batch.last_position
    return outcomes


def _record_alone(
    registry: Registry, actor: Actor, recorder: RowRecorder, row: Row, report: ImportReport
) -> RowOutcome:
    """One row in its own transaction, retried on fresh state if a writer races it."""
    for _ in range(ATTEMPTS_ALONE):
        try:
            with registry.batch(actor, size=2) as batch:
                outcome = recorder.record(batch.session, row)
        except IntegrityError:
            continue
        if batch.last_position is not None:
            report.position = batch.last_position
        return outcome
    return RowOutcome(
        row.line,
        REJECTED,
        "concurrent_update",
        "the records this row touches kept changing while it was saved; import the file again",
    )


def _chunks(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _bar(total: int):
    from tqdm import tqdm

    # Drawn to a terminal every 0.1 s; to a file or pipe (a timer's journal) at most
    # every 2 s, so that the log holds the progress, not megabytes of redraws.
    interactive = sys.stderr.isatty()
    return tqdm(
        total=total,
        unit="row",
        desc="importing",
        dynamic_ncols=True,
        mininterval=0.1 if interactive else 2.0,
    )
