"""Shared fixtures: a fresh registry on a real SQLite file and on a real PostgreSQL database
(and, for the commands' rules, on the library's in-memory store).

PostgreSQL tests skip when no server answers, except under CI=true, where they fail; so do
the tests of reads from a hot standby of that server (`bash .ci/standby` starts one).
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from registry.domain.clock import frozen_at  # noqa: F401  (re-exported for tests)
from registry.settings import Settings

PG_ADMIN_URL = os.environ.get(
    "REGISTRY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
STANDBY_ADMIN_URL = os.environ.get(
    "REGISTRY_TEST_STANDBY", "postgresql://postgres@127.0.0.1:5433/postgres"
)
SECRET = b"test-secret-key-not-for-production"
# Argon2 at its lowest cost: each hash takes microseconds instead of ~170 ms of CPU.
# Production keeps Settings' defaults; a test that is about the cost passes them back.
CHEAP_PASSWORDS = {"argon2_time_cost": 1, "argon2_memory_kib": 8, "argon2_parallelism": 1}
PRODUCTION_PASSWORDS = {
    name: Settings.__dataclass_fields__[name].default for name in CHEAP_PASSWORDS
}


def _pg_admin():
    import psycopg

    return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)


def _pg_available() -> bool:
    try:
        _pg_admin().close()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The admin URL of a reachable PostgreSQL server."""
    if not _pg_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI but {PG_ADMIN_URL} does not answer")
        pytest.skip("no PostgreSQL server (set CI=true to make this a failure)")
    return PG_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_server: str):
    """A new, empty PostgreSQL database, dropped afterwards."""
    name = f"registry_test_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = postgres_server.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def standby_server(postgres_server: str) -> str:
    """The admin URL of a streaming hot standby of the PostgreSQL test server."""
    import psycopg

    try:
        with psycopg.connect(STANDBY_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
        problem = None if row and row[0] else "is not in recovery (not a standby)"
    except psycopg.Error as error:
        problem = f"does not answer ({str(error).strip()})"
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"A hot standby is required in CI, but {STANDBY_ADMIN_URL} {problem}")
        pytest.skip(f"no hot standby: {STANDBY_ADMIN_URL} {problem} (bash .ci/standby)")
    return STANDBY_ADMIN_URL


@pytest.fixture
def standby_url(postgres_url: str, standby_server: str):
    """The test database as the standby serves it, once its creation has been replayed.

    Tests on the standby take turns, across the suite's processes (and sessions sharing
    the machine's standby): one that pauses its replay must not stall another's reads."""
    import fcntl

    import psycopg

    url = f"{standby_server.rsplit('/', 1)[0]}/{postgres_url.rsplit('/', 1)[1]}"
    with open(Path(tempfile.gettempdir()) / "registry-test-standby.lock", "w") as turn:
        fcntl.flock(turn, fcntl.LOCK_EX)
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(url, connect_timeout=3).close()
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'registry.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request) -> str:
    """Each scenario runs once per backend."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


def make_settings(database_url: str, tmp_path: Path, **overrides) -> Settings:
    return Settings(
        **{
            "database_url": database_url,
            "instance_path": tmp_path / "instance",
            "secret_key": SECRET,
            "pool_size": 4,
            "read_wait_timeout_s": 5.0,
            **CHEAP_PASSWORDS,
            **overrides,
        }
    )


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


@pytest.fixture
def registry(settings: Settings):
    """A fresh, initialised registry."""
    from registry.application import Registry
    from registry.bootstrap import initialise

    initialise(settings)
    app = Registry(settings)
    yield app
    app.close()


@pytest.fixture
def memory_registry():
    """A registry on the in-memory engine (the library's POPO store), made ready as
    `initialise` makes a database: the claims table and the first policy. For the
    commands' rules only: views and queries need a real database."""
    from registry.application import Registry
    from registry.storage.schema import create_claims_table

    app = Registry(make_settings("memory:", Path("/nonexistent/instance")))
    create_claims_table(app.db)
    app.start_policy()
    yield app
    app.close()
