"""Keeping views current: read-your-writes, followers, lost connections, leaders, the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date

import psycopg
import pytest
from click.testing import CliRunner

from registry.application import Registry
from registry.bootstrap import open_worker
from registry.cli import cli
from registry.domain.errors import InvalidInputError
from registry.projections.follower import Follower
from registry.queries import Queries
from tests.builders import ADMIN, OTHER_PIN, PIN, certified_teacher, teacher
from tests.conftest import SECRET


def test_a_read_waits_until_the_views_hold_its_own_write(registry):
    follower = Follower(registry, open_worker(registry)).start()
    try:
        queries = Queries(registry)
        position = registry.register_teacher(ADMIN, teacher()).position
        started = time.monotonic()
        queries.wait_for(position, timeout=5)
        assert time.monotonic() - started < 1.0
        assert queries.teacher(PIN)["full_name"] == "Айгүл Асанова"
    finally:
        follower.stop()


def test_a_wait_no_view_reaches_in_time_says_so(registry):
    position = registry.register_teacher(ADMIN, teacher()).position
    with pytest.raises(TimeoutError):
        Queries(registry).wait_for(position, timeout=0.05)


def test_a_wait_for_a_position_not_yet_recorded_times_out_and_a_negative_one_is_refused(registry):
    head = registry.max_position()
    started = time.monotonic()
    with pytest.raises(TimeoutError):  # it may yet be written: waited for, within the bound
        Queries(registry).wait_for(head + 100, timeout=0.3)
    assert 0.3 <= time.monotonic() - started < 2
    with pytest.raises(InvalidInputError):
        Queries(registry).wait_for(-1, timeout=1)


def _run_cli(*args: str, url: str) -> subprocess.Popen:
    env = {**os.environ, "REGISTRY_DATABASE_URL": url, "REGISTRY_SECRET_KEY": SECRET.decode()}
    return subprocess.Popen(
        [sys.executable, "-m", "registry.cli", "projections", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_separate_projections_process_serves_reads_in_another_process(registry, settings):
    runner = _run_cli("run", "--poll", "0.05", url=settings.database_url)
    try:
        queries = Queries(registry)
        queries.wait_for(registry.max_position(), timeout=20)  # it has started and caught up
        position = registry.register_teacher(ADMIN, teacher()).position
        started = time.monotonic()
        queries.wait_for(position, timeout=5)
        assert time.monotonic() - started < 1.0
        assert queries.teacher(PIN)["pin"] == PIN
    finally:
        runner.send_signal(signal.SIGTERM)
        output = runner.communicate(timeout=20)[0]
    assert runner.returncode == 0, output
    assert "stopped" in output


def test_status_and_rebuild_report_positions_lag_and_rate(registry, settings):
    certified_teacher(registry)
    env = {"REGISTRY_DATABASE_URL": settings.database_url, "REGISTRY_SECRET_KEY": SECRET.decode()}
    status = CliRunner().invoke(cli, ["projections", "status"], env=env)
    assert status.exit_code == 0, status.output
    head = registry.max_position()
    assert "compliance" in status.output and f"{head:>10,}" in status.output  # all lagging

    rebuilt = CliRunner().invoke(cli, ["projections", "rebuild", "compliance"], env=env)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "events/s" in rebuilt.output
    lines = CliRunner().invoke(cli, ["projections", "status", "compliance"], env=env).output
    assert lines.splitlines()[1].split()[:4] == ["compliance", f"{head:,}", f"{head:,}", "0"]

    unknown = CliRunner().invoke(cli, ["projections", "rebuild", "nonsense"], env=env)
    assert unknown.exit_code != 0 and "nonsense" in unknown.output


def test_a_rebuild_of_every_view_spreads_them_over_two_processes_by_default(
    registry, settings, monkeypatch
):
    import registry.cli.views as commands

    certified_teacher(registry)
    env = {"REGISTRY_DATABASE_URL": settings.database_url, "REGISTRY_SECRET_KEY": SECRET.decode()}
    spread = commands.rebuild_in_processes
    used: list[int] = []
    monkeypatch.setattr(
        commands,
        "rebuild_in_processes",
        lambda app, worker, processes, *args, **kwargs: (
            used.append(processes) or spread(app, worker, processes, *args, **kwargs)
        ),
    )
    rebuilt = CliRunner().invoke(cli, ["projections", "rebuild"], env=env)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert used == [2]
    head = registry.max_position()
    assert set(open_worker(registry).positions().values()) == {head}


# -- PostgreSQL: LISTEN/NOTIFY, lost connections, one leader -----------------------------


def _kill_connections(database_url: str) -> int:
    """Terminate every server connection to the test database (a lost network)."""
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        return len(
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            ).fetchall()
        )


@pytest.mark.postgres
def test_a_follower_reconnects_after_losing_its_connection_and_catches_up(postgres_url, tmp_path):
    from registry.bootstrap import initialise
    from tests.conftest import make_settings

    settings = make_settings(postgres_url, tmp_path)
    initialise(settings)
    writer, reader = Registry(settings), Registry(settings)
    follower = Follower(reader, open_worker(reader), lead=True).start()
    try:
        queries = Queries(writer)
        queries.wait_for(writer.register_teacher(ADMIN, teacher()).position, timeout=10)
        assert _kill_connections(postgres_url) > 0
        position = None
        for _ in range(50):  # the writer's own pool notices the loss on its first try
            try:
                position = writer.register_teacher(ADMIN, teacher(pin=OTHER_PIN)).position
                break
            except Exception:
                time.sleep(0.1)
        assert position is not None
        queries.wait_for(position, timeout=15)
        assert queries.teacher(OTHER_PIN)["pin"] == OTHER_PIN
    finally:
        follower.stop()
        writer.close()
        reader.close()


@pytest.mark.postgres
def test_of_two_leading_followers_one_leads_and_the_other_takes_over(postgres_url, tmp_path):
    from registry.bootstrap import initialise
    from tests.conftest import make_settings

    settings = make_settings(postgres_url, tmp_path)
    initialise(settings)
    apps = [Registry(settings) for _ in range(3)]
    first = Follower(apps[0], open_worker(apps[0]), lead=True).start()
    second = Follower(apps[1], open_worker(apps[1]), lead=True).start()
    try:
        deadline = time.monotonic() + 10
        while not (first.is_leader or second.is_leader) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [first.is_leader, second.is_leader].count(True) == 1
        leader, standby = (first, second) if first.is_leader else (second, first)
        queries = Queries(apps[2])
        queries.wait_for(apps[2].register_teacher(ADMIN, teacher()).position, timeout=10)

        leader.stop()
        position = apps[2].register_teacher(ADMIN, teacher(pin=OTHER_PIN)).position
        queries.wait_for(position, timeout=15)
        assert standby.is_leader
        assert queries.teacher(OTHER_PIN)["region"] == "KG-C"
    finally:
        first.stop()
        second.stop()
        for app in apps:
            app.close()


def test_views_hold_a_day_of_work_after_a_follower_restart(registry):
    """A follower stopped and started again resumes from each view's own position."""
    follower = Follower(registry, open_worker(registry)).start()
    queries = Queries(registry)
    queries.wait_for(registry.register_teacher(ADMIN, teacher()).position, timeout=5)
    follower.stop()
    registry.register_teacher(ADMIN, teacher(pin=OTHER_PIN))
    position = registry.transfer_teacher(
        ADMIN,
        OTHER_PIN,
        region="KG-GB",
        district="Leninsky",
        school="Lyceum 61",
        effective_on=date(2024, 9, 1),
    ).position
    follower = Follower(registry, open_worker(registry)).start()
    try:
        queries.wait_for(position, timeout=5)
        assert queries.teacher(OTHER_PIN)["school"] == "Lyceum 61"
        assert queries.search_teachers()["total"] == 2
    finally:
        follower.stop()


def test_catching_up_again_and_again_holds_no_more_connections(registry):
    """Each catch-up with a backlog reads ahead on a thread; its connection must not stay."""
    import os.path

    worker = open_worker(registry)
    fds = "/proc/self/fd"
    if not os.path.isdir(fds):
        pytest.skip("needs /proc to count open files")
    database = registry.settings.database
    # What a connection holds open: the database's file (and its -wal, -shm) on SQLite, a
    # socket on PostgreSQL. Other files of this process (another test's leftovers on this
    # worker) are not this registry's connections.
    mine = (
        (lambda target: target.startswith(database.path))
        if database.embedded
        else (lambda target: target.startswith("socket:"))
    )

    def held() -> int:
        count = 0
        for fd in os.listdir(fds):
            try:
                count += mine(os.readlink(f"{fds}/{fd}"))
            except OSError:  # closed meanwhile
                pass
        return count

    worker.catch_up(batch_size=1)
    before = held()
    for n in range(40):
        registry.register_teacher(ADMIN, teacher(pin=f"2150519850{n:04d}"))
        worker.catch_up(batch_size=1)
    assert held() <= before + 2
