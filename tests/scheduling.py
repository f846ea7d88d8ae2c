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
    "tests/e2e/test_faults.py": 96,
    "tests/e2e/fuzz/test_fuzz_reads.py": 74,
    "tests/e2e/fuzz/test_fuzz_writes.py": 73,
    "tests/e2e/test_browser_print_phone.py": 65,
    "tests/e2e/test_api_standby.py": 46,
    "tests/e2e/test_api_eventlog.py": 39,
    "tests/e2e/test_database_unreachable.py": 36,
    "tests/integration/test_views_exactly_once.py": 36,
    "tests/property/test_standing_matches_rule.py": 34,
    "tests/integration/test_replay.py": 33,
    "tests/e2e/test_api_certificate_numbers.py": 33,
    "tests/integration/test_views_staleness.py": 30,
    "tests/property/test_views_match_rule.py": 30,
    "tests/e2e/test_serve.py": 27,
    "tests/e2e/test_api_input_edges.py": 27,
    "tests/e2e/test_cli_bulk.py": 27,
    "tests/property/test_activity_matches_scan.py": 26,
    "tests/e2e/test_api_waits.py": 26,
    "tests/property/test_known_at_replay.py": 24,
    "tests/e2e/test_api_credentials.py": 24,
    "tests/integration/test_queries_eventlog.py": 24,
    "tests/e2e/test_throttling.py": 24,
    "tests/integration/test_generate.py": 24,
    "tests/integration/test_rebuild_memory.py": 20,
    "tests/e2e/test_browser_screenshots.py": 19,
    "tests/integration/test_reminders.py": 18,
    "tests/integration/test_backup.py": 18,
    "tests/e2e/test_api_reads.py": 18,
    "tests/integration/test_views_following.py": 17,
    "tests/e2e/test_browser_imports.py": 17,
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
