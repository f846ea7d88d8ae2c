"""Reads from a hot standby against reads from the primary, in one run (issue 12, item 4).

    bash .ci/standby    # a streaming standby of 127.0.0.1:5432 on 127.0.0.1:5433
    python benchmarks/bench_standby.py [--teachers 20000] [--years 10] [--writes 200]

A new database on the primary is filled by the product's generator while a thread
samples how far the standby trails (its replay lag in seconds and events: what /readyz
and /metrics report), the views are built, and then, with the same registry read once
from the primary and once from the standby (`read_database_url`):

- read-your-writes: commands written one at a time while `registry projections run`
  follows in another process on the primary; the time from a command's return until
  `Queries.wait_for` sees every view hold it (on the standby: once replayed there too);
- a compliance lookup of random teachers, and compliance statistics by region for
  random dates (no cached answer: each date is new).

The database is dropped at the end unless --keep. Prints one line per measurement.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import drop_database, load, new_database, settings_for
from registry.application import Registry
from registry.bootstrap import initialise, open_worker
from registry.commands.base import Actor
from registry.queries import Queries

SECRET = "bench-standby-secret"
BENCH = Actor(name="bench", role="admin", account_id="bench", via="benchmark")
STANDBY = "postgresql://postgres@127.0.0.1:5433"


def ms(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
    return (
        f"median {statistics.median(values) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms, "
        f"max {ordered[-1] * 1000:.2f} ms, n={len(values)}"
    )


def wait_replayed(app: Registry, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while True:
        lag = app.standby_lag()
        if lag is None or lag.events == 0:
            return
        if time.monotonic() > deadline:
            raise SystemExit("the standby did not catch up")
        time.sleep(0.05)


def wait_for_database(url: str, timeout: float = 120) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(url) as conn:
                if conn.execute("SELECT to_regclass('projection_tracking')").fetchone()[0]:
                    return
        except psycopg.OperationalError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not appear on the standby")
        time.sleep(0.05)


def fill(app: Registry, teachers: int, years: int) -> None:
    """Generate while sampling the standby's lag every 0.2 s."""
    from registry.generate import generate_history

    samples: list[tuple[float | None, int]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            lag = app.standby_lag()
            if lag is not None:
                samples.append((lag.seconds, lag.events))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    summary = generate_history(app, teachers=teachers, years=years, seed=1)
    took = time.perf_counter() - started
    done.set()
    sampler.join()
    seconds = [s for s, _ in samples if s is not None]
    events = [e for _, e in samples]
    print(
        f"generate {summary.events:,} events in {took:.1f} s ({summary.events / took:,.0f} "
        f"events/s); the standby's lag meanwhile, sampled every 0.2 s (n={len(samples)}): "
        f"replay median {statistics.median(seconds or [0]):.3f} s, max {max(seconds or [0]):.3f} s; "
        f"events median {statistics.median(events or [0]):,.0f}, max {max(events or [0]):,}; "
        f"{load()}"
    )


def bench_lag(apps: dict[str, Registry], url: str, workdir: Path, count: int) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")},
        "REGISTRY_DATABASE_URL": url,
        "REGISTRY_SECRET_KEY": SECRET,
        "REGISTRY_INSTANCE_PATH": str(workdir),
    }
    follower = subprocess.Popen(
        [sys.executable, "-m", "registry.cli", "projections", "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        writer = apps["primary"]
        queries = {name: Queries(app) for name, app in apps.items()}
        for q in queries.values():
            q.wait_for(writer.max_position(), timeout=600)
        lags: dict[str, list[float]] = {name: [] for name in apps}
        base = random.randrange(80_000)
        for n in range(-1, count):  # the first write waits for the follower to start
            name = "primary" if n % 2 else "standby"  # interleaved: the same load for both
            pin = f"2{(n % 28) + 1:02d}{(n % 12) + 1:02d}1991{(base + n + 1) % 100_000:05d}"
            position = writer.register_teacher(
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
            queries[name].wait_for(position, timeout=60 if n >= 0 else 300)
            if n >= 0:
                lags[name].append(time.perf_counter() - began)
            time.sleep(0.02)
        for name, values in lags.items():
            print(
                f"read-your-writes on the {name} (command return -> wait_for returns; "
                f"follower process on the primary): {ms(values)}; {load()}"
            )
    finally:
        follower.send_signal(signal.SIGTERM)
        follower.wait(timeout=30)


def bench_reads(apps: dict[str, Registry], lookups: int, dates: int) -> None:
    rng = random.Random(7)
    pins = [
        row[0]
        for row in apps["primary"].db.query("SELECT pin FROM teachers ORDER BY pin LIMIT 5000")
    ]
    chosen = [rng.choice(pins) for _ in range(lookups)]
    days = [date(2016, 1, 1) + timedelta(days=rng.randrange(3650)) for _ in range(2 * dates)]
    queries = {name: Queries(app) for name, app in apps.items()}
    lookups_of: dict[str, list[float]] = {name: [] for name in apps}
    for pin in chosen:  # interleaved: the same load and caches for both
        for name, q in queries.items():
            began = time.perf_counter()
            q.compliance(pin)
            lookups_of[name].append(time.perf_counter() - began)
    for name, values in lookups_of.items():
        print(f"compliance lookup on the {name}: {ms(values)}; {load()}")
    statistics_of: dict[str, list[float]] = {name: [] for name in apps}
    for n, day in enumerate(days):  # each date asked once: no cached answer
        name = "primary" if n % 2 else "standby"
        began = time.perf_counter()
        queries[name].compliance_statistics(day, "region")
        statistics_of[name].append(time.perf_counter() - began)
    for name, values in statistics_of.items():
        print(f"statistics by region for a date on the {name}: {ms(values)}; {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teachers", type=int, default=20_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--dates", type=int, default=20)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / "bench-standby"
    workdir.mkdir(exist_ok=True)
    url = new_database("postgresql", workdir, prefix="bench_standby")
    standby_url = f"{STANDBY}/{url.rsplit('/', 1)[1]}"
    primary_settings = settings_for(url, workdir, SECRET)
    standby_settings = dataclasses.replace(primary_settings, read_database_url=standby_url)
    print(f"{url} and its standby {standby_url}; {load()}", flush=True)
    try:
        initialise(primary_settings)
        wait_for_database(standby_url)  # the new database's tables reach the standby
        app = Registry(standby_settings)
        try:
            fill(app, args.teachers, args.years)
        finally:
            app.close()
        apps = {"primary": Registry(primary_settings), "standby": Registry(standby_settings)}
        try:
            started = time.perf_counter()
            open_worker(apps["primary"]).catch_up()
            apps["primary"].db.analyze()
            wait_replayed(apps["standby"])
            Queries(apps["standby"]).wait_for(apps["primary"].max_position(), timeout=600)
            print(f"views built and replayed in {time.perf_counter() - started:.1f} s; {load()}")
            bench_reads(apps, args.lookups, args.dates)
            bench_lag(apps, url, workdir, args.writes)
        finally:
            for app in apps.values():
                app.close()
    finally:
        if not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
