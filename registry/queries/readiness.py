"""Whether this registry can answer rightly now: what `/readyz` and the admin page report.

Ready means: the database answers; no view has more than `max_pending` events it handles
still to apply (counted no further than that bound, so a probe stays cheap); no event has
been set aside by a view (a dead letter makes some answer incomplete until an operator
has looked at it); no reminder is stuck in the outbox (failed after every retry, or
cut off mid-send with its outcome unknown: only an administrator can send it on, and
until then a teacher is not told); and, when the reads go to a hot standby,
that it is still one and trails the primary by at most `max_standby_lag_s` seconds of
replay and `max_pending` events. Each failed check says why. Letters that wait for
their next try are reported, not a reason: retrying is the outbox's own work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from registry.projections import deadletters
from registry.projections.catalogue import view_classes
from registry.queries.audit import AuditQueries
from registry.queries.progress import pending_at_most
from registry.storage.schema import OUTBOX_DONE_STATES, OUTBOX_STUCK_STATES, OUTBOX_TABLE

if TYPE_CHECKING:
    from registry.application import Registry
    from registry.storage import Database

MAX_PENDING = 10_000  # events a view may trail by (a catch-up clears that in about a second)


@dataclass
class Readiness:
    """The checks' outcome: ready only when every check passed."""

    checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return all(check["ok"] for check in self.checks.values())

    @property
    def reasons(self) -> list[str]:
        """Why not ready, one line per failed check."""
        return [check["why"] for check in self.checks.values() if not check["ok"]]

    def as_json(self) -> dict[str, Any]:
        return {"ready": self.ready, "reasons": self.reasons, "checks": self.checks}


def readiness(app: Registry, max_pending: int = MAX_PENDING) -> Readiness:
    """Run every check (a failing database makes the others moot)."""
    result = Readiness()
    try:
        app.db.query("SELECT 1")
    except Exception as error:  # the database's own words say why
        result.checks["database"] = {
            "ok": False,
            "why": "the database does not answer: " + deadletters.describe(error),
        }
        return result
    result.checks["database"] = {"ok": True}
    rows = {row["name"]: row for row in AuditQueries(app).views_status()}
    pending = {}
    for cls in view_classes():
        row = rows[cls.name]
        behind_head = row["head"] > row["position"]
        pending[cls.name] = (
            pending_at_most(app, cls, row["position"], max_pending) if behind_head else 0
        )
    behind = {name: n for name, n in pending.items() if n > max_pending}
    result.checks["views"] = {"ok": not behind, "pending": pending}
    if behind:
        result.checks["views"]["why"] = (
            f"views behind the log by more than {max_pending:,} events: "
            + ", ".join(f"{n} ({p:,}+)" for n, p in behind.items())
        )
    if app.read_db is not app.db:
        result.checks["standby"] = _standby_check(app, max_pending)
    letters = deadletters.count(app.db, app.name)
    result.checks["dead_letters"] = {"ok": letters == 0, "count": letters}
    if letters:
        result.checks["dead_letters"]["why"] = (
            f"{letters:,} event(s) set aside by the views (see `registry projections "
            "status` or the admin's views page)"
        )
    backlog = outbox_backlog(app.db)
    stuck = sum(backlog[state] for state in OUTBOX_STUCK_STATES)
    result.checks["reminders"] = {"ok": stuck == 0, **backlog}
    if stuck:
        result.checks["reminders"]["why"] = (
            f"{stuck:,} reminder(s) stuck in the outbox ({backlog['failed']:,} failed after "
            f"every retry, {backlog['unknown']:,} with an unknown outcome): an administrator "
            "must try them again or set them aside (the admin's outbox page, /admin/outbox)"
        )
    return result


def outbox_backlog(db: Database) -> dict[str, Any]:
    """The reminders' outbox: rows waiting (pending, being sent), those an operator must
    look at (outcome unknown, failed after every retry), and the oldest waiting; rows
    sent or set aside by an administrator are done."""
    out: dict[str, Any] = {"pending": 0, "sending": 0, "unknown": 0, "failed": 0}
    out["oldest_pending"] = None
    if not db.table_exists(OUTBOX_TABLE):
        return out
    with db.reading() as cur:
        rows = cur.query(
            f"SELECT state, COUNT(*), MIN(created_at) FROM {OUTBOX_TABLE} "
            f"WHERE state NOT IN ({', '.join('?' * len(OUTBOX_DONE_STATES))}) GROUP BY state",
            OUTBOX_DONE_STATES,
        )
    for state, count, oldest in rows:
        out[state] = int(count)
        if state == "pending":
            out["oldest_pending"] = oldest
    return out


def _standby_check(app: Registry, max_pending: int) -> dict[str, Any]:
    """The standby the reads go to: reachable, still in recovery, not too far behind."""
    try:
        lag = app.standby_lag()
    except Exception as error:  # the standby's own words say why
        return {"ok": False, "why": "the standby does not answer: " + deadletters.describe(error)}
    assert lag is not None  # only asked when the reads go to a standby
    bound = app.settings.max_standby_lag_s
    check: dict[str, Any] = {"lag_seconds": lag.seconds, "lag_events": lag.events}
    if not lag.in_recovery:
        why = (
            "the read database is no longer a standby (promoted?): its data may differ "
            "from the primary's"
        )
    elif lag.seconds is not None and lag.seconds > bound:
        why = (
            f"the standby's replay is {lag.seconds:.1f} s behind the primary (at most {bound:g} s)"
        )
    elif lag.events > max_pending:
        why = f"the standby lacks {lag.events:,} events of the primary (at most {max_pending:,})"
    else:
        return {"ok": True, **check}
    return {"ok": False, "why": why, **check}
