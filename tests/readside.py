"""Helpers for read-side tests: bring the views up to date, dump them, pin recorded times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from registry.bootstrap import open_worker
from registry.projections.catalogue import view_classes
from registry.queries import Queries

UTC = UTC
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday morning, for recorded times


def at(hours: float) -> datetime:
    """A recorded time `hours` after T0."""
    return T0 + timedelta(hours=hours)


def caught_up(registry) -> Queries:
    """The queries, after every view has applied every event."""
    open_worker(registry).catch_up()
    return Queries(registry)


def dump(registry) -> dict[str, list[tuple]]:
    """Every row of every view table, in a stable order."""
    names = [t.name for cls in view_classes() for t in cls.tables]
    return {name: sorted(registry.db.query(f"SELECT * FROM {name}"), key=repr) for name in names}
