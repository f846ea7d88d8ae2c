"""Shared fixtures: a fresh registry on a real SQLite file and on a real PostgreSQL database
(and, for the commands' rules, on the library's in-memory store).

PostgreSQL tests skip when no server answers, except under CI=true, where they fail; so do
the tests of reads from a hot standby of that server (`bash .ci/standby` starts one).

A test that starts from an initialised registry (this file's `registry`, api_support's
`api_app`: they ask for `from_initialised_copy`) gets a copy of a database that
`initialise` prepared once per worker (an SQLite file copied; on
PostgreSQL `CREATE DATABASE … TEMPLATE`, made ahead: tests/databases.py), which is what
`initialise` would have made of an empty one (tests/integration/test_schema.py compares
the two); other tests get an empty database.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from registry.domain.clock import frozen_at  # noqa: F401  (re-exported for tests)
from registry.settings import Settings
from tests.databases import PostgresDatabases, new_name, url_of
from tests.routing_memo import install as _memoise_routing
from tests.scheduling import longest_first

_memoise_routing()

PG_ADMIN_URL = os.environ.get(
    "REGISTRY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# How long a test on the standby waits for it to replay what the primary wrote before the
# test (the suite writes ~2 GB of WAL in its nine minutes; a slow disk replays it late).
STANDBY_CATCH_UP_S = 120.0
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
_copies: set[str] = set()  # URLs of databases copied from an initialised one
_template_key: Path | None = None  # the signing key the templates' logs record


def _pg_admin():
    import psycopg

    return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)


def _pg_available() -> bool:
    try:
        _pg_admin().close()
        return True
    except Exception:
        return False


def create_postgres_database(name: str) -> None:
    """A new empty test database (tests/databases.py), now."""
    _databases().create(name)


def drop_postgres_database(name: str) -> None:
    """Drop a test database, in the background (tests/databases.py)."""
    _databases().drop(name)


_supply: PostgresDatabases | None = None


def _databases() -> PostgresDatabases:
    global _supply
    if _supply is None:
        _supply = PostgresDatabases(_pg_admin, PG_ADMIN_URL)
    return _supply


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop what is left of this worker's test databases before it ends."""
    if _supply is not None:
        for url, _ in _seeded.values():
            if not url.startswith("sqlite"):
                _supply.drop(url.rsplit("/", 1)[1])
        _supply.close()


def starts_initialised(request: pytest.FixtureRequest) -> bool:
    """Whether the test's database is to be a copy of an initialised one: a fixture it
    uses asks for `from_initialised_copy` (this file's `registry`, api_support's
    `api_app`); a module's own `registry` that initialises otherwise does not."""
    return "from_initialised_copy" in request.fixturenames


@pytest.fixture
def from_initialised_copy() -> None:
    """Asked for by a fixture whose first act is `initialise_once`: the test's database
    then starts as a copy of an initialised one (see above)."""


def is_copy(database_url: str) -> bool:
    """Whether a test's database was copied from one initialised before (see above)."""
    return database_url in _copies


def initialise_once(settings: Settings) -> None:
    """`initialise(settings)`, unless its database is a copy of an initialised one; a copy
    gets the private signing key whose public half its log records."""
    from registry.bootstrap import initialise

    if not is_copy(settings.database_url):
        initialise(settings)
    elif not settings.signing_key_path.exists():
        assert _template_key is not None
        settings.signing_key_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_template_key, settings.signing_key_path)


def _initialise_template(url: str, folder: Path) -> None:
    """Initialise a database to be copied. The templates share one instance folder, so
    their logs record one signing key (made by the first, found by the second)."""
    from registry.bootstrap import initialise

    global _template_key
    settings = make_settings(url, folder)
    initialise(settings)
    _template_key = settings.signing_key_path


@pytest.fixture(scope="session")
def template_folder(tmp_path_factory) -> Path:
    """The templates' instance folder (their signing key)."""
    return tmp_path_factory.mktemp("templates")


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The admin URL of a reachable PostgreSQL server."""
    if not _pg_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI but {PG_ADMIN_URL} does not answer")
        pytest.skip("no PostgreSQL server (set CI=true to make this a failure)")
    return PG_ADMIN_URL


@pytest.fixture(scope="session")
def postgres_databases(postgres_server: str, template_folder: Path):
    """This worker's test databases, with the template of the copies initialised."""
    databases = _databases()
    template = new_name("template")
    databases.create(template)
    _initialise_template(url_of(postgres_server, template), template_folder)
    databases.use_template(template)  # dropped with the rest when the session ends
    return databases


@pytest.fixture(scope="session")
def sqlite_template(template_folder: Path) -> Path:
    """An SQLite file this worker initialised (every connection closed), to be copied."""
    path = template_folder / "registry.db"
    _initialise_template(f"sqlite:///{path}", template_folder)
    return path


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
    """The test database as the standby serves it, once the standby has replayed all the
    primary had written when the test began (the database's creation among it).

    Tests on the standby take turns, across the suite's processes (and sessions sharing
    the machine's standby): one that pauses its replay must not stall another's reads."""
    import fcntl

    from tests.standby_support import resume_replay, wait_for_replay

    url = f"{standby_server.rsplit('/', 1)[0]}/{postgres_url.rsplit('/', 1)[1]}"
    with open(Path(tempfile.gettempdir()) / "registry-test-standby.lock", "w") as turn:
        fcntl.flock(turn, fcntl.LOCK_EX)
        resume_replay(standby_server)
        wait_for_replay(postgres_url, standby_server, timeout=STANDBY_CATCH_UP_S)
        yield url


@pytest.fixture
def postgres_url(request, postgres_server: str, postgres_databases: PostgresDatabases):
    """A new PostgreSQL database, dropped afterwards: empty, or initialised (see above)."""
    initialised = starts_initialised(request)
    name = postgres_databases.copy() if initialised else postgres_databases.empty()
    url = url_of(postgres_server, name)
    if initialised:
        _copies.add(url)
    yield url
    _copies.discard(url)
    postgres_databases.recycle(name, empty=not initialised)


@pytest.fixture
def sqlite_url(request, tmp_path: Path) -> str:
    """A new SQLite file: none yet, or initialised (see above)."""
    path = tmp_path / "registry.db"
    url = f"sqlite:///{path}"
    if starts_initialised(request):
        template: Path = request.getfixturevalue("sqlite_template")
        for suffix in ("", "-wal", "-shm"):  # closed, it has no -wal; copied if it had
            if Path(f"{template}{suffix}").exists():
                shutil.copyfile(f"{template}{suffix}", f"{path}{suffix}")
        _copies.add(url)
    return url


ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
# (key, engine) -> a seeded database's URL and its instance folder (`seeded_database`)
_seeded: dict[tuple[tuple[str, ...], str], tuple[str, Path]] = {}


def seeded_database(key: tuple[str, ...], engine: str, record, folder: Path) -> tuple[str, Path]:
    """The URL and instance folder of a database that `record(settings)` wrote once per
    worker for `key` and `engine` ("sqlite" or "postgresql"); `folder` is where to make
    it the first time. `record` starts from an empty database (it initialises it, at a
    moment of its choosing) and closes every connection it opened."""
    if (key, engine) not in _seeded:
        folder.mkdir(parents=True, exist_ok=True)
        if engine == "sqlite":
            url = f"sqlite:///{folder / 'registry.db'}"
        else:
            name = new_name("seeded")
            _databases().create(name)
            url = url_of(PG_ADMIN_URL, name)
        _seeded[key, engine] = (url, folder)  # dropped with the worker's other databases
        record(make_settings(url, folder))
    return _seeded[key, engine]


def copy_of(seeded: tuple[str, Path], tmp_path: Path, file: str = "registry.db") -> str:
    """The URL of a new copy of a seeded database (`seeded_database`), its instance folder
    (the signing key) copied to `tmp_path`'s, which `make_settings(url, tmp_path)` uses.
    A PostgreSQL copy is dropped with the worker's other databases, or by `drop`."""
    url, folder = seeded
    if (folder / "instance").exists():
        shutil.copytree(folder / "instance", tmp_path / "instance", dirs_exist_ok=True)
    if url.startswith("sqlite"):
        copy = tmp_path / file
        for suffix in ("", "-wal", "-shm"):  # closed, it has no -wal; copied if it had
            if Path(f"{folder / 'registry.db'}{suffix}").exists():
                shutil.copyfile(f"{folder / 'registry.db'}{suffix}", f"{copy}{suffix}")
        return f"sqlite:///{copy}"
    name = new_name()
    _databases().create(name, template=url.rsplit("/", 1)[1])
    return url_of(url, name)


def seeded_copy(request: pytest.FixtureRequest, tmp_path: Path, record) -> str:
    """The URL of a copy of a database that `record(settings)` wrote once per worker and
    engine (`request.param`: "sqlite" or "postgresql"; see `seeded_database`), for a
    module whose tests all start from one recorded history and may each change it. A
    module overrides `database_url`:

        @pytest.fixture(params=ENGINES)
        def database_url(request, tmp_path):
            return seeded_copy(request, tmp_path, record_history)

    On PostgreSQL the copy is `CREATE DATABASE … TEMPLATE` as for the initialised copies
    (tests/databases.py), an SQLite file is copied; the same history recorded again for
    each test took 1-2 s of its setup.
    """
    engine = request.param
    if engine != "sqlite":
        request.getfixturevalue("postgres_databases")  # skips (or fails in CI) without a server
    key = (record.__module__, record.__qualname__)
    if (key, engine) in _seeded:
        folder = _seeded[key, engine][1]
    else:
        folder = request.getfixturevalue("tmp_path_factory").mktemp("seeded")
    url = copy_of(seeded_database(key, engine, record, folder), tmp_path)
    if engine != "sqlite":
        request.addfinalizer(lambda: drop_postgres_database(url.rsplit("/", 1)[1]))
    return url


@pytest.fixture(params=ENGINES)
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
            # A read for its own write's position waits for the views: with the whole suite
            # on two cores, a view's batch waits for a core too (a 5 s bound answered 503
            # under four workers). Tests of the wait's end set their own, shorter.
            "read_wait_timeout_s": 20.0,
            **CHEAP_PASSWORDS,
            **overrides,
        }
    )


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


@pytest.fixture
def registry(settings: Settings, from_initialised_copy: None):
    """A fresh, initialised registry."""
    from registry.application import Registry

    initialise_once(settings)
    app = Registry(settings)
    yield app
    app.close()


@pytest.fixture
def memory_registry():
    """A registry on the in-memory engine (the library's POPO store), made ready as
    `initialise` makes a database: the claims table, the first policy, the reference lists. For the
    commands' rules only: views and queries need a real database."""
    from registry.application import Registry
    from registry.storage.schema import create_claims_table

    app = Registry(make_settings("memory:", Path("/nonexistent/instance")))
    create_claims_table(app.db)
    app.start_policy()
    app.seed_reference()
    yield app
    app.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files first, so that the workers end together (tests/scheduling.py)."""
    longest_first(items)
