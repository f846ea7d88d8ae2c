"""What the benchmarks share: their databases, settings and the machine's load."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

from registry.settings import Settings

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def settings_for(url: str, workdir: Path, secret: str = "bench-secret") -> Settings:
    """Settings of a benchmark database (a fixed secret: reused data sets stay readable)."""
    return Settings(
        database_url=url, instance_path=workdir, secret_key=secret.encode(), pool_size=4
    )


def new_database(backend: str, workdir: Path, prefix: str = "bench") -> str:
    """A new empty database of an engine."""
    if backend == "sqlite":
        return f"sqlite:///{workdir / f'{prefix}-{uuid.uuid4().hex[:8]}.db'}"
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in the URL if the server lacks it."""
    if not url.startswith("postgres"):
        return
    import psycopg

    base, name = url.split("?")[0].rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    """Remove a benchmark database (an SQLite file with its WAL, or a PostgreSQL database)."""
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url[len("sqlite:///") :] + suffix).unlink(missing_ok=True)
    elif url.startswith("postgres"):
        import psycopg

        base, name = url.split("?")[0].rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load() -> str:
    """The machine's load averages (1, 5, 15 minutes): every figure depends on them."""
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def require_tool(name: str, package: str | None = None) -> str:
    """The path of a command the benchmark drives (wrk), installed from Debian's archive
    when missing and we are root, as the tests' setup installs Chromium."""
    path = shutil.which(name)
    if path is None and hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (
            ["apt-get", "update", "-q"],
            ["apt-get", "install", "-y", "-q", package or name],
        ):
            subprocess.run(command, env=env, check=False, capture_output=True, timeout=900)
        path = shutil.which(name)
    if path is None:
        raise SystemExit(f"{name} is needed: apt-get install {package or name}")
    return path


def machine() -> str:
    """Cores, CPU model and Python version."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, Python {sys.version.split()[0]}"
