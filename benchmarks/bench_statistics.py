"""Statistics, due lists and activity from the standing and activity views, beside the
per-teacher scan (issue 12).

    python benchmarks/bench_statistics.py                       # 20,000 teachers, both engines
    python benchmarks/bench_statistics.py --teachers 100000 --backend sqlite
    python benchmarks/bench_statistics.py --url sqlite:///big.db   # a data set made before

For each engine: `registry generate` of --teachers x --years on a fresh database, the
views caught up (the standing view's share of it timed on its own: a rebuild of that view
alone), then, for random dates from 2000 to ten years after the last event, each read
through `StatisticsQueries` (no answer cache: each call computes) twice in the same run:
as now (the standing view's steps and intervals) and as before it (every teacher judged
on the date in one statement, `standing_sql`: the yardstick). Printed per read: p50/p99
of both and their ratio; answers of both compared once per date (they must be equal).
Activity for a random period (a year, or a month, from a random day) is read from the
activity view and by reading every certificate of the period with its teacher's place on
its day (`_activity_scan`: the yardstick); the country's due list page with its total from
the standing view's steps and, as the yardstick, with the total counted over the
intervals as before (`listing.count`). The activity view is rebuilt alone first (timed).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import drop_database, load, new_database, settings_for
from registry.application import Registry
from registry.bootstrap import initialise, open_worker
from registry.generate import generate_history
from registry.queries import listing
from registry.queries.statistics import (
    COMPLIANCE_GROUPS,
    StatisticsQueries,
    _due_source,
    _due_where,
)

END = date(2025, 12, 31)


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p99 * 1000


def timed(call: Callable[..., object], *args: object) -> tuple[float, object]:
    began = time.perf_counter()
    result = call(*args)
    return time.perf_counter() - began, result


def bench_reads(app: Registry, reads: int, seed: int = 7) -> None:
    """Each read as now and by the scan, on the same random dates."""
    rng = random.Random(seed)
    span = (END + timedelta(days=3650) - date(2000, 1, 1)).days
    dates = [date(2000, 1, 1) + timedelta(days=rng.randrange(span)) for _ in range(reads)]
    now = StatisticsQueries(app.db, answer_stale_s=0)
    scan = StatisticsQueries(app.db, answer_stale_s=0, scan=True)
    district, school = app.db.query_one(
        "SELECT district, school FROM teachers GROUP BY district, school "
        "ORDER BY COUNT(*) DESC LIMIT 1"
    ) or (None, None)
    reads_of: list[tuple[str, Callable[[StatisticsQueries, date], object]]] = [
        (f"statistics by {g}", lambda q, d, g=g: q._compliance(d, g)) for g in COMPLIANCE_GROUPS
    ]
    reads_of += [
        ("open data by district", lambda q, d: q.open_data(d, "district")),
        (
            f"due list of a district ({district}, overdue, 1st page)",
            lambda q, d: q.due_list(status="overdue", as_of=d, district=district, limit=25),
        ),
        (
            f"due list of a district ({district}, overdue, whole)",
            lambda q, d: q.due_list(status="overdue", as_of=d, district=district, limit=10000),
        ),
        (
            f"due list of a school ({school}, overdue)",
            lambda q, d: q.due_list(status="overdue", as_of=d, school=school),
        ),
    ]
    for name, read in reads_of:
        compare(name, dates, lambda d, read=read: read(now, d), lambda d, read=read: read(scan, d))
    first, last = (
        date.fromisoformat(d)
        for d in app.db.query_one("SELECT MIN(issued_on), MAX(issued_on) FROM certificate_index")
        or (END.isoformat(), END.isoformat())
    )
    starts = [first + timedelta(days=rng.randrange((last - first).days + 1)) for _ in dates]
    periods = [(d, d + timedelta(days=rng.choice([364, 30]))) for d in starts]
    for group_by in ("region", "district", "subject", "form"):
        compare(
            f"activity by {group_by}, a year or a month",
            periods,
            lambda p, g=group_by: now._activity(p[0], p[1], g),
            lambda p, g=group_by: scan._activity(p[0], p[1], g),
        )
    compare(
        "due list page (overdue, country, with total)",
        dates,
        lambda d: due_page(now, d, counted=False),
        lambda d: due_page(now, d, counted=True),
        yardstick="count",
    )


def due_page(queries: StatisticsQueries, as_of: date, counted: bool) -> object:
    """The country's overdue list's first page and its total: the total from the standing
    view's steps, or (`counted`) counted over the intervals containing the date, as
    `due_count` did before."""
    rows = queries.due_list(status="overdue", as_of=as_of, limit=25)
    if not counted:
        return rows, queries.due_count(status="overdue", as_of=as_of)
    where, params = _due_where("overdue", None, None, None)
    with queries.db.reading() as cur:
        standard = queries._standard(cur, as_of)
        source, standing_params = _due_source(cur, standard, None)
        total = listing.count(
            cur, f"{source} WHERE {' AND '.join(where)}", [*standing_params, *params]
        )
    return rows, total


def compare(
    name: str,
    args: list,
    fast_read: Callable[[object], object],
    slow_read: Callable[[object], object],
    yardstick: str = "scan",
) -> None:
    """Each read and its yardstick on the same arguments: p50/p99 of both, answers equal."""
    fast, slow = [], []
    for arg in args:
        t_now, a = timed(fast_read, arg)
        t_scan, b = timed(slow_read, arg)
        if a != b:
            raise SystemExit(f"{name} on {arg}: the view and the {yardstick} differ")
        fast.append(t_now)
        slow.append(t_scan)
    (f50, f99), (s50, s99) = percentiles(fast), percentiles(slow)
    print(
        f"  {name:55} now p50 {f50:8.1f} ms p99 {f99:8.1f} | {yardstick} p50 {s50:8.1f} ms "
        f"p99 {s99:8.1f} | {yardstick}/now {s50 / max(f50, 1e-6):7.1f} x",
        flush=True,
    )


def bench(
    backend: str, url: str | None, teachers: int, years: int, reads: int, rebuild: list[str]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        made = url is None
        url = url or new_database(backend, workdir, "bench_statistics")
        try:
            settings = settings_for(url, workdir)
            if made:
                initialise(settings)
            app = Registry(settings)
            try:
                if made:
                    summary = generate_history(app, teachers=teachers, years=years, seed=1, end=END)
                    print(
                        f"{backend}: generated {teachers} teachers x {years} years, "
                        f"{summary.events:,} events in {summary.elapsed_s:.0f} s ({load()})",
                        flush=True,
                    )
                worker = open_worker(app)
                seconds, _ = timed(worker.catch_up)
                print(f"{backend}: views caught up in {seconds:.1f} s", flush=True)
                for name in rebuild:
                    alone = open_worker(app, [name])
                    seconds, progress = timed(alone.rebuild)
                    print(
                        f"{backend}: the {name} view alone rebuilt in {seconds:.1f} s "
                        f"({getattr(progress, 'events', 0):,} events; {load()})",
                        flush=True,
                    )
                app.db.analyze()
                print(f"{backend}: reads on {reads} random dates ({load()})", flush=True)
                bench_reads(app, reads)
                print(f"{backend}: done ({load()})", flush=True)
            finally:
                app.close()
        finally:
            if made:
                drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--teachers", type=int, default=20_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--reads", type=int, default=30)
    parser.add_argument("--url", help="a database already generated (not dropped)")
    parser.add_argument(
        "--rebuild",
        default="standing,activity",
        help="views rebuilt alone and timed before the reads (comma-separated; '' for none)",
    )
    args = parser.parse_args()
    backends = args.backend or ["sqlite", "postgresql"]
    if args.url:
        backends = ["postgresql" if args.url.startswith("postgres") else "sqlite"]
    for backend in backends:
        rebuild = [name for name in args.rebuild.split(",") if name]
        bench(backend, args.url, args.teachers, args.years, args.reads, rebuild)


if __name__ == "__main__":
    main()
