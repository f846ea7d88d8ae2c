"""`registry serve` and infra/start.sh really serve: a real server process over HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TEACHER = {
    "pin": "21505198512345",
    "full_name": "Айгүл Асанова",
    "region": "KG-C",
    "district": "Sokuluk",
    "school": "School No. 3",
    "subject": "Mathematics",
    "position": "teacher",
    "service_start": "2010-09-01",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("REGISTRY_", "POSTGRES_", "SQLITE_", "PERSISTENCE_"))
    }
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        REGISTRY_INSTANCE_PATH=str(tmp_path / "instance"),
        **extra,
    )
    return env


def call(url: str, *, token: str | None = None, body: dict | None = None):
    request = urllib.request.Request(
        url, data=json.dumps(body).encode() if body else None, method="POST" if body else "GET"
    )
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


def served_count(url: str, endpoint: str) -> float:
    """How many 2xx GETs of a route /metrics counts (every worker's, added up)."""
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    wanted = {"endpoint": endpoint, "method": "GET", "status": "2xx"}
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "registry_http_request_duration_seconds_count" and sample.labels == wanted
    )


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)  # not listening yet, or a worker still booting under load
    raise AssertionError(f"{url} did not answer within {seconds}s")


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_registry_serve_answers_the_api_and_keeps_the_views_current(tmp_path, backend, request):
    port = free_port()
    env = clean_env(tmp_path)
    if backend == "postgresql":  # several workers: their followers elect one leader
        env["REGISTRY_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    server = subprocess.Popen(
        [str(BIN / "registry"), "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        wait_until_up(f"{base}/openapi.json", server)
        created = subprocess.run(
            [str(BIN / "registry"), "users", "create", "ops", "--role", "admin"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        token = created.stdout.strip().splitlines()[-1]
        status, body, headers = call(f"{base}/teachers", token=token, body=TEACHER)
        assert status == 201, body
        assert int(headers["X-Registry-Position"]) > 0
        for _ in range(3):  # whichever worker answers has read its own write
            status, body, _ = call(
                f"{base}/teachers/{TEACHER['pin']}?min_position={headers['X-Registry-Position']}",
                token=token,
            )
            assert status == 200 and body["compliance"]["status"] == "overdue", body
        status, me, _ = call(f"{base}/me", token=token)
        assert (status, me["role"]) == (200, "admin")
        status, body, _ = call(f"{base}/me")
        assert status == 401 and body["error"]["code"] == "not_authenticated"
        # Without REGISTRY_PUBLIC_BASE_URL the registry names itself where it is served:
        # the credentials' issuer (did:web) and the QR codes lead to this port.
        status, did, _ = call(f"http://127.0.0.1:{port}/.well-known/did.json")
        assert (status, did["id"]) == (200, f"did:web:localhost%3A{port}")
        if backend == "sqlite":
            assert (tmp_path / "instance" / "registry.db").exists()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)


@pytest.mark.postgres
def test_the_start_script_serves_web_and_follower_as_a_least_privileged_role(
    postgres_server, tmp_path
):
    suffix = uuid.uuid4().hex[:8]
    db, owner, app = f"registry_start_{suffix}", f"reg_owner_{suffix}", f"reg_app_{suffix}"
    admin_url = postgres_server
    base = admin_url.rsplit("/", 1)[0].replace("postgres@", "{role}:pw@")
    owner_url, app_url = base.format(role=owner) + f"/{db}", base.format(role=app) + f"/{db}"
    subprocess.run(
        [
            "psql",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-v",
            f"db={db}",
            "-v",
            f"owner={owner}",
            "-v",
            f"app={app}",
            "-v",
            "owner_password=pw",
            "-v",
            "app_password=pw",
            "-f",
            str(ROOT / "infra/postgres/roles.sql"),
            admin_url,
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    env = clean_env(
        tmp_path,
        REGISTRY_DATABASE_URL=app_url,
        REGISTRY_OWNER_DATABASE_URL=owner_url,
        REGISTRY_BIND=f"127.0.0.1:{port}",
        REGISTRY_SECRET_KEY="start-script-test",
        REGISTRY_WEB_WORKERS="2",
    )
    try:
        starter = subprocess.Popen(
            ["bash", str(ROOT / "infra/start.sh")],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}/api/v1"
        try:
            wait_until_up(f"{base}/openapi.json", starter, seconds=90)
            created = subprocess.run(
                [str(BIN / "registry"), "users", "create", "ops", "--role", "admin"],
                env=env,
                cwd=tmp_path,
                capture_output=True,
                text=True,
            )
            assert created.returncode == 0, created.stderr
            token = created.stdout.strip().splitlines()[-1]
            status, body, headers = call(f"{base}/teachers", token=token, body=TEACHER)
            assert status == 201, body
            position = headers["X-Registry-Position"]
            status, body, _ = call(
                f"{base}/teachers/{TEACHER['pin']}?min_position={position}", token=token
            )
            assert status == 200, body  # the follower, as the application role, caught up
            assert body["full_name"] == TEACHER["full_name"]
            # /metrics adds up every worker's requests, whichever worker is scraped.
            for _ in range(12):
                assert call(f"{base}/me", token=token)[0] == 200
            for _ in range(4):
                assert served_count(f"http://127.0.0.1:{port}/metrics", "audit.Me") == 12
            # The application role may append events but not change them or the schema.
            for statement in (
                "DELETE FROM registry_events",
                "CREATE TABLE intruder (x int)",
                "TRUNCATE registry_events",
                "DELETE FROM ledger_checkpoints",
            ):
                denied = subprocess.run(
                    ["psql", "-v", "ON_ERROR_STOP=1", "-c", statement, app_url],
                    capture_output=True,
                    text=True,
                )
                assert denied.returncode != 0, statement
                assert "denied" in denied.stderr or "not allowed" in denied.stderr, denied.stderr
            assert starter.poll() is None
        finally:
            os.killpg(starter.pid, signal.SIGTERM)
            starter.wait(timeout=30)
    finally:
        subprocess.run(
            [
                "psql",
                "-q",
                "-c",
                f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)',
                "-c",
                f'DROP ROLE IF EXISTS "{app}"',
                "-c",
                f'DROP ROLE IF EXISTS "{owner}"',
                admin_url,
            ],
            capture_output=True,
        )


def test_registry_demo_prepares_a_data_set_and_accounts_that_sign_in(tmp_path):
    env = clean_env(tmp_path)
    result = subprocess.run(
        [str(BIN / "registry"), "demo", "--teachers", "40", "--years", "2", "--no-serve"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    accounts = json.loads((tmp_path / "instance" / "demo-accounts.json").read_text())
    assert sorted(a["role"] for a in accounts) == [
        "admin",
        "auditor",
        "commission",
        "registrar",
        "statistician",
    ]
    assert all(a["password"] in result.stdout and a["token"] in result.stdout for a in accounts)
    from registry.settings import Settings
    from web import create_app

    app = create_app(
        {"TESTING": True, "REGISTRY_FOLLOW": False, "REGISTRY_SETTINGS": Settings.from_env(env)}
    )
    try:
        client = app.test_client()
        for account in accounts:  # every printed token really signs in
            me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {account['token']}"})
            assert (me.status_code, me.get_json().get("role")) == (200, account["role"])
        registry = app.extensions["registry"].registry
        assert registry.authenticate_password("demo-auditor", accounts[3]["password"])
        teachers = client.get(
            "/api/v1/teachers?q=", headers={"Authorization": f"Bearer {accounts[0]['token']}"}
        )
        assert teachers.status_code == 200 and teachers.get_json()["teachers"]
    finally:
        app.extensions["registry"].close()
    again = subprocess.run(
        [str(BIN / "registry"), "demo", "--no-serve"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0 and "already" in again.stdout  # reused, not regenerated
