"""How the auditors' event log answers on a large log: pages, jumps, totals, exports.

    python benchmarks/bench_eventlog.py --database sqlite:////tmp/bench/registry.db
    python benchmarks/bench_eventlog.py --database postgresql://postgres@127.0.0.1:5432/bench

The database must hold a generated history (`registry generate`, e.g. 115,000 teachers
over 10 years: about 2 million events) with the views caught up (`registry projections
rebuild`); REGISTRY_INSTANCE_PATH or REGISTRY_SECRET_KEY must give its secret (the PIN
filter). For each filter (none, a type, an aggregate's types, an account, a provider, a
teacher, a provider and a type, a year of recorded time): the first page of 50 either
way, a page from the middle of the log, the total, and a jump to a date; then an export
of a filter, its rate and the most memory it held (tracemalloc). Prints one line per
measurement with the machine's load.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import load
from registry.bootstrap import open_registry
from registry.queries import Queries


def timed(call, repeat: int = 5) -> str:
    """The median and the worst of `repeat` calls, in ms."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return f"median {statistics.median(times) * 1000:7.1f} ms, max {max(times) * 1000:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--export", type=int, default=200_000, help="Events to export.")
    args = parser.parse_args()
    app = open_registry(database_url=args.database, auto_init=False)
    queries = Queries(app)
    head = app.max_position() or 0
    some = app.db.query_one("SELECT pin FROM teachers ORDER BY id LIMIT 1 OFFSET 1000")
    provider = app.db.query_one(
        "SELECT value FROM event_counts WHERE scope = 'provider' "
        "GROUP BY value ORDER BY SUM(events) DESC LIMIT 1"
    )
    print(f"log of {head:,} events; {load()}")
    year = {
        "recorded_from": datetime(2020, 1, 1, tzinfo=UTC),
        "recorded_to": datetime(2020, 12, 31, tzinfo=UTC),
    }
    filters = {
        "none": {},
        "type Certificate.Issued": {"type": "Certificate.Issued"},
        "aggregate Enrolment": {"type": "Enrolment"},
        "account generator": {"actor": "generator"},
        f"provider {provider[0]}": {"provider": provider[0]},
        "teacher (PIN)": {"pin": some[0]},
        f"provider {provider[0]} + Certificate.Revoked": {
            "provider": provider[0],
            "type": "Certificate.Revoked",
        },
        "recorded in 2020": year,
        "Certificate.Issued recorded in 2020": {"type": "Certificate.Issued", **year},
    }
    for name, found in filters.items():
        print(f"{name}:")
        print(f"  first page asc   {timed(lambda f=found: queries.events(limit=50, **f))}")
        print(
            "  first page desc  "
            + timed(lambda f=found: queries.events(limit=50, order="desc", **f))
        )
        print(
            "  middle page      "
            + timed(lambda f=found: queries.events(after=head // 2, limit=50, **f))
        )
        total = queries.events(limit=1, with_total=True, **found)
        print(
            f"  total {total['total']:>9,} ({'exact' if total['total_exact'] else 'at least'})"
            f"  {timed(lambda f=found: queries.events(limit=1, with_total=True, **f))}"
        )
    jump = datetime(2022, 3, 1, tzinfo=UTC)
    print(f"jump to {jump.date()}: {timed(lambda: queries.events(at=jump, limit=50))}")
    for name, found in (("none", {}), ("provider", {"provider": provider[0]})):
        started, count = time.perf_counter(), 0
        for _event in queries.export_events(before=args.export + 1, **found):
            count += 1
        seconds = time.perf_counter() - started
        tracemalloc.start()
        for _event in queries.export_events(before=20_001, **found):
            pass
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"export {name}: {count:,} events of the first {args.export:,} positions in "
            f"{seconds:.1f} s ({count / seconds:,.0f}/s); the most memory an export of "
            f"the first 20,000 held: {peak / 1e6:.1f} MB"
        )
    print(load())
    app.close()


if __name__ == "__main__":
    main()
