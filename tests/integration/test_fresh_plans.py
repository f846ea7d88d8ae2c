"""Reads whose best plan depends on their date are planned for it at every run.

psycopg prepares a statement the fifth time a connection runs it, and PostgreSQL may then
keep one generic plan for every parameter: for the statistics' steps by date that plan
was twice as slow at 100,000 teachers (docs/performance.md). The statistics, due lists,
their totals and activity read by date are therefore never prepared, while a lookup of
one teacher (one plan fits every PIN) still is.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from registry.application import Registry
from registry.bootstrap import initialise, open_worker
from registry.queries import Queries
from tests.builders import ADMIN, OTHER_PIN, PIN, teacher
from tests.conftest import make_settings

pytestmark = pytest.mark.postgres

DATED_TABLES = ("standing_steps", "standing_intervals", "activity_steps", "activity_pairs")


@pytest.fixture
def app(postgres_url, tmp_path) -> Iterator[Registry]:
    # One pooled connection: every read below runs on it, and so does the look at what
    # it has prepared.
    settings = make_settings(postgres_url, tmp_path, pool_size=1)
    initialise(settings)
    app = Registry(settings)
    app.register_teacher(ADMIN, teacher(pin=PIN))
    app.register_teacher(ADMIN, teacher(pin=OTHER_PIN))
    open_worker(app).catch_up()
    yield app
    app.close()


def prepared(app: Registry) -> list[str]:
    return [row[0] for row in app.read_db.query("SELECT statement FROM pg_prepared_statements")]


def test_reads_by_date_are_never_prepared_and_a_teachers_lookup_is(app):
    queries = Queries(app)
    first = date(2024, 1, 15)
    for day in (first + timedelta(days=37 * n) for n in range(8)):
        queries.compliance_statistics(day, "region")
        queries.open_data(day, "district")
        queries.activity_statistics(day - timedelta(days=365), day, "region")
        queries.compliance(PIN, day)

    statements = prepared(app)
    by_date = [s for s in statements if any(table in s for table in DATED_TABLES)]
    assert by_date == []
    # The same connection prepared the lookup it ran as often (one plan fits every PIN).
    assert any("t.pin" in s for s in statements), statements


def test_a_read_in_one_snapshot_leaves_the_prepared_lookups_prepared(app):
    # psycopg forgets what a connection prepared when a transaction ends in ROLLBACK:
    # a snapshot read (a due list's page and its total) must not end that way.
    queries = Queries(app)
    for n in range(6):
        queries.compliance(PIN, date(2024, 1, 1) + timedelta(days=n))
    assert any("t.pin" in s for s in prepared(app))

    page = queries.due_page(status="overdue", as_of=date(2024, 3, 1), limit=25)
    queries.compliance(OTHER_PIN, date(2024, 3, 1))

    assert page["total"] >= 0
    assert any("t.pin" in s for s in prepared(app))
