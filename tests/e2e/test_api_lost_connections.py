"""PostgreSQL connections the server ends (a restart, pg_terminate_backend): a read moves
once to a fresh connection and goes on; a database that cannot be reached is a 503
`database_unavailable` with Retry-After, never a 500, and reads resume when it is back."""

from __future__ import annotations

import time

import psycopg
import pytest

from registry.storage import DatabaseUnavailableError
from tests.conftest import PG_ADMIN_URL
from tests.e2e.api_support import *


@pytest.fixture
def database_url(postgres_url):
    """Only PostgreSQL has connections a server can end."""
    return postgres_url


@pytest.fixture
def admin():
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        yield conn


def dbname(api_app) -> str:
    return api_app.extensions["registry"].registry.db.url.dbname


def terminate(admin, database: str, pid: int | None = None) -> None:
    """End the database's connections (or one), and wait (bounded) until they are gone
    (the pool and the follower may open new ones meanwhile)."""
    pids = (
        [pid]
        if pid is not None
        else [
            row[0]
            for row in admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            )
        ]
    )
    admin.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", (pids,))
    deadline = time.monotonic() + 10
    while admin.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,)
    ).fetchone()[0]:
        assert time.monotonic() < deadline, "the connections outlived pg_terminate_backend"
        time.sleep(0.02)


def test_a_read_whose_connection_the_server_ends_goes_on_on_a_fresh_one(api_app, admin):
    db = api_app.extensions["registry"].registry.db
    with db.reading() as cur:
        (before,) = cur.query_one("SELECT pg_backend_pid()")
        terminate(admin, dbname(api_app), before)
        (after,) = cur.query_one("SELECT pg_backend_pid()")
        assert cur.query_one("SELECT count(*) FROM projection_tracking")[0] >= 0
    assert after != before


def test_a_snapshot_that_lost_its_connection_after_reading_is_refused_not_mixed(api_app, admin):
    db = api_app.extensions["registry"].registry.db
    with pytest.raises(DatabaseUnavailableError), db.reading(snapshot=True) as cur:
        (pid,) = cur.query_one("SELECT pg_backend_pid()")
        terminate(admin, dbname(api_app), pid)
        cur.query_one("SELECT 1")
    with db.reading(snapshot=True) as cur:  # the pool has replaced the lost connection
        assert cur.query_one("SELECT 1") == (1,)


def test_reads_go_on_after_the_server_ends_every_pooled_connection(api_app, callers, admin):
    paths = [
        "/providers",
        "/providers/KAE",
        "/statistics/compliance",
        "/policies",
        "/open-data/compliance?format=csv",
    ]
    for caller in (callers["admin"], callers["statistician"]):
        assert caller.get("/providers").status_code == 200
    # The views hold the callers' providers first: a follower whose connections are ended
    # mid catch-up retries a moment later, and KAE would be "not found" until then.
    services = api_app.extensions["registry"]
    services.queries.wait_for(services.registry.max_position(), timeout=30)
    for _ in range(3):
        terminate(admin, dbname(api_app))
        for path in paths:
            response = callers["statistician"].get(path)
            assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
        assert api_app.test_client().get("/open-data.csv").status_code == 200


def test_an_unreachable_database_is_a_503_with_retry_after_and_reads_resume(
    api_app, callers, admin
):
    public = callers["public"]
    assert public.get("/open-data/compliance").status_code == 200
    name = dbname(api_app)
    admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
    try:
        terminate(admin, name)
        for path in ("/open-data/compliance", "/verify/KAE/2024/0001?code=ABCD-EFGH"):
            response = public.get(path)
            assert response.status_code == 503, (path, response.get_data(as_text=True)[:300])
            assert response.get_json()["error"]["code"] == "database_unavailable"
            assert int(response.headers["Retry-After"]) >= 1
        page = api_app.test_client().get("/verify/KAE/2024/0001?code=ABCD-EFGH&lang=en")
        assert page.status_code == 503 and page.mimetype == "text/html"
        assert int(page.headers["Retry-After"]) >= 1
    finally:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
    deadline = time.monotonic() + 30
    while (response := public.get("/open-data/compliance")).status_code != 200:
        assert response.status_code == 503, response.get_data(as_text=True)[:300]
        assert time.monotonic() < deadline, "reads did not resume"
        time.sleep(0.1)
