"""The registry's views, and their tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

from registry.db import Database
from registry.projections.base import TRACKING_DDL, View, ViewRecorder

if TYPE_CHECKING:
    from registry.application import Registry


def view_classes() -> list[type[View]]:
    """Every view, in the order they are applied."""
    return []


def create_view_tables(db: Database) -> None:
    """Create the tracking table and every view's tables (idempotent)."""
    with db.transaction() as cur:
        cur.execute(TRACKING_DDL)
        for cls in view_classes():
            for statement in cls.ddl:
                cur.execute(statement)


def build_views(app: "Registry", names: list[str] | None = None) -> list[View]:
    """View instances bound to the application's database (all, or those named)."""
    classes = view_classes()
    if names:
        known = {cls.name for cls in classes}
        unknown = set(names) - known
        if unknown:
            raise ValueError(f"unknown view(s): {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(sorted(known))}")
        classes = [cls for cls in classes if cls.name in names]
    return [cls(ViewRecorder(app.db, cls.name), app.name) for cls in classes]
