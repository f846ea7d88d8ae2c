"""The suite's longest files start first.

With `--dist loadfile` a file runs whole on one worker; collected in path order, the
longest (fuzzing, the browser's print and phone checks, the faults) were handed out late
and kept one worker busy while the others had finished. Sorted longest first (the
longest-processing-time rule), the workers end together. The figures are seconds per file
(setup, call and teardown summed) from a run of the whole suite; files not listed keep
their order after these. To refresh them:

    python -m pytest --durations=0 -q > /tmp/durations.log
    python -m tests.scheduling < /tmp/durations.log
"""

from __future__ import annotations

import re
import sys
from collections import Counter

import pytest

SECONDS = {
    "tests/e2e/fuzz/test_fuzz_reads.py": 160,
    "tests/e2e/fuzz/test_fuzz_writes.py": 160,
    "tests/e2e/test_faults.py": 138,
    "tests/e2e/test_browser_print_phone.py": 113,
    "tests/integration/test_replay.py": 74,
    "tests/e2e/test_api_eventlog.py": 69,
    "tests/property/test_views_match_rule.py": 68,
    "tests/e2e/test_api_standby.py": 59,
    "tests/e2e/test_api_input_edges.py": 53,
    "tests/integration/test_views_staleness.py": 53,
    "tests/e2e/test_browser_journeys.py": 53,
    "tests/property/test_activity_matches_scan.py": 47,
    "tests/integration/test_reminders.py": 47,
    "tests/integration/test_queries_eventlog.py": 47,
    "tests/property/test_known_at_replay.py": 45,
    "tests/e2e/test_api_certificate_numbers.py": 44,
    "tests/integration/test_views_exactly_once.py": 42,
    "tests/e2e/test_cli_bulk.py": 37,
    "tests/e2e/test_browser_screenshots.py": 36,
    "tests/integration/test_queries_search.py": 35,
    "tests/e2e/test_serve.py": 35,
}


def longest_first(items: list[pytest.Item]) -> None:
    """Reorder the collected tests by their file's seconds, longest first (stable)."""
    items.sort(key=lambda item: -SECONDS.get(item.nodeid.split("::", 1)[0], 0))


def seconds_per_file(lines: list[str], top: int = 20) -> dict[str, int]:
    """The `top` files of a `--durations=0` report, by their summed seconds."""
    spent: Counter[str] = Counter()
    for line in lines:
        if found := re.match(r"\s*([\d.]+)s (?:setup|call|teardown)\s+(\S+?)::", line):
            spent[found.group(2)] += float(found.group(1))
    return {path: round(seconds) for path, seconds in spent.most_common(top)}


if __name__ == "__main__":
    for path, seconds in seconds_per_file(sys.stdin.readlines()).items():
        print(f'    "{path}": {seconds},')
