"""How fast `registry generate` writes (targets: 25,000 events/s SQLite, 15,000 PostgreSQL).

    python benchmarks/bench_generate.py        # 20,000 teachers x 10 years, both engines
    python benchmarks/bench_generate.py --backend sqlite --teachers 5000 --workers 1
    python benchmarks/bench_generate.py --teachers 2000 --import-rows 10000

For each engine: a fresh database, `generate_history` (through the Registry's commands,
the bulk write path, one or two processes), then in the same run the library's plain
loop of one aggregate per `save()` (three events each) for comparison; optionally a CSV
import of legacy certificates and its re-import. Prints one line
per measurement, with the machine and its load, which the figures depend on.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from benchmarks.common import drop_database, load, machine, new_database, settings_for
from registry.application import Registry
from registry.bootstrap import initialise
from registry.generate import generate_history
from registry.storage.store import library_env

END = date(2025, 6, 30)


class Item(Aggregate):
    """The plain loop's aggregate: created, then changed twice."""

    @event("Created")
    def __init__(self, name: str):
        self.name = name

    @event("Renamed")
    def rename(self, name: str) -> None:
        """Give the item a new name."""
        self.name = name


class Plain(Application):
    """The library with nothing of ours: one aggregate per save."""

    name = "Plain"


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the generate workers)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bench_generate(
    backend: str, workdir: Path, teachers: int, years: int, workers: int | None
) -> None:
    """Time generate_history on a fresh database."""
    url = new_database(backend, workdir, "bench_generate")
    try:
        settings = settings_for(url, workdir)
        initialise(settings)
        app = Registry(settings)
        try:
            before, cpu = load(), cpu_seconds()
            summary = generate_history(
                app, teachers=teachers, years=years, seed=1, end=END, workers=workers
            )
            cpu = cpu_seconds() - cpu
        finally:
            app.close()
        print(
            f"{backend:10} generate {teachers} teachers x {years} years, "
            f"{summary.workers} process(es): {summary.events:,} events in "
            f"{summary.elapsed_s:.1f} s = {summary.events_per_second:,.0f} events/s; "
            f"{cpu:.1f} CPU s of ours = {summary.events / cpu:,.0f} events per CPU second "
            f"(before: {before}; after: {load()}; refused {len(summary.refused)})",
            flush=True,
        )
    finally:
        drop_database(url)


def bench_plain(backend: str, workdir: Path, aggregates: int) -> None:
    """Time the library's loop of one aggregate per save."""
    url = new_database(backend, workdir, "bench_generate")
    try:
        env = library_env(settings_for(url, workdir), create_table=True)
        app = Plain(env=env)
        try:
            began = time.perf_counter()
            for i in range(aggregates):
                item = Item(f"item {i}")
                item.rename(f"item {i}, renamed")
                item.rename(f"item {i}, renamed again")
                app.save(item)
            elapsed = time.perf_counter() - began
        finally:
            app.close()
        events = 3 * aggregates
        print(
            f"{backend:10} library loop, one aggregate (3 events) per save: {events:,} "
            f"events in {elapsed:.1f} s = {events / elapsed:,.0f} events/s "
            f"({load()})",
            flush=True,
        )
    finally:
        drop_database(url)


def bench_import(backend: str, workdir: Path, rows: int) -> None:
    """Time a CSV import and its re-import."""
    from registry.commands.base import Actor
    from registry.importer import import_csv

    admin = Actor(name="bench", role="admin", account_id="bench", via="benchmark")
    url = new_database(backend, workdir, "bench_generate")
    try:
        settings = settings_for(url, workdir)
        initialise(settings)
        app = Registry(settings)
        try:
            pins = []
            with app.batch(admin, size=1000) as batch:
                app.register_provider(
                    admin,
                    code="KAE",
                    name="Kyrgyz Academy of Education",
                    kind="academy",
                    region="KG-GB",
                )
                for i in range(rows):
                    pin = f"1{1 + i % 28:02d}{1 + i % 12:02d}19{70 + i % 30}{i:05d}"
                    pins.append(pin)
                    app.register_teacher(
                        admin,
                        {
                            "pin": pin,
                            "full_name": f"Teacher {i}",
                            "region": "KG-C",
                            "district": "Sokuluk",
                            "school": "School No. 1",
                            "subject": "Mathematics",
                            "position": "teacher",
                            "service_start": date(2000, 9, 1),
                        },
                    )
                    batch.step()
            text = "pin,number,provider_code,title,form,hours,issued_on\n" + "".join(
                f"{pin},P-{i},KAE,Course {i % 50},course,72,2018-05-{1 + i % 28:02d}\n"
                for i, pin in enumerate(pins)
            )
            for attempt in ("first import", "re-import"):
                began = time.perf_counter()
                report = import_csv(app, admin, text.encode())
                elapsed = time.perf_counter() - began
                print(
                    f"{backend:10} import {rows:,} legacy rows, {attempt}: {report.recorded:,} "
                    f"recorded, {report.already_recorded:,} already, in {elapsed:.1f} s = "
                    f"{rows / elapsed:,.0f} rows/s ({load()})",
                    flush=True,
                )
        finally:
            app.close()
    finally:
        drop_database(url)


def main() -> None:
    """Run the benchmarks the options ask for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--teachers", type=int, default=20_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--workers", type=int, choices=(1, 2), default=None)
    parser.add_argument(
        "--plain", type=int, default=3_000, help="aggregates saved one by one in the library's loop"
    )
    parser.add_argument(
        "--import-rows",
        type=int,
        default=0,
        help="also time a CSV import of this many legacy certificates",
    )
    args = parser.parse_args()
    print(f"machine: {machine()}; {load()}", flush=True)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            bench_generate(backend, Path(tmp), args.teachers, args.years, args.workers)
            bench_plain(backend, Path(tmp), args.plain)
            if args.import_rows:
                bench_import(backend, Path(tmp), args.import_rows)


if __name__ == "__main__":
    main()
