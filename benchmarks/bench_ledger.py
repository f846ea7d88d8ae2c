"""How fast the ledger seals and verifies (target: verify >= 100,000 events/s).

    python benchmarks/bench_ledger.py --backend sqlite --teachers 20000
    python benchmarks/bench_ledger.py --backend postgresql --teachers 20000 --keep

Builds a history of N teachers (each registered, enrolled, assessed and certified, half of
them twice: about 7.5 events per teacher) through the Registry's batch path, unless
`--database URL` names one built before; then seals the ledger once and verifies it
`--repeat` times. `--replay` also times a replay into a fresh database against a rebuild
of the views. Prints one line per measurement.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registry import ledger  # noqa: E402
from registry.application import Registry  # noqa: E402
from registry.commands.base import Actor  # noqa: E402
from registry.schema import initialise, is_initialised  # noqa: E402
from registry.settings import Settings  # noqa: E402

ADMIN = Actor(name="bench", role="admin", account_id="bench", via="benchmark")
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PLACES = (("KG-GB", "Leninsky"), ("KG-C", "Sokuluk"), ("KG-B", "Batken"), ("KG-J", "Aksy"),
          ("KG-Y", "Ton"))


def settings_for(url: str, workdir: Path) -> Settings:
    return Settings(database_url=url, instance_path=workdir, secret_key=b"bench-secret",
                    pool_size=4)


def new_database(backend: str, workdir: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}"
    import psycopg

    name = f"bench_ledger_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"


def drop_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url[len("sqlite:///"):] + suffix).unlink(missing_ok=True)
    if url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def build(app: Registry, teachers: int) -> int:
    """Record the synthetic history; returns the number of events."""
    providers = [f"BP{i:02d}" for i in range(10)]
    programmes = []
    with app.batch(ADMIN, size=500) as batch:
        for code in providers:
            app.register_provider(ADMIN, code=code, name=f"Provider {code}", kind="university",
                                  region="KG-GB")
            for form, hours in (("course", 72), ("seminar", 36)):
                programmes.append(app.register_programme(ADMIN, {
                    "provider_code": code, "code": f"{form}-{code}", "title": f"{form} {code}",
                    "form": form, "mode": "full_time", "hours": hours,
                    "assessment": "exam", "funding": "state", "starts_on": date(2023, 2, 1),
                    "ends_on": date(2023, 2, 20)}).data["id"])
            batch.step()
        for i in range(teachers):
            pin = f"2{1 + i % 28:02d}0{1 + i % 9}19{80 + i % 20}{i:05d}"[:14]
            app.register_teacher(ADMIN, {
                "pin": pin, "full_name": f"Teacher {i}", "region": PLACES[i % 5][0],
                "district": PLACES[i % 5][1], "school": f"School {i % 400}", "subject": "Mathematics",
                "position": "teacher", "service_start": date(2005 + i % 15, 9, 1)})
            for k in range(1 + i % 2):
                enrolment = app.enrol(ADMIN, programmes[(i + k * 7) % len(programmes)],
                                      pin).data["id"]
                app.assess(ADMIN, enrolment, passed=True, assessed_on=date(2023, 2, 21))
                app.issue_certificate(ADMIN, enrolment, number=f"B-{i:06d}-{k}",
                                      issued_on=date(2023, 2, 21 + k))
            batch.step()
    return app.max_position() or 0


def timed(func, *args, **kwargs):
    started = time.perf_counter()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--teachers", type=int, default=20_000)
    parser.add_argument("--database", help="reuse a database built before")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--replay", action="store_true", help="also time replay vs rebuild")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-ledger-"))
    url = args.database or new_database(args.backend, workdir)
    settings = settings_for(url, workdir)
    if not is_initialised(settings):
        initialise(settings)
    app = Registry(settings)
    try:
        events = app.max_position() or 0
        if events < 10:
            events, seconds = timed(build, app, args.teachers)
            print(f"built {args.teachers:,} teachers: {events:,} events in {seconds:.1f} s "
                  f"({events / seconds:,.0f} events/s)")
        print(f"database: {settings.database.redacted()} ({events:,} events)")
        sealed, seconds = timed(ledger.seal, app)
        if sealed:
            print(f"seal: {sealed:,} events in {seconds:.2f} s ({sealed / seconds:,.0f} events/s)")
        rates = []
        for _ in range(args.repeat):
            report = ledger.verify(app, record=False)
            assert report.ok, report.findings[:3]
            rates.append(report.rate)
            print(f"verify: {report.events:,} events in {report.seconds:.2f} s "
                  f"({report.rate:,.0f} events/s)")
        print(f"verify median: {statistics.median(rates):,.0f} events/s")
        if args.replay:
            replay_vs_rebuild(app, args.backend, workdir)
        if args.keep:
            print(f"kept: {url}")
    finally:
        app.close()
        if not args.keep and not args.database:
            drop_database(url)


def replay_vs_rebuild(app: Registry, backend: str, workdir: Path) -> None:
    """Time a replay of the whole log into a fresh database and a rebuild of the views."""
    from registry.bootstrap import open_worker
    from registry.replay import replay

    progress, seconds = timed(open_worker(app).rebuild)
    print(f"rebuild: {progress.events:,} events in {seconds:.2f} s "
          f"({progress.events / seconds:,.0f} events/s)")
    target = new_database(backend, workdir)
    try:
        report, seconds = timed(replay, app, datetime.now(timezone.utc), target, compare_answers=False)
        print(f"replay: {report.events_copied:,} events in {seconds:.2f} s "
              f"({report.events_copied / seconds:,.0f} events/s; copy {report.copy_seconds:.2f} s,"
              f" rebuild {report.rebuild_seconds:.2f} s)")
    finally:
        drop_database(target)
    # Before 2,000 revocations: every teacher concerned is judged then and now.
    before = datetime.now(timezone.utc)
    time.sleep(0.01)
    with app.batch(ADMIN, size=500) as batch:
        for i in range(0, 4000, 2):
            app.revoke_certificate(ADMIN, f"B-{i:06d}-0", reason="benchmark")
            batch.step()
    target = new_database(backend, workdir)
    try:
        report, seconds = timed(replay, app, before, target)
        comparison = report.comparison
        print(f"replay before 2,000 revocations: {report.events_copied:,} events copied, "
              f"{seconds:.2f} s in all; compared {comparison.compared:,} teachers in "
              f"{comparison.seconds:.2f} s, {len(comparison.differences):,} differences "
              f"({dict(comparison.changes())})")
    finally:
        drop_database(target)


if __name__ == "__main__":
    main()
