"""The statistics by date read their years' and months' steps from an index alone, and
activity for a period its day pairs.

A statistics read on D takes every year's steps before D's year and the months of its
year: at 100,000 teachers x 20 years, 2,560 rows by subject, each on a block of its own
when read from the table (docs/performance.md, "Statistics from the covering index").
The standing view keeps an index of those coarse steps with their counts, and the read
names the index's condition as written, so that SQLite (which matches a partial index's
condition by its text) uses it as PostgreSQL does.
"""

from __future__ import annotations

from datetime import date

import pytest

from registry.application import Registry
from registry.bootstrap import initialise, open_worker
from registry.queries.activity import activity_sql
from registry.queries.statistics import steps_sql
from tests.builders import ADMIN, OTHER_PIN, PIN, teacher
from tests.conftest import make_settings

GROUPINGS = ("region", "district", "subject", "position", "provider_kind")
COARSE_INDEX = "standing_steps_dim_grain_bucket_value_region_status_n_hours"


DAY_PAIRS_INDEXES = (
    "activity_pairs_dim_bucket_from_bucket_to_value_pairs_grain_from",  # from the first month
    "activity_pairs_dim_bucket_to_bucket_from_value_pairs_grain_to",  # to the last month
)


def plan(app: Registry, group_by: str) -> list[str]:
    """The lines of the plan of a statistics read by `group_by` on a date."""
    return explained(app, *steps_sql(date(2024, 7, 14), group_by))


def explained(app: Registry, sql: str, params: list) -> list[str]:
    """The lines of a statement's plan, on a database without a plan's preferences."""
    if app.settings.database.backend == "sqlite":
        return [row[3] for row in app.db.query(f"EXPLAIN QUERY PLAN {sql}", params)]
    with app.db.connection() as conn:
        # A handful of rows, just written: the server would read the table whatever the
        # indexes, and whether a scan of the index alone is cheaper depends on when a
        # vacuum last saw the pages. The question is whether the index can answer alone.
        conn.execute("SET enable_seqscan = off")
        conn.execute("SET enable_bitmapscan = off")
        conn.execute("SET enable_indexscan = off")
        try:
            explain = app.db.sql(f"EXPLAIN {sql}")
            return [row[0] for row in conn.execute(explain, params).fetchall()]
        finally:
            conn.execute("RESET ALL")


@pytest.fixture
def app(database_url, tmp_path):
    """A newly initialised registry (its own database, not a copy: plans of fresh tables)."""
    settings = make_settings(database_url, tmp_path)
    initialise(settings)
    app = Registry(settings)
    yield app
    app.close()


def from_index_alone(lines: list[str], index: str) -> list[str]:
    """The lines of a plan reading `index` without the table."""
    return [
        line
        for line in lines
        if index in line and ("COVERING INDEX" in line or "Index Only Scan" in line)
    ]


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_the_years_and_months_steps_are_read_from_the_index_alone(app):
    app.register_teacher(ADMIN, teacher(pin=PIN))
    app.register_teacher(ADMIN, teacher(pin=OTHER_PIN, subject="physics"))
    open_worker(app).catch_up()
    for group_by in GROUPINGS:
        lines = plan(app, group_by)
        # the years' and the months'
        assert len(from_index_alone(lines, COARSE_INDEX)) == 2, (group_by, lines)


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_activity_reads_the_day_pairs_from_their_indexes_alone(app):
    # The pairs of a period's first and last partial months grow with the country (a
    # month's certificates): read from the table, each was a block of its own.
    for group_by in ("region", "provider_kind"):
        lines = explained(app, *activity_sql(date(2023, 7, 14), date(2024, 7, 14), group_by))
        for index in DAY_PAIRS_INDEXES:
            assert from_index_alone(lines, index), (group_by, index, lines)
