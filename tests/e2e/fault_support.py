"""What the fault tests share: served apps to kill, processes to watch, HTTP without Flask.

The fault tests run the real `registry` command in subprocesses and end them the hard
way (SIGKILL to the whole process group, as a power cut or the OOM killer would). They
are kept short for CI; REGISTRY_LONG_FAULTS=1 makes each of them run longer and more
often (see `budget`).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import SECRET

BIN = Path(sys.executable).parent
LONG = os.environ.get("REGISTRY_LONG_FAULTS", "") not in ("", "0")


def budget(short: float, long: float) -> float:
    """A duration or count: `short` in CI and by default, `long` with REGISTRY_LONG_FAULTS=1."""
    return long if LONG else short


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def registry_env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a `registry` command on one database (nothing inherited)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("REGISTRY_", "POSTGRES_", "SQLITE_", "PERSISTENCE_"))
    }
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        PYTHONIOENCODING="utf-8",
        REGISTRY_DATABASE_URL=database_url,
        REGISTRY_SECRET_KEY=SECRET.decode(),
        REGISTRY_INSTANCE_PATH=str(tmp_path / "instance"),
        **extra,
    )
    return env


def run_registry(
    env: dict[str, str], *args: str, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run `registry …` to its end."""
    return subprocess.run(
        [str(BIN / "registry"), *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def start_registry(env: dict[str, str], *args: str) -> subprocess.Popen:
    """Start `registry …` in a process group of its own (so a kill reaches all of it).

    Its output goes to a file beside the instance folder, never to a pipe: a pipe that
    nobody reads fills up and stops the server at its next log line.
    """
    log = Path(env["REGISTRY_INSTANCE_PATH"]).with_name(f"registry-{args[0]}.log")
    with open(log, "ab") as sink:
        process = subprocess.Popen(
            [str(BIN / "registry"), *args],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    process.log = log  # type: ignore[attr-defined]  # read by `output`
    return process


def output(process: subprocess.Popen, tail: int = 4000) -> str:
    """The end of what a started command printed."""
    return process.log.read_text(errors="replace")[-tail:]  # type: ignore[attr-defined]  # set by `start`


def create_token(env: dict[str, str], name: str, role: str, *scope: str) -> str:
    """A new account's API token (`registry users create`)."""
    created = run_registry(env, "users", "create", name, "--role", role, *scope, timeout=60)
    assert created.returncode == 0, created.stderr
    return created.stdout.strip().splitlines()[-1]


# -- processes ------------------------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text[text.rindex(")") + 2 :].split()  # the name in brackets may hold spaces


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if (
            entry.name.isdigit()
            and (fields := _stat(int(entry.name)))
            and int(fields[1]) == pid
            and fields[0] not in "ZX"
        ):
            out.append(int(entry.name))
    return out


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def alive(pid: int) -> bool:
    """Whether a process still runs (a zombie nobody reaped has ended)."""
    fields = _stat(pid)
    return fields is not None and fields[0] not in "ZX"


def wait_until(
    condition: Callable[[], Any], seconds: float, what: str, interval: float = 0.02
) -> Any:
    """Poll `condition` until it is truthy (returned) or fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds} s")
        time.sleep(interval)


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL to the process and every process of its group, then reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


# -- HTTP -----------------------------------------------------------------------------------


@dataclass
class Answer:
    """An HTTP answer, or `status` 0 when the connection failed (the server was gone)."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""  # why there was no answer

    def __repr__(self) -> str:
        return f"Answer({self.status}{', ' + self.error if self.error else ''})"


def call(
    url: str,
    *,
    token: str | None = None,
    body: Any = None,
    key: str | None = None,
    timeout: float = 10,
) -> Answer:
    """One request; a write when `body` is given (JSON), with an Idempotency-Key if `key`."""
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        method="GET" if body is None else "POST",
    )
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if key:
        request.add_header("Idempotency-Key", key)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(response.status, _json(response.read()), dict(response.headers))
    except urllib.error.HTTPError as error:
        return Answer(error.code, _json(error.read()), dict(error.headers))
    except (OSError, http.client.HTTPException) as error:  # refused, reset, cut off, timed out
        return Answer(0, error=f"{type(error).__name__}: {error}")


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


class ServedApp:
    """`registry serve` in a subprocess on a fixed port, to be killed and started again."""

    def __init__(self, env: dict[str, str], *args: str):
        self.env = env
        self.args = args
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    def start(self, seconds: float = 60) -> ServedApp:
        """Start the server; return once it answers."""
        self.process = start_registry(self.env, "serve", "--port", str(self.port), *self.args)
        process = self.process

        def up() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"registry serve ended: {output(process)}")
            return call(f"{self.api}/openapi.json", timeout=2).status == 200

        wait_until(up, seconds, "registry serve answers", interval=0.2)
        return self

    def kill(self) -> None:
        """kill -9 of the whole server: master and workers, mid-request."""
        assert self.process is not None
        kill_group(self.process)
        self.process = None

    def stop(self) -> None:
        """End the server, if still running (at the end of a test: no need to be gentle)."""
        if self.process is not None:
            self.kill()
