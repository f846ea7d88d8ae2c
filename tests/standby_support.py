"""Helpers of the tests of reads from a hot standby (the one `.ci/standby` starts)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

# The replay lag /readyz tolerates in these tests: above the lag a loaded machine's
# standby shows on its own (seconds, while the suite's databases are created), below the
# lag of a paused replay the tests wait for.
LAG_BOUND_S = 3.0


def read_until_answered(read: Callable[[], Any], timeout: float = 60) -> Any:
    """A read with min_position as a client honouring Retry-After makes it: again while it
    answers 503 (the standby has not replayed the position yet; on a loaded machine that
    can take longer than one wait), at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        answer = read()
        status = answer[0] if isinstance(answer, tuple) else answer.status_code
        if status != 503 or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def wait_for_replay(primary_url: str, standby_url: str, timeout: float = 30) -> None:
    """Until the standby has replayed everything the primary had written when asked (the
    tables `registry init` just created, say)."""
    with psycopg.connect(primary_url, autocommit=True) as conn:
        row = conn.execute("SELECT pg_current_wal_lsn()").fetchone()
    assert row is not None
    deadline = time.monotonic() + timeout
    query = "SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())"
    with psycopg.connect(standby_url, autocommit=True) as conn:
        while (behind := (conn.execute(query, (row[0],)).fetchone() or (None,))[0]) > 0:
            assert time.monotonic() < deadline, (
                f"the standby did not replay the primary's writes in {timeout:g} s:"
                f" {int(behind):,} bytes of WAL behind"
            )
            time.sleep(0.02)


def resume_replay(standby_server: str) -> None:
    """The standby applies the primary's changes again, if a test stopped before it could
    resume them itself (a killed run): called by a test that holds the standby's turn."""
    with psycopg.connect(standby_server, autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_resume() WHERE pg_is_wal_replay_paused()")


@contextmanager
def replay_paused(standby_server: str) -> Iterator[None]:
    """The standby stops applying the primary's changes until the block ends (a standby
    far behind)."""
    with psycopg.connect(standby_server, autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
        try:
            yield
        finally:
            conn.execute("SELECT pg_wal_replay_resume()")
