"""Helpers of the tests of reads from a hot standby (the one `.ci/standby` starts)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg


def wait_for_replay(primary_url: str, standby_url: str, timeout: float = 30) -> None:
    """Until the standby has replayed everything the primary had written when asked (the
    tables `registry init` just created, say)."""
    with psycopg.connect(primary_url, autocommit=True) as conn:
        row = conn.execute("SELECT pg_current_wal_lsn()").fetchone()
    assert row is not None
    deadline = time.monotonic() + timeout
    with psycopg.connect(standby_url, autocommit=True) as conn:
        query = "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn"
        while not (conn.execute(query, (row[0],)).fetchone() or (False,))[0]:
            assert time.monotonic() < deadline, "the standby did not replay the primary's writes"
            time.sleep(0.02)


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
