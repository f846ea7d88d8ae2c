"""How far each view has still to go.

A view's position can trail the log's head only because the events after it are of
types the view does not handle (accounts written while no follower ran): it is then
caught up, as nothing it would show is missing. `pending` counts the events after its
position that it handles; the ledger, which chains every event, handles them all.
When a follower last looked at the log is `registry.projections.checks`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from eventsourcing.utils import resolve_topic

from registry.projections.base import View
from registry.projections.catalogue import view_classes
from registry.queries.audit import AuditQueries

if TYPE_CHECKING:
    from registry.application import Registry


def handled_types(cls: type[View]) -> frozenset[str] | None:
    """The event types a view applies (None: every type, as the ledger does)."""
    if not cls.handlers and cls.apply is not View.apply:
        return None
    return frozenset(cls.handlers)


def _pending_by_type(app: Registry, after: int) -> dict[str, int]:
    """How many events of each type the log holds after a position."""
    column, table = app.db.position_column, app.db.events_table
    counts: dict[str, int] = {}
    for topic, count in app.db.query(
        f"SELECT topic, COUNT(*) FROM {table} WHERE {column} > ? GROUP BY topic", (after,)
    ):
        try:
            kind = resolve_topic(topic).__qualname__
        except Exception:  # a type this version no longer has: no view handles it
            kind = topic.rpartition(":")[2]
        counts[kind] = counts.get(kind, 0) + int(count)
    return counts


def views_standing(app: Registry, names: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Each view's {name, position, head, lag, pending, caught_up, updated_at, rate}:
    `pending` is how many events after its position it handles (0: caught up)."""
    rows = {r["name"]: r for r in AuditQueries(app).views_status()}
    by_position: dict[int, dict[str, int]] = {}
    answer = []
    for cls in view_classes():
        if names and cls.name not in names:
            continue
        row = dict(rows[cls.name])
        position = row["position"]
        if position >= row["head"]:
            pending = 0
        else:
            if position not in by_position:
                by_position[position] = _pending_by_type(app, position)
            counts = by_position[position]
            wanted = handled_types(cls)
            pending = sum(n for kind, n in counts.items() if wanted is None or kind in wanted)
        answer.append({**row, "pending": pending, "caught_up": pending == 0})
    return answer


def pending_at_most(app: Registry, cls: type[View], position: int, bound: int) -> int:
    """How many events after `position` a view handles, counted no further than
    `bound + 1`: a readiness probe must stay cheap however far behind a view is."""
    wanted = handled_types(cls)
    column, table = app.db.position_column, app.db.events_table
    where = f"{column} > ?"
    params: list[object] = [position]
    if wanted is not None:
        where += " AND (" + " OR ".join(["topic LIKE ?"] * len(wanted)) + ")"
        params += [f"%:{kind}" for kind in sorted(wanted)]
    row = app.db.query_one(
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {where} LIMIT ?) AS pending",
        [*params, bound + 1],
    )
    return int(row[0]) if row else 0
