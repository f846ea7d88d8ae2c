"""Configuration, read from the environment in one place.

`REGISTRY_DATABASE_URL` (or `--database`) picks the engine: `sqlite:///path` (the
embedded default, a file in the instance folder) or
`postgresql://user[:password]@host[:port]/db[?schema=name]`; `memory:` is the library's
in-memory store, for tests of the commands (registry/storage/popo.py).
`REGISTRY_READ_DATABASE_URL` (or `--read-database`) names a hot standby of that PostgreSQL
server that serves the reads (`registry.storage.standby`); writes, the views' follower and
the ledger stay on the primary.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypedDict, cast
from urllib.parse import parse_qs, unquote, urlsplit

from registry.domain.errors import InvalidInputError


@dataclass(frozen=True)
class DatabaseURL:
    """A parsed database URL."""

    backend: str  # "sqlite", "postgresql" or "memory"
    path: str = ""  # sqlite file
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = ""
    dbname: str = ""
    schema: str = ""

    @classmethod
    def parse(cls, url: str) -> DatabaseURL:
        parts = urlsplit(url)
        if url in ("memory:", "memory://"):
            return cls(backend="memory")
        if parts.scheme == "sqlite":
            raw = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
            if "?" in raw or "#" in raw:  # a file literally named "r.db?mode=ro" otherwise
                raise InvalidInputError(
                    f"An SQLite URL names a file and takes no options (?… or #…): {url!r}",
                    code="invalid_database_url",
                )
            path = unquote(raw)
            if not path:
                raise InvalidInputError(
                    f"Not an SQLite URL with a file: {url!r}", code="invalid_database_url"
                )
            return cls(backend="sqlite", path=path)
        if parts.scheme in ("postgresql", "postgres", "postgresql+psycopg"):
            dbname = parts.path.lstrip("/")
            if not dbname:
                raise InvalidInputError(
                    f"A PostgreSQL URL needs a database name: {url!r}", code="invalid_database_url"
                )
            query = parse_qs(parts.query)
            return cls(
                backend="postgresql",
                host=parts.hostname or "127.0.0.1",
                port=parts.port or 5432,
                user=unquote(parts.username or "postgres"),
                password=unquote(parts.password or ""),
                dbname=unquote(dbname),
                schema=query.get("schema", [""])[0],
            )
        raise InvalidInputError(
            f"Unsupported database URL {url!r}: use sqlite:///… or postgresql://…",
            code="invalid_database_url",
        )

    @property
    def embedded(self) -> bool:
        """Whether the database is a file this process opens itself (SQLite), not a server."""
        return self.backend == "sqlite"

    def same_database_as(self, other: DatabaseURL) -> bool:
        """Whether two URLs name the same database (a file by its resolved path; a server's
        local host by any of its names; PostgreSQL's default schema when none is given)."""
        if self.backend != other.backend or self.backend == "memory":
            return False  # each opening of memory is a database of its own
        if self.embedded:
            return Path(self.path).resolve() == Path(other.path).resolve()
        local = {"localhost", "127.0.0.1", "::1"}
        hosts_match = self.host == other.host or (self.host in local and other.host in local)
        return hosts_match and (self.port, self.dbname, self.schema or "public") == (
            other.port,
            other.dbname,
            other.schema or "public",
        )

    def redacted(self) -> str:
        if self.backend == "memory":
            return "memory:"
        if self.backend == "sqlite":
            return f"sqlite:///{self.path}"
        schema = f"?schema={self.schema}" if self.schema else ""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}{schema}"


@dataclass(frozen=True)
class Settings:
    """Everything configurable about one registry deployment."""

    database_url: str
    instance_path: Path
    secret_key: bytes = field(repr=False)
    # A hot standby of the PostgreSQL primary that serves the reads ("": the primary does).
    read_database_url: str = ""
    # How far the standby may trail its primary in replay before /readyz says not ready.
    max_standby_lag_s: float = 30.0
    pool_size: int = 5
    lock_timeout_s: int = 10
    read_wait_timeout_s: float = 5.0
    # Reads waiting for min_position at once per process (each holds a server thread;
    # a served worker allows at most half its threads); one more is refused at once
    # (503, Retry-After) rather than queued.
    max_waiting_reads: int = 16
    # How far beyond the log's head a min_position may be and still be waited for (a
    # write of another client may be landing there); further is refused at once (422).
    position_margin: int = 1000
    # How old a cached statistics answer may be and still be served while its next
    # computation runs (registry/queries/cache.py); never below a read's min_position.
    # Under 50 readers and 4 writers, 2 s left 321 reads over wrk's 2 s timeout, 30 s 50.
    answer_stale_s: float = 30.0
    # A bearer token Prometheus sends to read /metrics (web/metrics.py); without one,
    # only clients on the server's own machine may read them.
    metrics_token: str = field(default="", repr=False)
    # Throttling (web/throttle.py). Its counters live here, shared by every web process:
    # `redis://host:port/db` in production (infra/); `memory://` counts in each process.
    rate_limit_storage: str = "memory://"
    # Limits in the `limits` notation ("5/minute;20/hour"), over moving windows. Failures
    # are counted after the answer and checked before the next attempt; the figures and
    # the reasons for them are in docs/reliability.md.
    auth_failures_per_account_address: str = "5/minute;20/hour"  # sign-ins and tokens
    auth_failures_per_account: str = "50/hour"  # sign-ins (a token cannot be guessed)
    auth_failures_per_address: str = "20/minute;200/hour"  # sign-ins and tokens, any account
    verify_lookups_per_address: str = "60/minute;600/hour"
    verify_failures_per_address: str = "10/minute;100/hour"  # wrong code or unknown number
    # Signed credentials (registry/credentials/): the address the registry is published
    # at (its did:web, status lists and context are named from it, so it must not change
    # once credentials are out), and the private signing key's file (default: the
    # instance folder's `signing_key`; never in the event store).
    public_base_url: str = "http://localhost:8000"
    signing_key_file: Path | None = None
    # Reminders' mail (registry.reminders): no host means nothing is sent (rows wait).
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_tls: str = "none"  # none | starttls | ssl
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = "registry@localhost"
    smtp_timeout_s: float = 10.0
    # Argon2id cost of new password hashes (docs/reliability.md): argon2-cffi's defaults,
    # RFC 9106's low-memory profile (time cost 3, 64 MiB, 4 lanes). A stored hash carries
    # its own parameters, so checking it never depends on these. Not read from the
    # environment: only the tests (tests/conftest.py) lower them, to spare the CPU.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65_536
    argon2_parallelism: int = 4

    @property
    def signing_key_path(self) -> Path:
        return self.signing_key_file or self.instance_path / "signing_key"

    @property
    def database(self) -> DatabaseURL:
        return DatabaseURL.parse(self.database_url)

    @property
    def read_database(self) -> DatabaseURL | None:
        """The standby the reads go to, None when the primary serves them; its schema is
        the primary's unless the URL names one."""
        if not self.read_database_url:
            return None
        url = DatabaseURL.parse(self.read_database_url)
        return url if url.schema else replace(url, schema=self.database.schema)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        database_url: str | None = None,
        read_database_url: str | None = None,
    ) -> Settings:
        """Settings from `REGISTRY_*` variables; the secret lives in the instance folder."""
        env = os.environ if environ is None else environ
        instance = Path(env.get("REGISTRY_INSTANCE_PATH") or Path.cwd() / "instance").resolve()
        url = (
            database_url
            or env.get("REGISTRY_DATABASE_URL")
            or f"sqlite:///{instance / 'registry.db'}"
        )
        DatabaseURL.parse(url)  # fail early on a bad URL
        read_url = read_database_url or env.get("REGISTRY_READ_DATABASE_URL") or ""
        check_read_database(url, read_url)
        secret = env.get("REGISTRY_SECRET_KEY")
        return cls(
            database_url=url,
            read_database_url=read_url,
            max_standby_lag_s=float(env.get("REGISTRY_MAX_STANDBY_LAG_S", "30")),
            instance_path=instance,
            secret_key=secret.encode() if secret else _instance_secret(instance),
            **_throttling(env),
            pool_size=int(env.get("REGISTRY_POOL_SIZE", "5")),
            lock_timeout_s=int(env.get("REGISTRY_LOCK_TIMEOUT", "10")),
            read_wait_timeout_s=float(env.get("REGISTRY_READ_WAIT_TIMEOUT", "5")),
            max_waiting_reads=int(env.get("REGISTRY_MAX_WAITING_READS", "16")),
            position_margin=int(env.get("REGISTRY_POSITION_MARGIN", "1000")),
            answer_stale_s=float(env.get("REGISTRY_ANSWER_STALE_S", "30")),
            metrics_token=env.get("REGISTRY_METRICS_TOKEN", ""),
            public_base_url=env.get("REGISTRY_PUBLIC_BASE_URL") or "http://localhost:8000",
            signing_key_file=Path(key_file)
            if (key_file := env.get("REGISTRY_SIGNING_KEY_FILE"))
            else None,
            smtp_host=env.get("REGISTRY_SMTP_HOST", ""),
            smtp_port=int(env.get("REGISTRY_SMTP_PORT", "25")),
            smtp_tls=env.get("REGISTRY_SMTP_TLS", "none"),
            smtp_user=env.get("REGISTRY_SMTP_USER", ""),
            smtp_password=env.get("REGISTRY_SMTP_PASSWORD", ""),
            smtp_from=env.get("REGISTRY_SMTP_FROM", "registry@localhost"),
            smtp_timeout_s=float(env.get("REGISTRY_SMTP_TIMEOUT", "10")),
        )


def check_read_database(database_url: str, read_database_url: str) -> None:
    """Refuse a read database that cannot be a standby of the primary by its URLs alone
    (whether it is one, the storage room asks the servers: `registry.storage.standby`)."""
    if not read_database_url:
        return
    read = DatabaseURL.parse(read_database_url)
    if read.embedded or DatabaseURL.parse(database_url).embedded:
        raise InvalidInputError(
            "A read database is a PostgreSQL hot standby of a PostgreSQL primary: "
            f"{read.redacted()} for {DatabaseURL.parse(database_url).redacted()} is not.",
            field="read_database_url",
            code="invalid_read_database",
        )


class Throttling(TypedDict, total=False):
    """The throttling settings (all text), as the environment may give them."""

    rate_limit_storage: str
    auth_failures_per_account_address: str
    auth_failures_per_account: str
    auth_failures_per_address: str
    verify_lookups_per_address: str
    verify_failures_per_address: str


THROTTLING = tuple(Throttling.__annotations__)


def _throttling(env: Mapping[str, str]) -> Throttling:
    """The throttling settings the environment gives (`REGISTRY_<NAME>`); else defaults."""
    given = {name: env.get(f"REGISTRY_{name.upper()}", "").strip() for name in THROTTLING}
    return cast(Throttling, {name: value for name, value in given.items() if value})


def _instance_secret(instance: Path) -> bytes:
    """The installation's secret (keys PIN lookups and verification codes), made once."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()
