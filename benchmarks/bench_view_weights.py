"""Each view's rebuild alone, in this one process: the figures its `View.weight` comes from.

    python benchmarks/bench_view_weights.py --database sqlite:////tmp/weights/registry.db

A rebuild in several processes (registry/rebuild.py) spreads the views by weight; weights
that no longer match the views' costs leave one process working alone at the end (at
100,000 × 20 the activity view settled alone for ~6 minutes). This fills the database
with the product's generator if it is empty, rebuilds each view alone and prints its
CPU time, and the weight it implies: µs of CPU per event of the log, less the read every
process does anyway (the cheapest view's time, which is little more than that read).
CPU, not wall time: the split is about CPU, and CPU time moves less with the machine's load.
This process's CPU only: on PostgreSQL most of a view's work is the server's (at 20,000 x 10,
41 s of this process's CPU in a 90 s run), so measure the weights on SQLite.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_projections import fill
from benchmarks.common import ensure_database, load, settings_for
from registry.bootstrap import initialise, open_registry, open_worker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--teachers", type=int, default=5_000)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--workdir", default="/tmp/bench-weights")
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    settings = settings_for(args.database, workdir)
    ensure_database(args.database)
    initialise(settings)
    app = open_registry(settings)
    try:
        fill(app, args.teachers, args.years)
        views = open_worker(app).views
        head = open_worker(app).head()
        print(f"{head:,} events; {load()}")
        cpu: dict[str, float] = {}
        for view in views:
            worker = open_worker(app, [view.name])
            before = time.process_time()
            worker.rebuild(batch_size=10_000)
            cpu[view.name] = time.process_time() - before
        read = min(cpu.values())
        for view in views:
            weight = max(cpu[view.name] - read, 0.0) / head * 1e6
            print(
                f"{view.name:18} {cpu[view.name]:6.1f} s CPU   weight {weight:5.1f}"
                f"   (now {view.weight})"
            )
        print(f"the shared read taken as {read:.1f} s; {load()}")
    finally:
        app.close()


if __name__ == "__main__":
    main()
