"""A rebuild's memory does not grow with the log it has applied (issue 12: bounded memory).

The rebuild runs in a process of its own, as `registry projections rebuild` does, and
notes its peak resident memory (VmHWM) after every batch. Once the first batches are
in, the peak stays where it is: what a batch reads, decodes and caches is let go when
the next one starts. Before, every batch of the log read on PostgreSQL stayed in
libpq's memory (a cycle between a read and its cursor, freed only by the cyclic
collector, which a rebuild pauses): +36 MB between a quarter and the whole of this log.

On PostgreSQL only: on SQLite the peak goes on rising for another reason, bounded and
wanted, its page cache (64 MB per connection, `CACHE_KIB`) filling as the views grow.

Every view but the two that write most (`standing`, `activity`: ~28 rows an event, 80%
of a whole rebuild's time here, on the same reads): the event index alone reads and
decodes every event of the log, which is where the memory grew.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from registry.application import Registry
from registry.generate import generate_history
from tests.conftest import initialise_once, make_settings

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not Path("/proc/self/status").exists(), reason="reads the peak memory from /proc"
    ),
]

BATCH = 1000
# The growth from a quarter to the whole of the log: 4-6 MB with the fix, 36-37 MB without.
MARGIN = 16 * 2**20

CHILD = """
import json, pickle, sys
from registry.bootstrap import open_registry, open_worker
from registry.projections.catalogue import view_names

def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024

settings = pickle.loads(open(sys.argv[1], "rb").read())
app = open_registry(settings)
marks, applied = [], 0

def noted(events):
    global applied
    applied += events
    marks.append((applied, peak()))

try:
    views = [name for name in view_names() if name not in ("standing", "activity")]
    open_worker(app, views).rebuild(batch_size=int(sys.argv[2]), on_batch=noted)
finally:
    app.close()
print(json.dumps(marks))
"""


def test_a_rebuilds_peak_memory_stays_flat_as_it_applies_more_of_the_log(
    postgres_url, from_initialised_copy, tmp_path
):
    settings = make_settings(postgres_url, tmp_path)
    initialise_once(settings)
    app = Registry(settings)
    try:
        summary = generate_history(
            app, teachers=1000, years=20, seed=3, end=date(2025, 6, 30), workers=1
        )
    finally:
        app.close()
    assert summary.events > 25_000
    pickled = tmp_path / "settings.pickle"
    pickled.write_bytes(pickle.dumps(settings))
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(pickled), str(BATCH)],
        capture_output=True,
        text=True,
        check=True,
    )
    marks = json.loads(done.stdout)
    applied = marks[-1][0]
    assert applied > 25_000
    at_a_quarter = next(peak for events, peak in marks if events >= applied / 4)
    at_the_end = marks[-1][1]
    assert at_the_end - at_a_quarter <= MARGIN, (
        f"peak memory {at_a_quarter / 2**20:.0f} MB after {applied // 4:,} events, "
        f"{at_the_end / 2**20:.0f} MB after {applied:,}"
    )
