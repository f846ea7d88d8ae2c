"""Background work of a server process, recorded in the database so every worker sees it.

A job has a kind ("ledger_verify", ...), who started it, how much there is to do
(`total`, when known) and how much is done, a state (running, succeeded, failed), a
result summary (a small JSON object) or an error, and its times. It runs in a thread of
the process that started it (`Jobs.start`); its work receives a `Progress` to advance as
it goes. A heartbeat thread writes the progress, and that the process is alive, every
`heartbeat_s` seconds, so the work never waits on the database to report progress.

A job whose heartbeat is older than `stale_after_s` was left by a process that died (a
restarted server worker, a crash): readers show it as *abandoned*, never as running
forever, and the next start marks it so in the table. A process that stops cleanly
(`Jobs.stop`) asks its jobs to stop and records them as failed.

Jobs are operational state, not events: the table is the storage room's
(`registry.storage.schema`, created by `registry init`), and the SQL here is portable.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from registry.storage import Database
from registry.storage.schema import JOBS_TABLE, ensure_jobs_table

log = logging.getLogger(__name__)

RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
ABANDONED = "abandoned"  # shown for a running job whose process stopped beating
STATES = (RUNNING, SUCCEEDED, FAILED, ABANDONED)

HEARTBEAT_S = 1.0
STALE_AFTER_S = 30.0  # many heartbeats missed: the process is gone (or frozen)
KEEP_DAYS = 90  # finished jobs older than this are removed when another starts
ERROR_CHARS = 500

_COLUMNS = (
    "id, kind, started_by, state, total, done, result, error, holder, started_at, "
    "heartbeat_at, finished_at, label"
)
LABEL_CHARS = 200


def _now() -> datetime:
    return datetime.now(UTC)


def _text(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")  # fixed width: compares as text


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Job:
    """One job as recorded (its `state` already says abandoned if its process is gone)."""

    id: str
    kind: str
    started_by: str | None
    state: str
    total: int | None
    done: int
    result: dict[str, Any] | None
    error: str | None
    holder: str
    started_at: datetime
    heartbeat_at: datetime
    finished_at: datetime | None
    label: str | None = None  # what it works on, for people (an import's file name)

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    @property
    def percent(self) -> int | None:
        """How far it is, 0-100 (None while the total is unknown)."""
        if self.state == SUCCEEDED:
            return 100
        if not self.total:
            return None
        return min(100, int(100 * self.done / self.total))

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "started_by": self.started_by,
            "state": self.state,
            "total": self.total,
            "done": self.done,
            "percent": self.percent,
            "result": self.result,
            "error": self.error,
            "started_at": self.started_at.isoformat(),
            "heartbeat_at": self.heartbeat_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }


class JobStopped(Exception):
    """The process running the job is stopping: the work should end now."""


class Progress:
    """What a job's work reports as it goes (read by the heartbeat thread)."""

    def __init__(self, total: int | None = None):
        self.total = total
        self.done = 0
        self._stopping = threading.Event()

    def set_total(self, total: int | None) -> None:
        """How much there is to do, once known."""
        self.total = total
        self.check()

    def update(self, done: int) -> None:
        """How much is done so far (the work may report more than `total`: it grows)."""
        self.done = done
        if self.total is not None and done > self.total:
            self.total = done
        self.check()

    def advance(self, amount: int = 1) -> None:
        """Some more is done."""
        self.update(self.done + amount)

    def check(self) -> None:
        """Raise `JobStopped` if the process asked its jobs to stop."""
        if self._stopping.is_set():
            raise JobStopped("the server stopped while the job ran")

    def request_stop(self) -> None:
        """Make the work's next report raise `JobStopped` (the process is stopping)."""
        self._stopping.set()


Work = Callable[[Progress], dict[str, Any] | None]


class Jobs:
    """Starts jobs in this process and reads every process's jobs."""

    def __init__(
        self,
        db: Database,
        *,
        heartbeat_s: float = HEARTBEAT_S,
        stale_after_s: float = STALE_AFTER_S,
    ):
        self.db = db
        self.heartbeat_s = heartbeat_s
        self.stale_after_s = stale_after_s
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self._lock = threading.Lock()
        self._running: dict[str, tuple[Progress, threading.Thread]] = {}
        self._ready = False

    # -- starting ------------------------------------------------------------------------

    def start(
        self,
        kind: str,
        work: Work,
        *,
        started_by: str | None = None,
        total: int | None = None,
        exclusive: bool = False,
        label: str | None = None,
    ) -> Job:
        """Record a job and run `work(progress)` in a thread; returns the job as started.

        `work` returns the result summary (JSON-able) or raises (the job fails with the
        error's message). With `exclusive`, a job of the same kind already running, in
        any process, is returned instead of starting a second one. `label` says what it
        works on (at most 200 characters are kept).
        """
        self._ensure_table()
        self._settle_abandoned()
        job_id = uuid.uuid4().hex
        now = _text(_now())
        with self.db.transaction() as cur:
            cur.execute(
                f"INSERT INTO {JOBS_TABLE} (id, kind, started_by, label, state, exclusive_kind, "
                "total, done, holder, started_at, heartbeat_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    job_id,
                    kind,
                    started_by,
                    label[:LABEL_CHARS] if label else None,
                    RUNNING,
                    kind if exclusive else None,
                    total,
                    self.holder,
                    now,
                    now,
                ),
            )
            inserted = cur.rowcount == 1
        if not inserted:  # the one of this kind already running
            running = self.running(kind)
            if running is not None:
                return running
            return self.start(
                kind, work, started_by=started_by, total=total, exclusive=exclusive, label=label
            )
        progress = Progress(total)
        thread = threading.Thread(
            target=self._run, args=(job_id, work, progress), name=f"job-{kind}", daemon=True
        )
        with self._lock:
            self._running[job_id] = (progress, thread)
        thread.start()
        job = self.get(job_id)
        assert job is not None  # inserted just above; finished jobs are kept for days
        return job

    def _run(self, job_id: str, work: Work, progress: Progress) -> None:
        finished = threading.Event()
        beating = threading.Thread(
            target=self._beat, args=(job_id, progress, finished), name="job-heartbeat", daemon=True
        )
        beating.start()
        state, result, error = FAILED, None, None
        try:
            result = work(progress)
            state = SUCCEEDED
        except JobStopped as stopped:
            error = str(stopped)
        except Exception as failure:
            log.exception("background job %s failed", job_id)
            error = f"{type(failure).__name__}: {failure}"[:ERROR_CHARS]
        finally:
            finished.set()
            beating.join()
            try:
                self._finish(job_id, state, progress, result, error)
            except Exception:  # its heartbeat stops: readers will see it abandoned
                log.exception("could not record the end of background job %s", job_id)
            finally:
                with self._lock:
                    self._running.pop(job_id, None)
                self.db.release_thread()

    def _beat(self, job_id: str, progress: Progress, finished: threading.Event) -> None:
        try:
            while not finished.wait(self.heartbeat_s):
                try:
                    self.db.execute(
                        f"UPDATE {JOBS_TABLE} SET done = ?, total = ?, heartbeat_at = ? "
                        "WHERE id = ? AND state = ?",
                        (progress.done, progress.total, _text(_now()), job_id, RUNNING),
                    )
                except Exception:  # the next beat tries again
                    log.warning("could not record background job %s's progress", job_id)
        finally:
            self.db.release_thread()

    def _finish(
        self,
        job_id: str,
        state: str,
        progress: Progress,
        result: dict[str, Any] | None,
        error: str | None,
    ) -> None:
        now = _text(_now())
        total = progress.total
        if state == SUCCEEDED and (total is None or progress.done > total):
            total = progress.done
        self.db.execute(
            f"UPDATE {JOBS_TABLE} SET state = ?, done = ?, total = ?, result = ?, error = ?, "
            "heartbeat_at = ?, finished_at = ? WHERE id = ? AND state = ?",
            (
                state,
                progress.done,
                total,
                json.dumps(result, default=str, ensure_ascii=False) if result is not None else None,
                error,
                now,
                now,
                job_id,
                RUNNING,
            ),
        )

    def _settle_abandoned(self) -> None:
        """Record the running jobs whose process stopped beating as abandoned (so they no
        longer hold their kind), and forget finished jobs kept long enough."""
        now = _now()
        cutoff = _text(now - timedelta(seconds=self.stale_after_s))
        with self.db.transaction() as cur:
            cur.execute(
                f"UPDATE {JOBS_TABLE} SET state = ?, finished_at = ?, error = ? "
                "WHERE state = ? AND heartbeat_at < ?",
                (ABANDONED, _text(now), _ABANDONED_ERROR, RUNNING, cutoff),
            )
            cur.execute(
                f"DELETE FROM {JOBS_TABLE} WHERE finished_at < ?",
                (_text(now - timedelta(days=KEEP_DAYS)),),
            )

    def _ensure_table(self) -> None:
        if not self._ready:
            ensure_jobs_table(self.db)
            self._ready = True

    # -- reading -------------------------------------------------------------------------

    def get(self, job_id: str) -> Job | None:
        """One job, by id (None if unknown)."""
        if not self._table_exists():
            return None
        row = self.db.query_one(f"SELECT {_COLUMNS} FROM {JOBS_TABLE} WHERE id = ?", (job_id,))
        return self._job(row) if row else None

    def recent(
        self, kind: str | None = None, limit: int = 10, *, started_by: str | None = None
    ) -> list[Job]:
        """The latest jobs (of a kind, started by an account), newest first."""
        if not self._table_exists():
            return []
        conditions, params = [], []
        for column, value in (("started_by", started_by), ("kind", kind)):
            if value is not None:
                conditions.append(f"{column} = ?")
                params.append(value)
        where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
        rows = self.db.query(
            f"SELECT {_COLUMNS} FROM {JOBS_TABLE} {where}ORDER BY started_at DESC LIMIT ?",
            [*params, limit],
        )
        return [self._job(row) for row in rows]

    def running(self, kind: str) -> Job | None:
        """The job of a kind still running (in any process), if any."""
        if not self._table_exists():
            return None
        rows = self.db.query(
            f"SELECT {_COLUMNS} FROM {JOBS_TABLE} WHERE kind = ? AND state = ? "
            "ORDER BY started_at DESC",
            (kind, RUNNING),
        )
        for job in (self._job(row) for row in rows):
            if job.running:
                return job
        return None

    def _table_exists(self) -> bool:
        if not self._ready and self.db.table_exists(JOBS_TABLE):
            self._ensure_table()  # one made before a column was added gets it first
        return self._ready

    def _job(self, row: tuple) -> Job:
        heartbeat = _moment(row[10])
        assert heartbeat is not None  # NOT NULL
        state, error, finished = row[3], row[7], _moment(row[11])
        if state == RUNNING and row[0] not in self._running and self._stale(heartbeat):
            state, error = ABANDONED, _ABANDONED_ERROR
        started = _moment(row[9])
        assert started is not None  # NOT NULL
        return Job(
            id=row[0],
            kind=row[1],
            started_by=row[2],
            state=state,
            total=int(row[4]) if row[4] is not None else None,
            done=int(row[5]),
            result=json.loads(row[6]) if row[6] else None,
            error=error,
            holder=row[8],
            started_at=started,
            heartbeat_at=heartbeat,
            finished_at=finished,
            label=row[12],
        )

    def _stale(self, heartbeat: datetime) -> bool:
        return (_now() - heartbeat).total_seconds() > self.stale_after_s

    # -- stopping ------------------------------------------------------------------------

    def stop(self, timeout: float = 5.0) -> None:
        """Ask this process's jobs to stop (they fail as "the server stopped") and wait
        for them a little; a job that does not stop in time is seen as abandoned."""
        with self._lock:
            running = list(self._running.values())
        for progress, _thread in running:
            progress.request_stop()
        for _progress, thread in running:
            thread.join(timeout)


_ABANDONED_ERROR = "the process running it stopped before it finished"
