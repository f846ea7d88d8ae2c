"""How fast the ledger seals and verifies (target: verify >= 100,000 events/s).

    python benchmarks/bench_ledger.py --backend sqlite --teachers 20000
    python benchmarks/bench_ledger.py --backend postgresql --teachers 20000 --keep

Generates a national history of N teachers over ten years with the product's generator
(`registry.generate`), unless `--database URL` names one built before; then seals the ledger once and verifies it
`--repeat` times. `--replay` also times a replay into a fresh database against a rebuild
of the views. Prints one line per measurement.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import drop_database, new_database, settings_for
from registry import ledger
from registry.application import Registry
from registry.bootstrap import initialise
from registry.commands.base import Actor
from registry.generate import generate_history
from registry.storage.facts import EventLog
from registry.storage.schema import is_initialised

ADMIN = Actor(name="bench", role="admin", account_id="bench", via="benchmark")


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
    url = args.database or new_database(args.backend, workdir, "bench_ledger")
    settings = settings_for(url, workdir)
    if not is_initialised(settings):
        initialise(settings)
    app = Registry(settings)
    try:
        events = app.max_position() or 0
        if events < 10:
            summary, seconds = timed(
                generate_history, app, teachers=args.teachers, years=10, seed=1
            )
            events = app.max_position() or 0
            print(
                f"generated {args.teachers:,} teachers x 10 years: {summary.events:,} "
                f"events in {seconds:.1f} s"
            )
        print(f"database: {settings.database.redacted()} ({events:,} events)")
        sealed, seconds = timed(ledger.seal, app)
        if sealed:
            print(f"seal: {sealed:,} events in {seconds:.2f} s ({sealed / seconds:,.0f} events/s)")
        rates = []
        for _ in range(args.repeat):
            report = ledger.verify(app, record=False)
            assert report.ok, report.findings[:3]
            rates.append(report.rate)
            print(
                f"verify: {report.events:,} events in {report.seconds:.2f} s "
                f"({report.rate:,.0f} events/s)"
            )
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
    print(
        f"rebuild: {progress.events:,} events in {seconds:.2f} s "
        f"({progress.events / seconds:,.0f} events/s)"
    )
    target = new_database(backend, workdir, "bench_ledger")
    try:
        report, seconds = timed(replay, app, datetime.now(UTC), target, compare_answers=False)
        print(
            f"replay: {report.events_copied:,} events in {seconds:.2f} s "
            f"({report.events_copied / seconds:,.0f} events/s; copy {report.copy_seconds:.2f} s,"
            f" rebuild {report.rebuild_seconds:.2f} s)"
        )
    finally:
        drop_database(target)
    # Before 2,000 revocations: every teacher concerned is judged then and now.
    before = datetime.now(UTC)
    time.sleep(0.01)
    with app.batch(ADMIN, size=500) as batch:
        for number in live_certificates(app, 2000):
            app.revoke_certificate(ADMIN, number, reason="benchmark")
            batch.step()
    target = new_database(backend, workdir, "bench_ledger")
    try:
        report, seconds = timed(replay, app, before, target)
        comparison = report.comparison
        print(
            f"replay before 2,000 revocations: {report.events_copied:,} events copied, "
            f"{seconds:.2f} s in all; compared {comparison.compared:,} teachers in "
            f"{comparison.seconds:.2f} s, {len(comparison.differences):,} differences "
            f"({dict(comparison.changes())})"
        )
    finally:
        drop_database(target)


def live_certificates(app: Registry, count: int) -> list[str]:
    """Numbers of the last `count` certificates issued on enrolments and not revoked."""
    issued: dict[object, str] = {}  # certificate id -> number
    for facts in EventLog(app).iterate():
        for fact in facts:
            if fact.type == "Certificate.Issued":
                issued[fact.originator_id] = fact.data["number"]
            elif fact.type == "Certificate.Revoked":
                issued.pop(fact.originator_id, None)
    return list(issued.values())[-count:]  # the newest: they still count today


if __name__ == "__main__":
    main()
