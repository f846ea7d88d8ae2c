"""The tamper-evident ledger: a hash chain over the global event log, with checkpoints.

`seal` extends the chain over new events (the `LedgerView` does so as the projections
catch up), `verify` recomputes it from the stored rows and names the first position that
was altered, removed, inserted or reordered, and `head` is what `GET /ledger` returns so
that auditors can publish it; a published head later proves the log was not rewritten
wholesale (`verify(published={position: hash})`). The link format is in `chain`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from registry.ledger import store
from registry.ledger.chain import ALGORITHM, GENESIS
from registry.ledger.store import CHECKPOINT_EVENTS, LedgerView, ensure_tables, recent_checkpoints
from registry.ledger.store import seal as _seal
from registry.ledger.verify import Finding, Report, Verifier
from registry.projections.base import PositionMovedError
from registry.storage.errors import unreachable

if TYPE_CHECKING:
    from registry.application import Registry

__all__ = [
    "ALGORITHM",
    "CHECKPOINT_EVENTS",
    "Finding",
    "LedgerView",
    "Report",
    "checkpoints",
    "count_events",
    "head",
    "seal",
    "sealing",
    "verifications",
    "verify",
]

log = logging.getLogger(__name__)
SEAL_CHUNK = 50_000  # events per sealing transaction, so writers never wait long


def seal(app: Registry, *, until: int | None = None) -> int:
    """Extend the checkpoints over every event not yet sealed; returns how many were."""
    ensure_tables(app.db)
    total = 0
    while True:
        try:
            with app.db.transaction() as cur:
                sealed = _seal(cur, until=until, limit=SEAL_CHUNK)
        except PositionMovedError:
            continue  # another sealer (the follower) got there first: resume from its head
        total += sealed
        if sealed < SEAL_CHUNK:
            return total


@contextmanager
def sealing(app: Registry) -> Iterator[None]:
    """Seal what the block wrote when it ends, even when it fails part-way: a bulk
    writer (generate, import, replay) leaves the log sealed, as the followers do."""
    try:
        yield
    except BaseException:
        try:
            seal(app)
        except Exception as error:  # the block's own error is the one to report
            if unreachable(error):  # the same lost database: a line, not a traceback
                log.warning("could not seal the events written before the failure: %s", error)
            else:
                log.exception("could not seal the events written before the failure")
        raise
    seal(app)


def verify(
    app: Registry,
    *,
    published: Mapping[int, str] | None = None,
    record: bool = True,
    requested_by: str | None = None,
    on_progress: Callable[[int], object] | None = None,
) -> Report:
    """Recompute the chain from the stored rows and compare it with the checkpoints (and
    with heads published earlier); the verification is recorded for `head`, with who
    asked for it. `on_progress(rows)` hears how many rows were read so far."""
    tracked = _tracked_position(app)  # read first: it can only grow while we walk
    report = Verifier(app.db, dict(published or {}), on_progress).run()
    if tracked is not None and tracked > (report.sealed_position or 0):
        report.findings.append(
            Finding(
                (report.sealed_position or 0) + 1,
                "checkpoint",
                f"the ledger had sealed up to position {tracked} but its checkpoints now end at "
                f"{report.sealed_position}: checkpoints were removed",
            )
        )
    if record:
        _record(app, report, requested_by)
    return report


def count_events(app: Registry) -> int:
    """How many events the log holds (a verification's total)."""
    return _count_after(app, 0)


def head(app: Registry) -> dict[str, Any]:
    """The ledger's current head, for auditors to publish (GET /ledger)."""
    db = app.db
    log_position = app.max_position() or 0
    answer: dict[str, Any] = {
        "algorithm": ALGORITHM,
        "genesis": GENESIS.hex(),
        "position": None,
        "hash": GENESIS.hex(),
        "events": 0,
        "log_position": log_position,
        "unsealed_events": 0,
        "checkpoint_events": store.CHECKPOINT_EVENTS,
        "checkpoint_count": 0,
        "checkpoints": [],
        "verified_at": None,
        "last_verification": None,
    }
    if not db.table_exists("ledger_checkpoints"):
        answer["unsealed_events"] = _count_after(app, 0)
        return answer
    recent = recent_checkpoints(db)
    totals = db.query_one("SELECT count(*), coalesce(sum(events), 0) FROM ledger_checkpoints")
    assert totals is not None  # an aggregate query always returns its one row
    if recent:
        answer.update(
            position=recent[0].position,
            hash=recent[0].link_hash,
            checkpoints=[c.as_json() for c in recent],
        )
    answer.update(
        events=int(totals[1]),
        checkpoint_count=int(totals[0]),
        unsealed_events=_count_after(app, answer["position"] or 0),
    )
    last = verifications(app, limit=1)
    if last:
        answer["verified_at"] = last[0]["verified_at"]
        answer["last_verification"] = last[0]
    return answer


def checkpoints(app: Registry, *, before: int | None = None, limit: int = 20) -> dict[str, Any]:
    """A page of checkpoints, newest first: {"checkpoints": [...], "before": the `before`
    of the next (older) page, or None at the first checkpoint}."""
    if not app.db.table_exists("ledger_checkpoints"):
        return {"checkpoints": [], "before": None}
    page = recent_checkpoints(app.db, limit + 1, before=before)
    more = len(page) > limit
    page = page[:limit]
    return {
        "checkpoints": [c.as_json() for c in page],
        "before": page[-1].seq if more else None,
    }


def verifications(app: Registry, *, limit: int = 10) -> list[dict[str, Any]]:
    """The latest verifications, newest first: when, who asked, the outcome, the counts."""
    db = app.db
    if not db.table_exists("ledger_verifications"):
        return []
    rows = db.query(
        "SELECT verified_at, position, link_hash, events, ok, first_position, finding, "
        "seconds, sealed_events, unsealed_events, requested_by FROM ledger_verifications "
        "ORDER BY verified_at DESC LIMIT ?",
        (limit,),
    )
    return [
        {
            "verified_at": row[0],
            "position": row[1],
            "hash": row[2],
            "events": row[3],
            "ok": bool(row[4]),
            "first_position": row[5],
            "finding": row[6],
            "seconds": row[7],
            "sealed_events": row[8],
            "unsealed_events": row[9],
            "requested_by": row[10],
        }
        for row in rows
    ]


def _count_after(app: Registry, position: int) -> int:
    db = app.db
    row = db.query_one(
        f"SELECT count(*) FROM {db.events_table} WHERE {db.position_column} > ?", (position,)
    )
    return int(row[0]) if row else 0


def _tracked_position(app: Registry) -> int | None:
    row = (
        app.db.query_one(
            "SELECT notification_id FROM projection_tracking WHERE "
            "projection = ? AND application_name = ?",
            (LedgerView.name, app.name),
        )
        if _has_tracking(app)
        else None
    )
    return int(row[0]) if row else None


def _has_tracking(app: Registry) -> bool:
    return app.db.table_exists("projection_tracking")


def _record(app: Registry, report: Report, requested_by: str | None) -> None:
    """Keep a trail of verifications (who published what can be checked against it)."""
    ensure_tables(app.db)
    first = report.first
    app.db.execute(
        "INSERT INTO ledger_verifications (verified_at, position, link_hash, events, ok, "
        "first_position, finding, seconds, sealed_events, unsealed_events, requested_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            datetime.now(UTC).isoformat(timespec="microseconds"),
            report.head_position,
            report.head_hash,
            report.events,
            1 if report.ok else 0,
            first.position if first else None,
            first.message if first else None,
            round(report.seconds, 3),
            report.sealed_events,
            report.unsealed_events,
            requested_by,
        ),
    )
