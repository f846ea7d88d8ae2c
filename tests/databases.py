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

Every test database commits without waiting for the disk (`synchronous_commit = off`,
set on the database, so the registry's own connections and its subprocesses' use it):
what a commit makes visible is the same; only a crash of the server itself could lose
the last moments, and no test crashes the server.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

AHEAD = 2  # copies kept ready
DROPS = 4  # databases dropped at once (each holds a connection of the shared server)


def new_name(kind: str = "test") -> str:
    return f"registry_{kind}_{uuid.uuid4().hex[:12]}"


class PostgresDatabases:
    """Creates and drops test databases; copies of `template` are made ahead in a thread."""

    def __init__(self, admin: Callable[[], Any]):
        self._admin = admin  # a new autocommit connection to the server's admin database
        self.template: str | None = None
        self._ready: list[str] = []
        self._doomed: list[str] = []
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

    def use_template(self, name: str) -> None:
        """Copies are made of `name` from now on (a database no one is connected to)."""
        with self._changed:
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

    def drop(self, name: str) -> None:
        """Drop a database once the thread gets to it (connections to it are ended)."""
        with self._changed:
            self._doomed.append(name)
            self._changed.notify_all()

    def close(self) -> None:
        """Drop everything left (the ready copies, the used ones, the template) and stop."""
        with self._changed:
            self._stopping = True
            self._doomed.extend(self._ready)
            self._ready.clear()
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
                if wanted and self.template is not None:  # a test may be waiting: copies first
                    return "copy", [new_name()]
                if self._doomed:
                    doomed, self._doomed = self._doomed[:DROPS], self._doomed[DROPS:]
                    return "drop", doomed
                if self._stopping:
                    return None
                self._changed.wait()

    def _work(self) -> None:
        while (job := self._next()) is not None:
            what, names = job
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
