"""Claims on Idempotency-Keys in flight, so a concurrent retry waits for the first answer.

A keyed command first inserts a row for its request (the primary key lets one holder
win); the others wait until the row is gone (the holder saved its result, or failed and
recorded nothing) and then look again. The result itself stays in the event store (the
IdempotentRequest saved with the command's events): a claim only says "being worked on".

A holder renews its claims while it runs (long imports); a claim not renewed for
`stale_after_s` belonged to a process that died, and the next request with its key takes
it over. Times are the processes' wall clocks, so the servers sharing one database must
keep their clocks within a fraction of `stale_after_s` of each other.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from registry.domain.errors import ConflictError, RuleViolationError
from registry.storage.schema import CLAIMS_TABLE, ensure_claims_table

if TYPE_CHECKING:
    from registry.storage import Database

log = logging.getLogger(__name__)
R = TypeVar("R")


@dataclass(frozen=True)
class Claim:
    """One request being worked on: whose, for which content, last renewed when."""

    request_id: str
    fingerprint: str
    holder: str
    claimed_at_ms: int


def _now_ms() -> int:
    return int(time.time() * 1000)


class KeyClaims:
    """The claims table of one process: claim, wait, take over, renew, release."""

    def __init__(
        self,
        database: Callable[[], Database],
        *,
        stale_after_s: float = 10.0,
        renew_every_s: float = 2.0,
        wait_s: float = 15.0,
    ):
        self._database = database
        self.stale_after_s = stale_after_s
        self.renew_every_s = renew_every_s
        # Longer than a claim takes to go stale, so a waiter outlives a crashed holder.
        self.wait_s = wait_s
        self._ready = False
        self._held: dict[str, str] = {}  # request id (hex) -> holder token
        self._lock = threading.Lock()
        self._renewer: threading.Thread | None = None
        self._closed = threading.Event()

    @property
    def db(self) -> Database:
        db = self._database()
        if not self._ready:
            ensure_claims_table(db)
            self._ready = True
        return db

    def acquire(
        self, request_id: uuid.UUID, fingerprint: str, answered: Callable[[], R | None]
    ) -> tuple[str | None, R | None]:
        """Hold the request's claim, or wait for the holder's answer.

        Returns `(token, None)` when this caller must run the command (then `release` it),
        or `(None, answer)` when `answered()` found the first request's stored answer.
        """
        rid = request_id.hex
        deadline = time.monotonic() + self.wait_s
        pause = 0.001
        token = self._insert(rid, fingerprint)
        while token is None:  # someone holds it: read (not write) until that changes
            claim = self._current(rid)
            if claim is None:  # released: claim it ourselves
                token = self._insert(rid, fingerprint)
            elif self._is_stale(claim):
                token = self._take_over(claim, fingerprint)
            elif claim.fingerprint != fingerprint:
                raise RuleViolationError(
                    "This Idempotency-Key was already used for a different request.",
                    code="idempotency_key_reused",
                )
            elif time.monotonic() > deadline:
                raise ConflictError(
                    "A request with this Idempotency-Key is still being processed; retry it later.",
                    code="idempotency_key_in_use",
                )
            else:
                time.sleep(pause)
                pause = min(pause * 2, 0.025)
        # The holder before us may have saved its answer just before releasing.
        try:
            answer = answered()
        except BaseException:
            self.release(request_id, token)
            raise
        if answer is not None:
            self.release(request_id, token)
            return None, answer
        return token, None

    def release(self, request_id: uuid.UUID, token: str) -> None:
        """Give the claim up (the command ended); a failure here only delays the waiters."""
        rid = request_id.hex
        with self._lock:
            self._held.pop(rid, None)
        try:
            self.db.execute(
                f"DELETE FROM {CLAIMS_TABLE} WHERE request_id = ? AND holder = ?", (rid, token)
            )
        except Exception:  # the answer is already stored; the claim goes stale in time
            log.warning("could not release the idempotency claim %s", rid, exc_info=True)

    def _insert(self, rid: str, fingerprint: str) -> str | None:
        token = uuid.uuid4().hex
        with self.db.transaction() as cur:
            cur.execute(
                f"INSERT INTO {CLAIMS_TABLE} (request_id, fingerprint, holder, "
                "claimed_at_ms) VALUES (?, ?, ?, ?) ON CONFLICT (request_id) "
                "DO NOTHING",
                (rid, fingerprint, token, _now_ms()),
            )
            won = cur.rowcount == 1
        return self._hold(rid, token) if won else None

    def _current(self, rid: str) -> Claim | None:
        row = self.db.query_one(
            f"SELECT request_id, fingerprint, holder, claimed_at_ms "
            f"FROM {CLAIMS_TABLE} WHERE request_id = ?",
            (rid,),
        )
        return Claim(str(row[0]), str(row[1]), str(row[2]), int(row[3])) if row else None

    def _is_stale(self, claim: Claim) -> bool:
        return _now_ms() - claim.claimed_at_ms > self.stale_after_s * 1000

    def _take_over(self, claim: Claim, fingerprint: str) -> str | None:
        """Replace a dead holder's claim, unless someone renewed or took it meanwhile."""
        token = uuid.uuid4().hex
        with self.db.transaction() as cur:
            cur.execute(
                f"UPDATE {CLAIMS_TABLE} SET holder = ?, fingerprint = ?, "
                "claimed_at_ms = ? WHERE request_id = ? AND holder = ? AND "
                "claimed_at_ms = ?",
                (
                    token,
                    fingerprint,
                    _now_ms(),
                    claim.request_id,
                    claim.holder,
                    claim.claimed_at_ms,
                ),
            )
            won = cur.rowcount == 1
        if won:
            log.warning(
                "took over the stale idempotency claim %s of holder %s",
                claim.request_id,
                claim.holder,
            )
        return self._hold(claim.request_id, token) if won else None

    # -- renewal: one thread per process, alive only while it holds claims -------------

    def _hold(self, rid: str, token: str) -> str:
        with self._lock:
            self._held[rid] = token
            if self._renewer is None:
                self._renewer = threading.Thread(
                    target=self._renew, daemon=True, name="idempotency-claims"
                )
                self._renewer.start()
        return token

    def close(self) -> None:
        """Stop renewing, before the registry closes its connections: a renewal still
        running on a connection being closed crashed the process (SQLite)."""
        self._closed.set()
        with self._lock:
            renewer = self._renewer
        if renewer is not None and renewer is not threading.current_thread():
            renewer.join(timeout=self.stale_after_s)

    def _renew(self) -> None:
        db = self._database()
        try:
            while not self._closed.wait(self.renew_every_s):
                with self._lock:
                    held = list(self._held.items())
                    if not held:
                        self._renewer = None
                        return
                try:
                    with db.transaction() as cur:
                        cur.executemany(
                            f"UPDATE {CLAIMS_TABLE} SET claimed_at_ms = ? "
                            "WHERE request_id = ? AND holder = ?",
                            [(_now_ms(), rid, token) for rid, token in held],
                        )
                except Exception:  # try again next round; a claim survives a few misses
                    log.warning("could not renew idempotency claims", exc_info=True)
        finally:
            with self._lock:  # ended by surprise: let the next claim start a renewer
                if self._renewer is threading.current_thread():
                    self._renewer = None
            db.release_thread()
