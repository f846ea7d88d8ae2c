"""Recomputing the chain from the stored rows and naming the first position that differs.

The stored rows are read in position order and walked against the checkpoints' entries:
an expected position with no row is a removal, a row the ledger never sealed inside the
sealed range is an insertion, a row whose digest differs is an alteration (or, when its
digest is that of another sealed event, a reordering). Each checkpoint's link is then
compared with the recomputed one, which also catches entries forged to hide a change.
Rows after the last checkpoint are chained too but can only be vouched for by a head
published earlier (`published`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from registry.ledger.chain import ALGORITHM, DIGEST_BYTES, GENESIS, canonical_id, chain_batch
from registry.ledger.store import Checkpoint, iter_checkpoints
from registry.prefetch import prefetched
from registry.storage import Database
from registry.storage.raw import RawEvent

MAX_FINDINGS = 100  # enough to show the extent of an attack without flooding the report


@dataclass(frozen=True)
class Finding:
    """One discrepancy: where, what kind, and a sentence an auditor can act on."""

    position: int
    kind: str  # altered | removed | inserted | reordered | checkpoint | published_head
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"position": self.position, "kind": self.kind, "message": self.message}


@dataclass
class Report:
    """The outcome of one verification."""

    events: int = 0  # rows read and chained
    sealed_events: int = 0  # of which covered by checkpoints
    checkpoints: int = 0
    sealed_position: int | None = None  # the last position the checkpoints cover
    head_position: int | None = None  # the last stored row
    head_hash: str = GENESIS.hex()  # the recomputed link at head_position
    findings: list[Finding] = field(default_factory=list)
    published_checked: int = 0
    seconds: float = 0.0
    truncated: bool = False  # more findings than MAX_FINDINGS

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first(self) -> Finding | None:
        """The first finding in position order: where the log was first changed."""
        return min(self.findings, key=lambda f: f.position) if self.findings else None

    @property
    def unsealed_events(self) -> int:
        return self.events - self.sealed_events

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def as_json(self) -> dict[str, Any]:
        first = self.first
        return {
            "ok": self.ok,
            "algorithm": ALGORITHM,
            "events": self.events,
            "sealed_events": self.sealed_events,
            "unsealed_events": self.unsealed_events,
            "checkpoints": self.checkpoints,
            "sealed_position": self.sealed_position,
            "head": {"position": self.head_position, "hash": self.head_hash},
            "first_position": first.position if first else None,
            "findings": [f.as_json() for f in self.findings],
            "published_checked": self.published_checked,
            "seconds": self.seconds,
        }


class _Rows:
    """The stored rows as one stream, each with its digest and the chain link after it
    (computed a batch at a time), with one row of look-ahead."""

    def __init__(
        self,
        batches: Iterator[list[RawEvent]],
        on_progress: Callable[[int], object] | None = None,
    ):
        self._batches = batches
        self._on_progress = on_progress
        self.read = 0  # rows read from the database so far
        self.batch: list[RawEvent] = []
        self.digests: list[bytes] = []
        self.links: list[bytes] = []
        self.index = 0
        self._tail = GENESIS  # the link after the last row read from the database

    def peek(self) -> RawEvent | None:
        while self.index >= len(self.batch):
            batch = next(self._batches, None)
            if batch is None:
                return None
            self.digests, self.links = chain_batch(batch, self._tail)
            self.batch, self.index = batch, 0
            if batch:
                self._tail = self.links[-1]
            self.read += len(batch)
            if self._on_progress is not None:
                self._on_progress(self.read)
        return self.batch[self.index]


class Verifier:
    """One pass over the log and the checkpoints."""

    def __init__(
        self,
        db: Database,
        published: dict[int, str] | None = None,
        on_progress: Callable[[int], object] | None = None,
    ):
        """`on_progress(rows)` hears how many stored rows were read so far, a batch at a
        time (it may raise to stop the verification)."""
        self.db = db
        self.on_progress = on_progress
        self.published = {int(p): h.lower() for p, h in (published or {}).items()}
        self.report = Report()
        self.link = GENESIS  # after the last row taken
        self.broken = False  # once the chain differs, later checkpoint links differ too

    def run(self) -> Report:
        started = time.perf_counter()
        batches = self.db.read_raw(plain=True)
        if not self.db.embedded:
            # Read ahead while we hash: a server's rows arrive while this process waits
            # (an embedded database's reading would take the CPU from the hashing).
            batches = prefetched(batches, name="ledger-prefetch")
        rows = _Rows(batches, self.on_progress)
        try:
            checkpoints = (
                iter_checkpoints(self.db)
                if self.db.table_exists("ledger_checkpoints")
                else iter(())
            )
            previous: Checkpoint | None = None
            for checkpoint in checkpoints:
                entries = checkpoint.entry_list()
                self._check_sequence(previous, checkpoint, entries)
                self._walk_checkpoint(rows, checkpoint, entries)
                previous = checkpoint
                if self.report.truncated:
                    break
            else:
                self._walk_unsealed(rows)
        finally:
            batches.close()  # type: ignore[attr-defined]  # a generator either way (ends the read); typed as an Iterator
        self._check_unreached_heads()
        self.report.seconds = time.perf_counter() - started
        return self.report

    # -- the sealed range ----------------------------------------------------------------

    def _walk_checkpoint(
        self, rows: _Rows, checkpoint: Checkpoint, entries: list[tuple[int, bytes]]
    ) -> None:
        self.report.checkpoints += 1
        if not self._matches_at_once(rows, entries):
            self._walk_entries(rows, entries)
        self.report.sealed_position = checkpoint.position
        if not self.broken and self.link.hex() != checkpoint.link_hash:
            self._find(
                checkpoint.first_position,
                "checkpoint",
                f"positions {checkpoint.first_position}..{checkpoint.position} do not "
                f"chain to checkpoint {checkpoint.seq}'s link: the checkpoint (or its "
                "entries) was altered",
            )

    def _matches_at_once(self, rows: _Rows, entries: list[tuple[int, bytes]]) -> bool:
        """The common case: the next rows are exactly the checkpoint's events."""
        count = len(entries)
        if rows.peek() is None or len(rows.batch) - rows.index < count or not count:
            return False
        start, stop = rows.index, rows.index + count
        if [row[0] for row in rows.batch[start:stop]] != [e[0] for e in entries] or [
            d[:DIGEST_BYTES] for d in rows.digests[start:stop]
        ] != [e[1] for e in entries]:
            return False
        self._take_many(rows, count)
        self.report.sealed_events += count
        return True

    def _walk_entries(self, rows: _Rows, entries: list[tuple[int, bytes]]) -> None:
        """Event by event, naming each removal, insertion, alteration and reordering."""
        report = self.report
        digests = {digest: position for position, digest in entries}
        for position, expected in entries:
            row = rows.peek()
            while row is not None and row[0] < position:
                self._find(
                    row[0],
                    "inserted",
                    f"position {row[0]} holds an event the ledger never sealed ({_describe(row)})",
                )
                self._take(rows)
                row = rows.peek()
            if row is None or row[0] > position:
                self._find(
                    position, "removed", f"the event sealed at position {position} is missing"
                )
                continue
            digest = self._take(rows)
            report.sealed_events += 1
            if digest[:DIGEST_BYTES] != expected:
                origin = digests.get(digest[:DIGEST_BYTES])
                if origin is not None:
                    self._find(
                        position,
                        "reordered",
                        f"position {position} holds the event sealed at position "
                        f"{origin} ({_describe(row)})",
                    )
                else:
                    self._find(
                        position,
                        "altered",
                        f"the event at position {position} differs from the one "
                        f"sealed there ({_describe(row)})",
                    )

    def _check_sequence(
        self, previous: Checkpoint | None, checkpoint: Checkpoint, entries: list[tuple[int, bytes]]
    ) -> None:
        """Checkpoints must follow one another without gap or overlap."""
        expected_seq = previous.seq + 1 if previous else 1
        problems = []
        if checkpoint.seq != expected_seq:
            problems.append(f"checkpoint {checkpoint.seq} follows {expected_seq - 1}")
        if previous and checkpoint.first_position <= previous.position:
            problems.append(f"checkpoint {checkpoint.seq} overlaps the one before")
        if len(entries) != checkpoint.events or (
            entries
            and (
                entries[0][0] != checkpoint.first_position or entries[-1][0] != checkpoint.position
            )
        ):
            problems.append(
                f"checkpoint {checkpoint.seq}'s entries disagree with its "
                f"range {checkpoint.first_position}..{checkpoint.position}"
            )
        if problems:
            self._find(
                checkpoint.first_position,
                "checkpoint",
                "; ".join(problems) + ": the ledger itself was altered",
            )

    # -- after the last checkpoint -------------------------------------------------------

    def _walk_unsealed(self, rows: _Rows) -> None:
        while rows.peek() is not None:
            self._take_many(rows, len(rows.batch) - rows.index)

    # -- taking rows ---------------------------------------------------------------------

    def _take(self, rows: _Rows) -> bytes:
        """Consume the next row; returns its digest."""
        index = rows.index
        self._take_many(rows, 1)
        return rows.digests[index]

    def _take_many(self, rows: _Rows, count: int) -> None:
        """Consume `count` rows of the current batch (peeked), checking published heads."""
        start, stop = rows.index, rows.index + count
        rows.index = stop
        self.link = rows.links[stop - 1]
        report = self.report
        report.events += count
        report.head_position = rows.batch[stop - 1][0]
        if self.published:
            for index in range(start, stop):
                position = rows.batch[index][0]
                if position in self.published:
                    self._check_published(position, rows.links[index])

    def _check_published(self, position: int, link: bytes) -> None:
        self.report.published_checked += 1
        if self.published.pop(position) != link.hex():
            self._find(
                position,
                "published_head",
                f"the chain at position {position} no longer has the link that was "
                "published for it",
            )

    def _check_unreached_heads(self) -> None:
        self.report.head_hash = self.link.hex()
        for position in sorted(self.published):
            self._find(
                position,
                "published_head",
                f"a head was published at position {position}, which the log no longer holds",
            )

    def _find(self, position: int, kind: str, message: str) -> None:
        self.broken = True
        if len(self.report.findings) < MAX_FINDINGS:
            self.report.findings.append(Finding(position, kind, message))
        else:
            self.report.truncated = True


def _describe(row: tuple) -> str:
    row = RawEvent(*row)
    topic = row.topic.rpartition(":")[2] if isinstance(row.topic, str) else repr(row.topic)
    return f"{topic} of {canonical_id(row.originator_id).decode(errors='replace')} v{row.version}"
