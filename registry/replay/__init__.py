"""Replay: the registry as it stood at a moment, rebuilt in a separate database.

`replay(app, until, into)` copies the events recorded up to `until` into an empty
database (created if need be), rebuilds every view there and compares each possibly
affected teacher's compliance as known then with the live answer, naming what was
recorded in between. The live events are only read (the live views are brought up to
date first, so that "now" means now).
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as clock_time
from typing import TYPE_CHECKING, Any

from registry.domain import clock
from registry.domain.clock import BISHKEK, UTC
from registry.domain.errors import ConflictError, InvalidInputError, RuleViolationError
from registry.queries.common import parse_known_at
from registry.replay.comparison import Comparison, compare
from registry.replay.log_copy import CopyResult, copy_events
from registry.settings import Settings
from registry.storage import DatabaseUnavailableError
from registry.storage.engines import create_database, holds_tables

if TYPE_CHECKING:
    from registry.application import Registry

__all__ = ["ReplayReport", "parse_moment", "replay"]

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass
class ReplayReport:
    """What a replay did and found."""

    until: datetime
    into: str
    created: bool
    copy: CopyResult
    rebuilt_events: int = 0
    rebuild_seconds: float = 0.0
    ledger_head: dict[str, Any] | None = None
    comparison: Comparison | None = None
    seconds: float = 0.0

    @property
    def events_copied(self) -> int:
        return self.copy.copied

    @property
    def copy_seconds(self) -> float:
        return self.copy.seconds

    def as_json(self) -> dict[str, Any]:
        copy = self.copy
        return {
            "until": self.until.isoformat(),
            "into": self.into,
            "created": self.created,
            "events_copied": copy.copied,
            "events_later": copy.later,
            "events_orphaned": copy.orphaned,
            "last_position": copy.last_position,
            "is_prefix": copy.is_prefix,
            "ledger_head": self.ledger_head,
            "rebuilt_events": self.rebuilt_events,
            "copy_seconds": copy.seconds,
            "rebuild_seconds": self.rebuild_seconds,
            "seconds": self.seconds,
            "comparison": self.comparison.as_json() if self.comparison else None,
        }


def parse_moment(text: str) -> datetime:
    """A moment from the command line, read by the reads' own `known_at` parser (an
    offset is required: without one the moment is ambiguous); a bare date, the one
    convenience of the command line, means the end of that day in Bishkek."""
    if _DAY.fullmatch(text.strip()):
        try:
            day = date.fromisoformat(text.strip())
        except ValueError:
            raise InvalidInputError(
                f"{text!r} is not a date (e.g. 2025-01-31).", field="until", code="invalid_moment"
            ) from None
        end = datetime.combine(day, clock_time.max, BISHKEK).astimezone(UTC)
        if day > clock.now().astimezone(BISHKEK).date():
            raise _future(text)
        return min(end, clock.now())  # today: what is known so far
    moment = parse_known_at(text, field="until")
    if moment > clock.now():
        raise _future(text)
    return moment


def _future(text: str) -> RuleViolationError:
    """What known_at refuses for a moment to come, --until refuses too: nothing is known
    of it yet (a replay 'until' then would pass for an answer as known then)."""
    return RuleViolationError(
        f"--until {text} is in the future: replay up to a moment that has passed.",
        field="until",
        code="known_at_in_future",
    )


def replay(
    app: Registry,
    until: datetime,
    into: str,
    *,
    as_of: list[date] | None = None,
    compare_answers: bool = True,
    exhaustive: bool = False,
    on_batch: Callable[[str, int], None] | None = None,
) -> ReplayReport:
    """Rebuild the registry as known at `until` in the database at `into`, and compare."""
    from registry.application import Registry
    from registry.bootstrap import initialise, open_worker

    if not isinstance(until, datetime) or until.tzinfo is None:
        raise InvalidInputError(
            "The moment to replay until needs a time zone.", field="until", code="invalid_moment"
        )
    started = time.perf_counter()
    target = _target_settings(app.settings, into)
    created = _prepare(target)
    initialise(target, start_policy=False)
    replayed = Registry(target)
    try:
        notify = (lambda n: on_batch("copy", n)) if on_batch else None
        copied = copy_events(app, replayed.db, until, notify)
        began = time.perf_counter()
        notify = (lambda n: on_batch("rebuild", n)) if on_batch else None
        worker = open_worker(replayed)
        progress = worker.rebuild(on_batch=notify)
        # A fresh copy: the planner's statistics, and no dead rows of the settles (as
        # after `registry projections rebuild`), for the comparisons and reads that follow.
        replayed.db.analyze(vacuum=worker.table_names)
        report = ReplayReport(
            until=until,
            into=target.database.redacted(),
            created=created,
            copy=copied,
            rebuilt_events=progress.events,
            rebuild_seconds=time.perf_counter() - began,
        )
        report.ledger_head = _ledger_head(replayed)
        if compare_answers:
            open_worker(app).catch_up()
            days = as_of or [until.astimezone(BISHKEK).date()]
            report.comparison = compare(
                app, replayed, until, days, copied.left_out_ids, exhaustive=exhaustive
            )
    finally:
        replayed.close()
    report.seconds = time.perf_counter() - started
    return report


def _ledger_head(replayed: Registry) -> dict[str, Any]:
    """The replayed log's ledger head (sealed by its view, or here if it has none)."""
    from registry import ledger

    ledger.seal(replayed)
    head = ledger.head(replayed)
    return {"position": head["position"], "hash": head["hash"]}


def _target_settings(live: Settings, into: str) -> Settings:
    """The live settings pointed at the target (the same secret: PIN lookups must agree)."""
    target = dataclasses.replace(live, database_url=into, read_database_url="")
    source, destination = live.database, target.database  # parsing validates the URL
    if source.same_database_as(destination):
        raise InvalidInputError(
            "Replay needs a separate database: the target is the live registry itself.",
            field="into",
            code="replay_into_live",
        )
    return target


def _prepare(target: Settings) -> bool:
    """Refuse a target that holds anything; create a missing database (a PostgreSQL one
    needs CREATEDB). Returns whether the database is new."""
    url = target.database
    try:
        created = create_database(url)
    except DatabaseUnavailableError as error:
        raise InvalidInputError(
            f"Cannot prepare {url.redacted()}: {error}".strip(),
            field="into",
            code="replay_target_unavailable",
        ) from None
    if not created and holds_tables(url):
        raise ConflictError(
            f"{url.redacted()} already holds tables: replay into a new (or an empty) database.",
            field="into",
            code="replay_target_not_empty",
        )
    return created
