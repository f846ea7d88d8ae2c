"""Reads about a teacher as known at a moment beside the same reads as known now.

    python benchmarks/bench_known_at.py --database sqlite:////tmp/known.db
    python benchmarks/bench_known_at.py --database postgresql://postgres@127.0.0.1/known

Builds once (kept for the next run) a generated history of --teachers teachers over
--years years and brings the views up to date, then for --sample teachers drawn at random
times a whole dossier (profile, compliance, certificates, enrolments, history:
`Queries.dossier(..., history=True)`) as known now and as known at K, with K the last
event's recorded time and the middle of the history; and the due lists (overdue, due
soon) as known now and at K. Each read is timed with the process's processor time and
with the wall clock (the machine is shared: processor time says what a read costs, the
wall clock what a reader waited). Prints medians, 90th percentiles and maxima, and the
machine's load.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import ensure_database, load, settings_for  # noqa: E402  (after the sys.path line above)
from registry.bootstrap import initialise, open_registry, open_worker  # noqa: E402  (after the sys.path line above)
from registry.generate import generate_history  # noqa: E402  (after the sys.path line above)
from registry.queries import Queries  # noqa: E402  (after the sys.path line above)
from registry.storage.facts import EventLog  # noqa: E402  (after the sys.path line above)
from registry.storage.schema import is_initialised  # noqa: E402  (after the sys.path line above)


def timed(read) -> tuple[float, float]:
    """(processor ms, wall ms) of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    read()
    return (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000


def summary(label: str, times: list[tuple[float, float]]) -> str:
    def figures(values: list[float]) -> str:
        ordered = sorted(values)
        p90 = ordered[max(0, int(len(ordered) * 0.9) - 1)]
        return f"median {statistics.median(ordered):6.1f}  p90 {p90:6.1f}  max {ordered[-1]:6.1f}"

    cpu, wall = [t[0] for t in times], [t[1] for t in times]
    return f"{label:34s} cpu ms {figures(cpu)} | wall ms {figures(wall)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench-known-at"))
    parser.add_argument("--teachers", type=int, default=20_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--sample", type=int, default=100)
    args = parser.parse_args()

    args.workdir.mkdir(parents=True, exist_ok=True)
    ensure_database(args.database)
    settings = settings_for(args.database, args.workdir, secret="bench-known-at")
    if not is_initialised(settings):
        initialise(settings)
        app = open_registry(settings)
        generate_history(app, teachers=args.teachers, years=args.years, seed=1)
        app.close()
    app = open_registry(settings)
    open_worker(app).catch_up()
    queries = Queries(app)
    head = app.max_position() or 0
    last = EventLog(app).read(head - 1, 1)[0].recorded_at
    middle = EventLog(app).read(head // 2 - 1, 1)[0].recorded_at
    pins = [row[0] for row in app.db.query("SELECT pin FROM teachers ORDER BY id")]
    sample = random.Random(1).sample(pins, min(args.sample, len(pins)))
    print(f"{len(pins):,} teachers, {head:,} events; {args.database.split('://')[0]}")

    now, then_last, then_middle, sizes = [], [], [], []
    for pin in sample:
        queries.dossier(pin, history=True)  # warm the caches the live read uses too
        now.append(timed(lambda pin=pin: queries.dossier(pin, history=True)))
        then_last.append(timed(lambda pin=pin: queries.dossier(pin, known_at=last, history=True)))
        try:
            then_middle.append(
                timed(lambda pin=pin: queries.dossier(pin, known_at=middle, history=True))
            )
        except Exception:  # registered later than the middle: a 404, not a read
            pass
        sizes.append(len(queries.teacher_history(pin)))
    print(f"history events per teacher: median {statistics.median(sizes)}, max {max(sizes)}")
    print(summary("dossier as known now", now))
    print(summary("dossier as known at the last event", then_last))
    print(summary("dossier as known mid-history", then_middle))

    day = date.fromisoformat(last.date().isoformat())
    for status in ("overdue", "due_soon"):
        for label, moment in (("now", None), ("at the last event", last), ("mid-history", middle)):

            def read(status: str = status, moment=moment) -> None:
                queries.due_list(status=status, as_of=day, limit=1000, known_at=moment)

            times = [timed(read) for _ in range(3)]
            print(summary(f"due list {status} {label}", times))
    print(load())
    app.close()


if __name__ == "__main__":
    main()
