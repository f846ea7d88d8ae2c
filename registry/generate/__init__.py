"""Synthetic national history written through the registry's commands (`registry generate`).

`generate_history(registry, teachers=N, years=Y, seed=S, end=DATE)` is deterministic:
the same seed, installation secret and end date give the same events, in the same
order, with the same recorded times, whether it runs in one process or two.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from registry.commands.base import Actor
from registry.domain.clock import BISHKEK, today
from registry.domain.dates import add_years
from registry.domain.errors import ConflictError, RuleViolationError
from registry.generate.run import GenerationRun
from registry.generate.shard import shard_specs
from registry.generate.summary import GenerationSummary
from registry.ledger import sealing

if TYPE_CHECKING:
    from registry.application import Registry

__all__ = ["GENERATOR", "GenerationSummary", "generate_history"]

GENERATOR = Actor.system(name="generator", via="generate")
TEACHER_REGISTERED = "registry.domain.teacher:Teacher.Registered"
TWO_PROCESSES_FROM = 5_000  # teachers; below this, starting a second process costs more


def generate_history(
    registry: Registry,
    *,
    teachers: int,
    years: int,
    seed: int,
    end: date | None = None,
    actor: Actor = GENERATOR,
    batch_size: int = 2000,
    workers: int | None = None,
    progress: bool = False,
) -> GenerationSummary:
    """Write `years` of history for `teachers` teachers, ending on `end` (default: yesterday).

    Refuses a registry that already holds teachers (the history would collide with
    them). `workers` is 1 or 2 processes (default: 2 from 5,000 teachers); `progress`
    shows a bar of simulated days on stderr.
    """
    if (
        isinstance(teachers, bool)
        or not isinstance(teachers, int)
        or not 1 <= teachers <= 2_000_000
    ):
        raise RuleViolationError(
            "teachers must be a whole number from 1 to 2,000,000.",
            field="teachers",
            code="invalid_teachers",
        )
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 50:
        raise RuleViolationError(
            "years must be a whole number from 1 to 50.", field="years", code="invalid_years"
        )
    if workers not in (None, 1, 2):
        raise RuleViolationError("workers must be 1 or 2.", field="workers", code="invalid_workers")
    end = end or today() - timedelta(days=1)
    if end > today():
        raise RuleViolationError(
            f"end ({end.isoformat()}) is in the future.", field="end", code="date_in_future"
        )
    if end.year - years < 1990:
        raise RuleViolationError(
            "The history would start before 1990.", field="years", code="invalid_years"
        )
    if registry.db.query_one(
        f"SELECT 1 FROM {registry.db.events_table} WHERE topic = ? LIMIT 1", (TEACHER_REGISTERED,)
    ):
        raise ConflictError(
            "The registry already holds teachers; generate a history into an empty database.",
            code="registry_not_empty",
        )
    start = add_years(end, -years)
    day_after = datetime.combine(end + timedelta(days=1), datetime.min.time(), BISHKEK)
    until = min(day_after, datetime.now(BISHKEK)) - timedelta(microseconds=1)
    specs = shard_specs(
        teachers=teachers,
        years=years,
        seed=seed,
        start=start,
        end=end,
        until=until,
        batch_size=batch_size,
    )
    workers = min(workers or (2 if teachers >= TWO_PROCESSES_FROM else 1), len(specs))
    summary = GenerationSummary(
        seed=seed, teachers=teachers, years=years, start=start, end=end, workers=workers
    )
    if not progress:
        with sealing(registry):  # the log is left sealed, as a follower leaves it
            return GenerationRun(registry, specs, actor, summary).run(workers)
    from tqdm import tqdm

    days = (end - start).days
    with (
        sealing(registry),
        tqdm(total=days, unit="day", desc="generating", dynamic_ncols=True) as bar,
    ):

        def on_day(day: date) -> None:
            """Move the bar to the simulated day."""
            bar.update((day - start).days - bar.n)

        result = GenerationRun(registry, specs, actor, summary, on_day).run(workers)
        bar.update(days - bar.n)
    return result
