"""The suite's own scheduling (tests/scheduling.py): files by their seconds, longest first."""

from __future__ import annotations

from tests.scheduling import SECONDS, seconds_per_file

REPORT = """\
============================= slowest durations ==============================
12.50s call     tests/e2e/test_b.py::test_one[sqlite]
3.25s setup    tests/e2e/test_b.py::test_one[sqlite]
9.00s call     tests/unit/test_a.py::test_two
0.75s teardown tests/unit/test_a.py::TestThing::test_three
(1 durations < 0.005s hidden.)
"""


def test_a_durations_report_sums_into_seconds_per_file_longest_first():
    assert seconds_per_file(REPORT.splitlines()) == {
        "tests/e2e/test_b.py": 16,
        "tests/unit/test_a.py": 10,
    }
    assert list(seconds_per_file(REPORT.splitlines(), top=1)) == ["tests/e2e/test_b.py"]


def test_the_listed_files_exist_and_are_listed_longest_first():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    assert all((root / path).is_file() for path in SECONDS), "refresh tests/scheduling.py"
    assert list(SECONDS.values()) == sorted(SECONDS.values(), reverse=True)
