"""Reads from a PostgreSQL hot standby: writes on the primary, reads (and the waits for
min_position) on the standby, its lag reported; a read database that is no standby of
the primary is refused at once, with the reason.

The standby is the one `.ci/standby` starts on port 5433; pausing its replay
(pg_wal_replay_pause) stands for a standby far behind.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.application import Registry
from registry.bootstrap import check_read_database, initialise, open_worker
from registry.queries import Queries
from registry.queries.readiness import readiness
from registry.settings import DatabaseURL
from registry.storage import DatabaseUnavailableError, NotAStandbyError, open_database
from registry.storage.standby import open_standby
from tests.builders import ADMIN, OTHER_PIN, PIN, teacher
from tests.conftest import make_settings
from tests.standby_support import LAG_BOUND_S, replay_paused, wait_for_replay


@pytest.fixture
def settings(postgres_url, standby_url, tmp_path):
    return dataclasses.replace(make_settings(postgres_url, tmp_path), read_database_url=standby_url)


@pytest.fixture
def app(settings) -> Iterator[Registry]:
    initialise(settings)
    wait_for_replay(settings.database_url, settings.read_database_url)
    app = Registry(settings)
    yield app
    app.close()


def write_teacher(app: Registry, pin: str) -> int:
    """Register a teacher and apply it to the primary's views; the write's position."""
    position = app.register_teacher(ADMIN, teacher(pin=pin)).position
    assert position is not None
    open_worker(app).catch_up()
    return position


def test_the_reads_go_to_the_standby_and_the_writes_to_the_primary(app, standby_url):
    assert app.read_db is not app.db
    assert app.read_db.url.port == DatabaseURL.parse(standby_url).port
    position = write_teacher(app, PIN)
    queries = Queries(app)
    queries.wait_for(position, timeout=60)
    assert queries.teacher(PIN)["full_name"] == teacher()["full_name"]
    assert queries.compliance(PIN)["pin"] == PIN
    seen, head = queries.standing()
    assert seen >= position and head >= seen


def test_a_read_waits_for_its_position_on_the_standby_not_on_the_primary(app, standby_server):
    queries = Queries(app)
    with replay_paused(standby_server):
        position = write_teacher(app, OTHER_PIN)  # the primary's views have it at once
        with pytest.raises(TimeoutError):
            queries.wait_for(position, timeout=0.3)
        with pytest.raises(Exception, match="No teacher"):
            queries.teacher(OTHER_PIN)  # the standby does not have it yet
        seen, head = queries.standing()
        assert head >= position > seen  # the lag the API reports counts the standby's
    queries.wait_for(position, timeout=60)
    assert queries.teacher(OTHER_PIN)["pin"] == OTHER_PIN
    assert queries.standing()[0] >= position


def test_readiness_reports_the_standbys_lag_and_refuses_beyond_its_bound(
    app, settings, standby_server
):
    write_teacher(app, PIN)
    app = Registry(dataclasses.replace(settings, max_standby_lag_s=LAG_BOUND_S))
    try:
        Queries(app).wait_for(app.max_position(), timeout=60)
        with replay_paused(standby_server):
            write_teacher(app, OTHER_PIN)
            time.sleep(LAG_BOUND_S + 0.5)
            result = readiness(app)
            check = result.checks["standby"]
            assert not result.ready and not check["ok"]
            assert check["lag_events"] >= 1 and check["lag_seconds"] > LAG_BOUND_S
            assert any("standby's replay" in why for why in result.reasons)
        deadline = time.monotonic() + 60
        while not (result := readiness(app)).ready:  # the standby catches up
            assert time.monotonic() < deadline, result.reasons
            time.sleep(0.05)
        assert result.checks["standby"]["lag_events"] == 0
    finally:
        app.close()


# -- a read database that is no standby of the primary ----------------------------------


def test_the_primary_itself_is_refused_as_a_read_database(settings, postgres_url):
    wrong = dataclasses.replace(settings, read_database_url=postgres_url)
    with pytest.raises(NotAStandbyError, match="not in recovery"):
        Registry(wrong)
    with pytest.raises(NotAStandbyError, match="not a hot standby"):
        check_read_database(wrong)


def test_another_database_of_the_standby_is_refused(settings, standby_server):
    wrong = dataclasses.replace(settings, read_database_url=standby_server)  # "postgres"
    with pytest.raises(NotAStandbyError, match="reads database 'postgres'"):
        Registry(wrong)


def test_an_unreachable_read_database_is_named_at_once(settings):
    wrong = dataclasses.replace(settings, read_database_url="postgresql://postgres@127.0.0.1:1/x")
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailableError, match=r"read database .*:1/x cannot be reached"):
        Registry(wrong)
    assert time.monotonic() - started < 10


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def foreign_standby(standby_server) -> Iterator[str]:
    """A server in recovery that follows no cluster of ours: a fresh cluster of its own
    (initdb, about 3 s), started with standby.signal and nothing to follow."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail("initdb is required in CI (PostgreSQL's server binaries)")
        pytest.skip("no initdb here")
    bin_dir = Path(found[-1]).parent
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    data = Path(tempfile.mkdtemp(prefix="registry-foreign-"))
    if as_postgres:
        shutil.chown(data, "postgres")
    run = lambda *args: subprocess.run([*as_postgres, *args], check=True, capture_output=True)  # noqa: E731  (a local shorthand)
    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync")
    port = _free_port()
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{data}'\n"
        )
    (data / "standby.signal").touch()
    if as_postgres:
        shutil.chown(data / "standby.signal", "postgres")
    pg_ctl = str(bin_dir / "pg_ctl")
    run(pg_ctl, "-D", str(data), "-l", str(data / "log"), "-w", "start")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        run(pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(data, ignore_errors=True)


def test_a_standby_of_another_cluster_is_refused_by_its_system_identifier(
    postgres_server, foreign_standby
):
    primary = open_database(DatabaseURL.parse(postgres_server), pool_size=1)
    try:
        with pytest.raises(NotAStandbyError, match="standby of another cluster") as refused:
            open_standby(DatabaseURL.parse(foreign_standby), primary)
        ours = primary.query_one("SELECT system_identifier FROM pg_control_system()")
        assert ours is not None and str(ours[0]) in refused.value.message
    finally:
        primary.close()


def test_the_standby_of_the_primary_is_accepted_by_the_same_checks(postgres_server, standby_server):
    primary = open_database(DatabaseURL.parse(postgres_server), pool_size=1)
    try:
        open_standby(DatabaseURL.parse(standby_server), primary).close()
    finally:
        primary.close()
