"""Bulk loads leave PostgreSQL's planner statistics behind them.

Without them (autovacuum off, or not round yet) the planner took a teacher's history for
thousands of events and walked the whole log: 15-230 ms instead of 0.2-0.4 ms.
"""

from __future__ import annotations

import psycopg
import pytest
from click.testing import CliRunner

from registry.cli import cli
from tests.conftest import SECRET


def invoke(database_url: str, tmp_path, *args: str) -> None:
    env = {
        "REGISTRY_INSTANCE_PATH": str(tmp_path / "cli-instance"),
        "REGISTRY_SECRET_KEY": SECRET.decode(),
    }
    result = CliRunner().invoke(
        cli, ["--database", database_url, *args], env=env, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output


def about(url: str, sql: str, table: str):
    """The one value `sql` (a statement about `table`, its one parameter) answers."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(sql, (table,)).fetchone()
    assert row is not None
    return row[0]


def analysed_columns(url: str, table: str) -> int:
    """Columns of `table` with planner statistics (present only after an ANALYZE)."""
    return int(
        about(
            url,
            "SELECT count(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = %s",
            table,
        )
    )


@pytest.mark.postgres
def test_generate_and_rebuild_leave_the_planner_statistics_of_the_tables_they_filled(
    postgres_url, tmp_path
):
    invoke(postgres_url, tmp_path, "init")
    assert analysed_columns(postgres_url, "registry_events") == 0
    invoke(postgres_url, tmp_path, "generate", "--teachers", "40", "--years", "2", "--json")
    assert analysed_columns(postgres_url, "registry_events") > 0
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_reset()")
        for table in ("registry_events", "teachers"):
            conn.execute(f"DELETE FROM pg_statistic WHERE starelid = '{table}'::regclass")
    assert analysed_columns(postgres_url, "teachers") == 0
    invoke(postgres_url, tmp_path, "projections", "rebuild")
    assert analysed_columns(postgres_url, "teachers") > 0


def vacuumed(url: str, table: str) -> bool:
    """Whether `table` was vacuumed by hand since the statistics were last reset."""
    return bool(
        about(
            url,
            "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables "
            "WHERE schemaname = current_schema() AND relname = %s",
            table,
        )
    )


@pytest.mark.postgres
def test_a_rebuild_vacuums_the_tables_of_the_views_it_refilled_and_no_other(postgres_url, tmp_path):
    # A server may run without autovacuum (this machine's does): what a rebuild's settles
    # delete (the queue of teachers to recompute, emptied at its end; every statistics
    # read asks it whether anything waits) would stay on disk until someone vacuums.
    # Whether a vacuum can remove them at once depends on the oldest snapshot the server
    # must keep (a hot standby's, with feedback), so the vacuum itself is what is asked.
    invoke(postgres_url, tmp_path, "init")
    invoke(postgres_url, tmp_path, "generate", "--teachers", "100", "--years", "2", "--json")
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_reset()")
    assert not vacuumed(postgres_url, "standing_dirty")
    invoke(postgres_url, tmp_path, "projections", "rebuild")
    assert vacuumed(postgres_url, "standing_dirty")
    assert vacuumed(postgres_url, "teachers")
    assert not vacuumed(postgres_url, "registry_events")  # only ever appended to

    # A rebuild of one view vacuums that view's tables only.
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_reset()")
    invoke(postgres_url, tmp_path, "projections", "rebuild", "compliance")
    assert vacuumed(postgres_url, "teachers")
    assert not vacuumed(postgres_url, "standing_dirty")
