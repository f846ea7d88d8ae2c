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
    "tests/e2e/test_api_fuzz.py": 153,
    "tests/e2e/test_browser_print_phone.py": 110,
    "tests/e2e/test_faults.py": 106,
    "tests/e2e/test_browser_screenshots.py": 51,
    "tests/integration/test_views_exactly_once.py": 45,
    "tests/e2e/test_api_standby.py": 44,
    "tests/integration/test_views_staleness.py": 44,
    "tests/e2e/test_api_certificate_numbers.py": 39,
    "tests/integration/test_rebuild_memory.py": 36,
    "tests/property/test_views_match_rule.py": 36,
    "tests/integration/test_replay.py": 35,
    "tests/e2e/test_database_unreachable.py": 34,
    "tests/e2e/test_api_eventlog.py": 32,
    "tests/integration/test_generate.py": 30,
    "tests/integration/test_views_following.py": 28,
    "tests/integration/test_queries_eventlog.py": 27,
    "tests/property/test_standing_matches_rule.py": 26,
    "tests/integration/test_reminders.py": 26,
    "tests/e2e/test_api_waits.py": 26,
    "tests/e2e/test_api_input_edges.py": 24,
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
