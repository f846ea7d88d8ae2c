"""How fast the views rebuild, answer and follow (targets from issue 3).

    python benchmarks/bench_projections.py --database sqlite:////tmp/bench/registry.db
    python benchmarks/bench_projections.py --database postgresql://postgres@127.0.0.1:5432/bench

The database is filled with `--teachers` teachers over `--years` years by the product's
generator (`registry.generate`) if it holds no teacher yet, then:

- rebuild: every view from position 0 (target >= 30,000 events/s), wall clock and this
  process's CPU time, with the load average of the machine beside it;
- lookup: `Queries.compliance(pin, as_of, known_at)` for random teachers, dates and
  moments (target: median <= 5 ms);
- statistics: compliance by region (and the other groupings, activity, a due list) for
  random dates (target: <= 200 ms);
- lag: commands written one at a time while `registry projections run` follows in
  another process; the time from a command's return to its read-your-writes wait
  returning (target: median <= 50 ms on PostgreSQL).

Also `read`: reading and decoding the whole log with no view (the yardstick the
rebuild rate compares with, measured under the same load). Pick parts with
--only read,rebuild,lookup,statistics,lag. Prints one line per measurement.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import ensure_database, load, settings_for
from registry.bootstrap import open_registry, open_worker
from registry.commands.base import Actor
from registry.queries import Queries

SECRET = "bench-projections-secret"
BENCH = Actor(name="bench", role="admin", account_id="bench", via="benchmark")


def ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[int(len(ordered) * 0.95) - 1] if len(ordered) > 1 else ordered[0]
    return (
        f"median {statistics.median(values) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms, "
        f"n={len(values)}"
    )


def fill(app, teachers: int, years: int) -> None:
    from registry.generate import generate_history

    if app.db.query_one(
        f"SELECT 1 FROM {app.db.events_table} WHERE topic LIKE ? LIMIT 1", ("%:Teacher.Registered",)
    ):
        return
    print(f"generating {teachers} teachers over {years} years …", flush=True)
    started = time.perf_counter()
    summary = generate_history(app, teachers=teachers, years=years, seed=1)
    print(f"generated {summary.events:,} events in {time.perf_counter() - started:.0f} s")


def bench_read(app) -> None:
    """The yardstick: reading and decoding the whole log with the library's mapper."""
    from registry.storage.facts import EventLog

    log, events, before = EventLog(app), 0, time.perf_counter()
    for facts in log.iterate(batch=10_000):
        events += len(facts)
    wall = time.perf_counter() - before
    print(
        f"read and decode the log (EventLog, no views): {events:,} events in {wall:.1f} s "
        f"= {events / wall:,.0f} events/s; {load()}"
    )


def bench_rebuild(app, batch_size: int, processes: int) -> None:
    from registry.rebuild import rebuild_in_processes

    worker = open_worker(app)
    head = worker.head()
    before, cpu = time.perf_counter(), time.process_time()
    if processes > 1:
        progress = rebuild_in_processes(app, worker, processes, batch_size)
    else:
        progress = worker.rebuild(batch_size=batch_size)
    wall, cpu = time.perf_counter() - before, time.process_time() - cpu
    cpu_note = (
        f", {progress.events / cpu:,.0f} events/s of this process's CPU" if processes == 1 else ""
    )
    print(
        f"rebuild all views ({', '.join(v.name for v in worker.views)}): "
        f"{progress.events:,} events (head {head:,}) in {wall:.1f} s = "
        f"{progress.events / wall:,.0f} events/s wall{cpu_note}; batch {batch_size}, "
        f"{processes} process(es); {load()}"
    )


def bench_lookup(app, count: int, rng: random.Random) -> None:
    queries = Queries(app)
    pins = [r[0] for r in app.db.query("SELECT pin FROM teacher_pins")]
    first, _last = app.db.query_one("SELECT MIN(registered_at), MAX(registered_at) FROM teachers")
    start = datetime.fromisoformat(first.replace("Z", "+00:00"))
    span = (datetime.now(UTC) - start).total_seconds()
    timings, found = [], 0
    for _ in range(count):
        pin = rng.choice(pins)
        as_of = date(2016, 1, 1) + timedelta(days=rng.randrange(11 * 365))
        known_at = start + timedelta(seconds=rng.random() * span)
        began = time.perf_counter()
        try:
            queries.compliance(pin, as_of, known_at)
            found += 1
        except Exception:  # registered after known_at: a fair lookup too
            pass
        timings.append(time.perf_counter() - began)
    print(
        f"compliance lookup (random pin, as_of, known_at; {found} known at K): "
        f"{ms(timings)}; {load()}"
    )


def bench_statistics(app, count: int, rng: random.Random) -> None:
    queries = Queries(app)
    days = [date(2017, 1, 1) + timedelta(days=rng.randrange(10 * 365)) for _ in range(count)]
    cases = [
        ("compliance by region", lambda d: queries.compliance_statistics(d, "region")),
        ("compliance by district", lambda d: queries.compliance_statistics(d, "district")),
        (
            "compliance by provider_kind",
            lambda d: queries.compliance_statistics(d, "provider_kind"),
        ),
        ("open data by region", lambda d: queries.open_data(d, "region")),
        (
            "activity by region, one year",
            lambda d: queries.activity_statistics(d - timedelta(days=365), d, "region"),
        ),
        (
            "due list overdue, one district",
            lambda d: queries.due_list(status="overdue", as_of=d, district="Sokuluk"),
        ),
    ]
    for name, run in cases:
        timings = []
        for day in days:
            began = time.perf_counter()
            run(day)
            timings.append(time.perf_counter() - began)
        print(f"{name} for a date: {ms(timings)}; {load()}")


def bench_lag(app, url: str, workdir: Path, count: int) -> None:
    env = {
        **os.environ,
        "REGISTRY_DATABASE_URL": url,
        "REGISTRY_SECRET_KEY": SECRET,
        "REGISTRY_INSTANCE_PATH": str(workdir),
    }
    follower = subprocess.Popen(
        [sys.executable, "-m", "registry.cli", "projections", "run", "--poll", "0.01"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        queries = Queries(app)
        queries.wait_for(app.max_position(), timeout=600)  # caught up
        time.sleep(1.0)
        lags = []
        base = 10_000 + random.randrange(80_000)
        for n in range(count):
            pin = f"2{(n % 28) + 1:02d}{(n % 12) + 1:02d}1990{(base + n) % 100_000:05d}"
            position = app.register_teacher(
                BENCH,
                {
                    "pin": pin,
                    "full_name": f"Bench Teacher {n}",
                    "region": "KG-GB",
                    "district": "Leninsky",
                    "school": "Bench School",
                    "subject": "Physics",
                    "position": "teacher",
                    "service_start": date(2015, 9, 1),
                },
            ).position
            began = time.perf_counter()
            queries.wait_for(position, timeout=10)
            lags.append(time.perf_counter() - began)
            time.sleep(0.02)
        how = "LISTEN/NOTIFY" if app.db.notifies else "polling every 10 ms"
        print(
            f"event-to-view lag (command return -> all views hold it; follower process, "
            f"{how}): {ms(lags)}; {load()}"
        )
    finally:
        follower.send_signal(signal.SIGTERM)
        follower.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--teachers", type=int, default=20_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=25_000)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--dates", type=int, default=20)
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--only", default="read,rebuild,lookup,statistics,lag")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / "bench-projections"
    workdir.mkdir(exist_ok=True)
    ensure_database(args.database)
    app = open_registry(settings_for(args.database, workdir, SECRET), auto_init=True)
    rng = random.Random(7)
    try:
        fill(app, args.teachers, args.years)
        app.close()  # a fresh application: nothing of the generator's sessions carries over
        app = open_registry(settings_for(args.database, workdir, SECRET))
        if "read" in parts:
            bench_read(app)
        if "rebuild" in parts:
            bench_rebuild(app, args.batch_size, args.processes)
        else:
            open_worker(app).catch_up(batch_size=args.batch_size)
        if "lookup" in parts:
            bench_lookup(app, args.lookups, rng)
        if "statistics" in parts:
            bench_statistics(app, args.dates, rng)
        if "lag" in parts:
            bench_lag(app, args.database, workdir, args.writes)
    finally:
        app.close()


if __name__ == "__main__":
    main()
