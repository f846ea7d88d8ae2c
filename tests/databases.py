"""This worker's PostgreSQL test databases, made ahead and dropped behind the tests.

A test that starts from an initialised registry gets a copy (`CREATE DATABASE … TEMPLATE`)
of a database this worker initialised once; a thread makes the next copies while tests
run (0.2–1 s each), and drops the used databases behind them, a few at once: every DROP
DATABASE forces a checkpoint on PostgreSQL 15, 1–2 s each on a busy machine, while a
dozen dropped at once (one connection each) shared one or two, 0.65 s in all. Four at
a time, not more: each holds a connection, and the server's 100 are shared with the
tests (a suite dropping 16 at once per worker ran out of them).

A copy is made by copying the template's files (`STRATEGY FILE_COPY`), not by writing
each of its pages to the WAL (PostgreSQL 15's default): 13 kB of WAL a copy, not 5 MB,
so the machine's hot standby (`.ci/standby`), which replays everything the suite writes,
keeps up (a suite run wrote 4.3 GB of WAL with the default, 2.3 GB with this; the default left the standby 30 s behind in CI).

A used copy is not dropped but put back (`recycle`): its connections ended, renamed (a
thread the test left behind cannot reach it under its new name), its rows made again
what the template's were (tests/schema_reset.py: 0.05 s, no checkpoint); a copy whose
structure a test changed (a dropped trigger, an altered table) is dropped instead.

Every test database commits without waiting for the disk (`synchronous_commit = off`,
set on the database, so the registry's own connections and its subprocesses' use it):
what a commit makes visible is the same; only a crash of the server itself could lose
the last moments, and no test crashes the server.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import psycopg

from tests import schema_reset

AHEAD = 2  # copies kept ready
DROPS = 4  # databases dropped at once (each holds a connection of the shared server)


def url_of(server_url: str, name: str) -> str:
    """The URL of database `name` on the server of `server_url` (any database's URL)."""
    return f"{server_url.rsplit('/', 1)[0]}/{name}"


def new_name(kind: str = "test") -> str:
    return f"registry_{kind}_{uuid.uuid4().hex[:12]}"


class PostgresDatabases:
    """Creates and drops test databases; copies of `template` are made ahead in a thread."""

    def __init__(self, admin: Callable[[], Any], admin_url: str):
        self._admin = admin  # a new autocommit connection to the server's admin database
        self._admin_url = admin_url
        self.template: str | None = None
        self._noted: schema_reset.Snapshot | None = None  # the template's rows, structure
        self._ready: list[str] = []
        self._doomed: list[str] = []
        self._used: list[str] = []  # copies to put back
        self._empty: list[str] = []  # empty databases put back, ready
        self._emptied: list[str] = []  # empty ones to put back
        self._empty_noted: schema_reset.Snapshot | None = None
        self._errors: list[BaseException] = []  # of drops: reported at the end
        self._stopping = False
        self._copying = True  # until a copy fails: then each test makes its own (and fails)
        self._busy = threading.Lock()  # one CREATE at a time from the template
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._work, daemon=True, name="test-databases")
        self._thread.start()

    # -- for the fixtures ---------------------------------------------------------------

    def create(self, name: str, template: str | None = None) -> None:
        """CREATE DATABASE now (a copy of `template` if given), committing without
        waiting for the disk."""
        with self._busy, self._admin() as conn:
            conn.execute(
                f'CREATE DATABASE "{name}"'
                + (f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else "")
            )
            conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')

    def empty(self) -> str:
        """The name of an empty database (one put back if there is one, else made now)."""
        with self._changed:
            name = self._empty.pop(0) if self._empty else None
        if name is None:
            name = new_name()
            self.create(name)
            if self._empty_noted is None:
                with psycopg.connect(self._url(name)) as conn:
                    noted = schema_reset.take(conn)
                with self._changed:
                    self._empty_noted = noted
        return name

    def use_template(self, name: str) -> None:
        """Copies are made of `name` (a database no one is connected to) from now on, and
        put back to what it holds after use."""
        with psycopg.connect(self._url(name)) as conn:
            noted = schema_reset.take(conn)
        with self._changed:
            self._noted = noted
            self.template = name
            self._changed.notify_all()

    def copy(self) -> str:
        """The name of a fresh copy of the template (made now if none is ready)."""
        assert self.template is not None
        with self._changed:
            name = self._ready.pop(0) if self._ready else None
            self._changed.notify_all()
        if name is None:
            name = new_name()
            self.create(name, self.template)
        return name

    def recycle(self, name: str, empty: bool = False) -> None:
        """Put a used copy of the template (or an `empty` database) back with the ready
        ones once the thread gets to it (its connections ended), or drop it if it cannot
        be put back as it was."""
        with self._changed:
            (self._emptied if empty else self._used).append(name)
            self._changed.notify_all()

    def drop(self, name: str) -> None:
        """Drop a database once the thread gets to it (connections to it are ended)."""
        with self._changed:
            self._doomed.append(name)
            self._changed.notify_all()

    def close(self) -> None:
        """Drop everything left (the ready copies, the used ones, the template) and stop."""
        with self._changed:
            self._stopping = True
            for names in (self._ready, self._used, self._empty, self._emptied):
                self._doomed.extend(names)
                names.clear()
            if self.template is not None:
                self._doomed.append(self.template)
            self._changed.notify_all()
        self._thread.join()
        self._raise_errors()

    # -- the thread -------------------------------------------------------------------

    def _next(self) -> tuple[str, list[str]] | None:
        with self._changed:
            while True:
                wanted = self._copying and not self._stopping and len(self._ready) < AHEAD
                if self._used and not self._stopping:  # as fast as a copy, and no checkpoint
                    return "recycle", [self._used.pop(0)]
                if self._emptied and not self._stopping:
                    return "recycle empty", [self._emptied.pop(0)]
                if wanted and self.template is not None:  # a test may be waiting: copies first
                    return "copy", [new_name()]
                if self._stopping:  # a copy or a put-back that ended after `close` began
                    self._doomed.extend(self._ready + self._empty)
                    self._ready.clear()
                    self._empty.clear()
                if self._doomed:
                    doomed, self._doomed = self._doomed[:DROPS], self._doomed[DROPS:]
                    return "drop", doomed
                if self._stopping:
                    return None
                self._changed.wait()

    def _work(self) -> None:
        while (job := self._next()) is not None:
            what, names = job
            if what.startswith("recycle"):
                self._recycle(names[0], empty=what == "recycle empty")
                continue
            if what == "copy":
                try:
                    self.create(names[0], self.template)
                except Exception:  # the tests' own copies will say why
                    with self._changed:
                        self._copying = False
                    continue
                with self._changed:
                    self._ready.append(names[0])
                continue
            # At once, each on its connection: their checkpoints are then one or two.
            droppers = [threading.Thread(target=self._drop, args=(name,)) for name in names]
            for dropper in droppers:
                dropper.start()
            for dropper in droppers:
                dropper.join()

    def _recycle(self, name: str, empty: bool) -> None:
        """Rename a used database and put its rows back; drop it when that cannot be done."""
        fresh = new_name()
        try:
            with self._admin() as conn:
                self._rename(conn, name, fresh)
                name = fresh
                conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
            noted = self._empty_noted if empty else self._noted
            assert noted is not None
            with psycopg.connect(self._url(name)) as conn:
                restored = schema_reset.restore(conn, noted)
        except Exception:
            restored = False
        if restored:
            with self._changed:
                (self._empty if empty else self._ready).append(name)
                self._changed.notify_all()
        else:
            self._drop(name)

    @staticmethod
    def _rename(conn: Any, name: str, fresh: str) -> None:
        """End the sessions on `name` and rename it (ended sessions take a moment to go)."""
        for attempt in range(500):
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            try:
                conn.execute(f'ALTER DATABASE "{name}" RENAME TO "{fresh}"')
                return
            except psycopg.errors.ObjectInUse:
                if attempt == 499:
                    raise
                time.sleep(0.01)

    def _url(self, name: str) -> str:
        return url_of(self._admin_url, name)

    def _drop(self, name: str) -> None:
        try:
            with self._admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except Exception as error:
            with self._changed:
                self._errors.append(error)

    def _raise_errors(self) -> None:
        with self._changed:
            errors, self._errors = self._errors, []
        if errors:
            raise RuntimeError(f"test databases not dropped: {errors!r}") from errors[0]
