"""No silent staleness: a served registry catches its views up as it starts, before any
request, and `registry projections status` tells caught up from behind and from stuck."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from registry.application import Registry
from registry.bootstrap import open_worker
from registry.cli import cli
from registry.commands.base import Actor
from registry.projections.checks import last_check
from registry.projections.follower import Follower
from registry.queries.progress import views_standing
from registry.settings import Settings
from tests.builders import certified_teacher
from tests.conftest import SECRET

BIN = Path(sys.executable).parent
QUERY_VIEWS = ("directory", "compliance", "certificates", "workload", "statistics")


def _env(settings: Settings) -> dict[str, str]:
    return {
        "REGISTRY_DATABASE_URL": settings.database_url,
        "REGISTRY_SECRET_KEY": SECRET.decode(),
        "REGISTRY_INSTANCE_PATH": str(settings.instance_path),
    }


def _registry(*args: str, settings: Settings) -> str:
    """Run the `registry` command as an operator would; its standard output."""
    done = subprocess.run(
        [str(BIN / "registry"), *args],
        env={**os.environ, **_env(settings)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def status_lines(settings: Settings) -> dict[str, list[str]]:
    """`registry projections status`, each view's line split into its columns."""
    result = CliRunner().invoke(cli, ["projections", "status"], env=_env(settings))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    rows = {
        line.split()[0]: line.split()
        for line in lines[1:]
        if line.split() and line.split()[0] in (*QUERY_VIEWS, "ledger")
    }
    rows["checked"] = [line for line in lines if line.startswith("checked:")]
    return rows


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(settings: Settings, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "registry"), "serve", "--port", str(port)],
        env={**os.environ, **_env(settings)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_caught_up(registry: Registry, server: subprocess.Popen, seconds: float = 60) -> None:
    """Watch the database (never the server) until every view is caught up and a
    follower has said it looked."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stdout.read() if server.stdout else ""
        standing = views_standing(registry)
        if (
            all(row["caught_up"] and row["lag"] == 0 for row in standing)
            and last_check(registry) is not None
        ):
            return
        time.sleep(0.2)
    raise AssertionError(f"views not caught up within {seconds} s: {views_standing(registry)}")


def stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)


def test_events_written_while_the_server_was_down_are_applied_at_start_without_any_request(
    settings,
):
    _registry("init", settings=settings)
    _registry("generate", "--teachers", "30", "--years", "2", settings=settings)
    token = (
        _registry("users", "create", "ops", "--role", "admin", settings=settings)
        .strip()
        .splitlines()[-1]
    )
    before = status_lines(settings)
    assert all(before[name][6] == "behind" and int(before[name][4]) > 0 for name in QUERY_VIEWS)
    assert "no follower has looked" in before["checked"][0]

    registry = Registry(settings)
    port = free_port()
    server = serve(settings, port)
    try:
        wait_caught_up(registry, server)  # no request has been made
        after = status_lines(settings)
        head = registry.max_position()
        for name in (*QUERY_VIEWS, "ledger"):
            position, log_head, lag, pending = after[name][1:5]
            assert (position, log_head, lag, pending) == (f"{head:,}", f"{head:,}", "0", "0")
            assert after[name][6:8] == ["caught", "up"]
        assert "a follower last looked at the log" in after["checked"][0]

        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/statistics/compliance?group_by=region",
            headers={"Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = json.loads(response.read())
            assert response.status == 200 and response.headers["X-Registry-Lag"] == "0"
        assert sum(group["total"] for group in body["groups"]) >= 29  # all in service
    finally:
        stop(server)
        registry.close()


def test_a_fresh_database_with_only_accounts_is_caught_up_once_served(settings):
    _registry("init", settings=settings)
    for name in ("ops", "auditor"):
        _registry(
            "users", "create", name, "--role", "admin" if name == "ops" else name, settings=settings
        )
    registry = Registry(settings)
    server = serve(settings, free_port())
    try:
        wait_caught_up(registry, server)  # no request has been made
        lines = status_lines(settings)
        head = registry.max_position()
        assert head >= 3  # the first policy and two accounts
        for name in (*QUERY_VIEWS, "ledger"):
            assert lines[name][1:4] == [f"{head:,}", f"{head:,}", "0"]
            assert lines[name][6:8] == ["caught", "up"]
    finally:
        stop(server)
        registry.close()


def test_a_view_behind_only_by_events_it_does_not_handle_is_caught_up(registry, settings):
    certified_teacher(registry)
    open_worker(registry).catch_up()
    registry.create_account(Actor.system(), name="late", role="auditor")  # while none follows

    lines = status_lines(settings)
    for name in QUERY_VIEWS:  # no view of these handles accounts: nothing they show is missing
        assert lines[name][3:5] == ["1", "0"] and lines[name][6:8] == ["caught", "up"], lines
    assert lines["ledger"][3:5] == ["1", "1"] and lines["ledger"][6] == "behind"  # it chains all
    assert "no follower has looked" in lines["checked"][0]

    follower = Follower(registry, open_worker(registry)).start()
    try:
        deadline = time.monotonic() + 20
        while last_check(registry) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        lines = status_lines(settings)
    finally:
        follower.stop()
    for name in (*QUERY_VIEWS, "ledger"):
        assert lines[name][3:5] == ["0", "0"] and lines[name][6:8] == ["caught", "up"]
    assert "a follower last looked at the log" in lines["checked"][0]


def test_a_view_behind_by_events_it_handles_says_how_many(registry, settings):
    certified_teacher(registry)
    standing = {row["name"]: row for row in views_standing(registry)}
    assert standing["compliance"]["pending"] == 1  # one teacher registered
    assert standing["certificates"]["pending"] == 1  # one certificate issued
    assert standing["ledger"]["pending"] == registry.max_position()
    assert not any(row["caught_up"] for row in standing.values())
