"""The API and the server with their reads on a hot standby: a client reads its own write
there, a standby far behind makes such a read wait then answer 503, /readyz and /metrics
report its lag, and a server or command given a read database that is no standby of the
primary does not start."""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from registry.settings import DatabaseURL
from tests.conftest import make_settings
from tests.e2e.api_support import *
from tests.e2e.api_support import TEACHER, build_app
from tests.e2e.test_serve import BIN, call, clean_env, free_port, wait_until_up
from tests.standby_support import LAG_BOUND_S, read_until_answered, replay_paused, wait_for_replay


@pytest.fixture
def settings(postgres_url, standby_url, tmp_path):
    return dataclasses.replace(
        make_settings(postgres_url, tmp_path),
        read_database_url=standby_url,
        max_standby_lag_s=LAG_BOUND_S,
        read_wait_timeout_s=5.0,  # how long a read for a position the standby lacks waits
    )


@pytest.fixture
def api_app(settings):
    app = build_app(settings)
    wait_for_replay(settings.database_url, settings.read_database_url)
    yield app
    app.extensions["registry"].close()


def standby_holds_all(app) -> None:
    """Until the standby's views hold everything recorded so far (the callers' providers
    and accounts), so that a pause of its replay leaves only what follows behind."""
    services = app.extensions["registry"]
    services.queries.wait_for(services.registry.max_position(), timeout=60)


def test_a_client_reads_its_own_write_from_the_standby(callers, api_app, standby_url):
    read_db = api_app.extensions["registry"].registry.read_db
    assert read_db.url.port == DatabaseURL.parse(standby_url).port
    admin = callers["admin"]
    written = admin.post("/teachers", json=TEACHER)
    assert written.status_code == 201
    position = int(written.headers["X-Registry-Position"])
    read = read_until_answered(
        lambda: admin.get(f"/teachers/{TEACHER['pin']}?min_position={position}")
    )
    assert read.status_code == 200, read.get_json()
    assert read.get_json()["full_name"] == TEACHER["full_name"]
    assert int(read.headers["X-Registry-Position"]) >= position
    assert int(read.headers["X-Registry-Lag"]) >= 0


def test_a_read_for_a_position_the_standby_lacks_waits_then_answers_503(
    callers, api_app, settings, standby_server
):
    admin = callers["admin"]
    standby_holds_all(api_app)
    with replay_paused(standby_server):
        written = admin.post("/teachers", json=TEACHER)
        assert written.status_code == 201
        position = int(written.headers["X-Registry-Position"])
        started = time.monotonic()
        read = admin.get(f"/teachers/{TEACHER['pin']}?min_position={position}")
        assert read.status_code == 503 and read.headers["Retry-After"]
        assert read.get_json()["error"]["code"] == "projections_behind"
        assert time.monotonic() - started < settings.read_wait_timeout_s + 5
        # Without min_position the standby's answer comes at once, and says it is behind.
        other = admin.get("/providers/KAE")
        assert other.status_code == 200 and int(other.headers["X-Registry-Lag"]) >= 1
    deadline = time.monotonic() + 60
    while (
        read := admin.get(f"/teachers/{TEACHER['pin']}?min_position={position}")
    ).status_code != 200:
        assert read.status_code == 503 and time.monotonic() < deadline
    assert read.get_json()["pin"] == TEACHER["pin"]


def test_readyz_and_metrics_report_the_standbys_lag(callers, api_app, standby_server):
    client = api_app.test_client()
    assert callers["admin"].post("/teachers", json=TEACHER).status_code == 201
    standby_holds_all(api_app)
    deadline = time.monotonic() + 60
    while (ready := client.get("/readyz")).status_code != 200:
        assert time.monotonic() < deadline, ready.get_json()
        time.sleep(0.05)
    standby = ready.get_json()["checks"]["standby"]
    assert standby["ok"] and standby["lag_events"] == 0 and standby["lag_seconds"] is not None
    samples = {
        sample.name: sample.value
        for family in text_string_to_metric_families(client.get("/metrics").get_data(True))
        for sample in family.samples
    }
    assert samples["registry_standby_lag_events"] == 0
    assert samples["registry_standby_lag_seconds"] >= 0
    with replay_paused(standby_server):
        assert (
            callers["admin"]
            .post("/teachers", json={**TEACHER, "pin": "10203199000011"})
            .status_code
            == 201
        )
        time.sleep(LAG_BOUND_S + 0.5)
        answer = client.get("/readyz")
        body = answer.get_json()
        assert answer.status_code == 503 and answer.headers["Retry-After"]
        assert body["checks"]["standby"]["lag_events"] >= 1
        assert any("standby's replay" in why for why in body["reasons"]), body["reasons"]
        samples = {
            sample.name: sample.value
            for family in text_string_to_metric_families(client.get("/metrics").get_data(True))
            for sample in family.samples
        }
        assert samples["registry_standby_lag_seconds"] > LAG_BOUND_S
        assert samples["registry_standby_lag_events"] >= 1


# -- processes given a read database that is no standby of the primary -------------------


def registry(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "registry"), *args],
        cwd=tmp_path,
        env=clean_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_command_reads_from_the_standby_it_is_given(tmp_path, postgres_url, standby_url):
    assert registry(tmp_path, "--database", postgres_url, "init").returncode == 0
    wait_for_replay(postgres_url, standby_url)
    result = registry(
        tmp_path,
        "--database",
        postgres_url,
        "--read-database",
        standby_url,
        "projections",
        "status",
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("command", [("projections", "status"), ("serve", "--port", "0")])
def test_a_primary_given_as_read_database_stops_the_command_with_the_reason(
    tmp_path, postgres_url, standby_server, command
):
    if command[0] == "serve":
        command = ("serve", "--port", str(free_port()))
    started = time.monotonic()
    result = registry(
        tmp_path, "--database", postgres_url, "--read-database", postgres_url, *command
    )
    assert result.returncode == 1
    assert "is not a hot standby" in result.stderr, result.stderr
    assert "[read_database_not_a_standby]" in result.stderr
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 20


def test_an_unreachable_read_database_stops_the_command_with_the_reason(tmp_path, postgres_url):
    result = registry(
        tmp_path,
        "projections",
        "status",
        REGISTRY_DATABASE_URL=postgres_url,
        REGISTRY_READ_DATABASE_URL="postgresql://postgres@127.0.0.1:1/registry",
    )
    assert result.returncode == 1 and "[database_unavailable]" in result.stderr
    assert "read database postgresql://postgres@127.0.0.1:1/registry" in result.stderr


def test_an_sqlite_registry_refuses_a_read_database(tmp_path, standby_url):
    result = registry(tmp_path, "--read-database", standby_url, "projections", "status")
    assert result.returncode == 2 and "hot standby of a PostgreSQL primary" in result.stderr


def test_registry_serve_reads_its_own_writes_from_the_standby(tmp_path, postgres_url, standby_url):
    port = free_port()
    env = clean_env(
        tmp_path, REGISTRY_DATABASE_URL=postgres_url, REGISTRY_READ_DATABASE_URL=standby_url
    )
    assert registry(tmp_path, "--database", postgres_url, "init").returncode == 0
    wait_for_replay(postgres_url, standby_url)
    server = subprocess.Popen(
        [str(BIN / "registry"), "serve", "--port", str(port), "--workers", "2"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/api/v1/openapi.json", server)
        created = registry(
            tmp_path,
            "users",
            "create",
            "ops",
            "--role",
            "admin",
            **{"REGISTRY_DATABASE_URL": postgres_url},
        )
        token = created.stdout.strip().splitlines()[-1]
        status, body, headers = call(f"{base}/api/v1/teachers", token=token, body=TEACHER)
        assert status == 201, body
        for _ in range(3):  # whichever worker answers has read the write on the standby
            status, body, _ = read_until_answered(
                lambda: call(
                    f"{base}/api/v1/teachers/{TEACHER['pin']}"
                    f"?min_position={headers['X-Registry-Position']}",
                    token=token,
                )
            )
            assert status == 200 and body["pin"] == TEACHER["pin"], body
        status, ready, _ = call(f"{base}/readyz")
        assert "standby" in ready["checks"], ready
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)


def test_the_follower_keeps_the_primarys_views_current_whatever_the_read_database(
    tmp_path, postgres_url
):
    from registry.application import Registry
    from registry.queries import Queries
    from tests.builders import ADMIN, teacher

    assert registry(tmp_path, "--database", postgres_url, "init").returncode == 0
    env = clean_env(
        tmp_path,
        REGISTRY_DATABASE_URL=postgres_url,
        REGISTRY_READ_DATABASE_URL="postgresql://postgres@127.0.0.1:1/registry",
        REGISTRY_SECRET_KEY="s",
    )
    follower = subprocess.Popen(
        [str(BIN / "registry"), "projections", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    app = Registry(make_settings(postgres_url, tmp_path))
    try:
        position = app.register_teacher(ADMIN, teacher()).position
        Queries(app).wait_for(position, timeout=30)  # applied by the follower process
        assert follower.poll() is None
    finally:
        app.close()
        follower.send_signal(signal.SIGTERM)
        follower.wait(timeout=20)


def test_a_worker_given_a_primary_as_read_database_exits_so_the_server_stops(
    settings, postgres_url, caplog
):
    from types import SimpleNamespace

    from web.services import WORKER_BOOT_ERROR, open_in_worker

    app = build_app(dataclasses.replace(settings, read_database_url=postgres_url))
    try:
        with pytest.raises(SystemExit) as exited:
            open_in_worker(SimpleNamespace(wsgi=app, cfg=SimpleNamespace(threads=4)))
        assert exited.value.code == WORKER_BOOT_ERROR
        assert "is not a hot standby" in caplog.text
    finally:
        app.extensions["registry"].close()


def test_gunicorn_as_infra_runs_it_does_not_start_on_a_primary_given_as_read_database(
    tmp_path, postgres_url
):
    from tests.e2e.test_serve import ROOT

    env = clean_env(
        tmp_path,
        REGISTRY_DATABASE_URL=postgres_url,
        REGISTRY_READ_DATABASE_URL=postgres_url,
        REGISTRY_SECRET_KEY="s",
        REGISTRY_BIND=f"127.0.0.1:{free_port()}",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    result = subprocess.run(
        [str(BIN / "gunicorn"), "-c", str(ROOT / "infra" / "gunicorn.conf.py"), "web.wsgi:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "is not a hot standby" in result.stderr and "Booting worker" not in result.stderr
