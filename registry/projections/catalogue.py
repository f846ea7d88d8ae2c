"""The registry's views, and their tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

from registry.db import Database
from registry.domain.errors import InvalidInputError
from registry.projections.base import TRACKING_DDL, TRACKING_UPGRADES, View, ViewRecorder

if TYPE_CHECKING:
    from registry.application import Registry


def view_classes() -> list[type[View]]:
    """Every view, in the order they are applied."""
    from registry.ledger.store import LedgerView
    from registry.projections.certificates import CertificateIndexView
    from registry.projections.compliance import ComplianceView
    from registry.projections.directory import DirectoryView
    from registry.projections.statistics import StatisticsView
    from registry.projections.workload import WorkloadView

    return [DirectoryView, ComplianceView, CertificateIndexView, WorkloadView, StatisticsView,
            LedgerView]


def view_names() -> list[str]:
    """The names `registry projections … NAME` accepts."""
    return [cls.name for cls in view_classes()]


def _columns(db: Database, cur, table: str) -> set[str]:
    if db.backend == "sqlite":
        return {row[1] for row in cur.query(f"PRAGMA table_info({table})")}
    return {row[0] for row in cur.query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "AND table_schema = current_schema()", (table,))}


def create_view_tables(db: Database) -> None:
    """Create the tracking table and every view's tables (idempotent)."""
    with db.transaction() as cur:
        cur.execute(TRACKING_DDL)
        present = _columns(db, cur, "projection_tracking")
        for column, statement in TRACKING_UPGRADES:
            if column not in present:
                cur.execute(statement)
        for cls in view_classes():
            for statement in cls.ddl(db.backend):
                cur.execute(statement)


def build_views(app: "Registry", names: list[str] | None = None) -> list[View]:
    """View instances bound to the application's database (all, or those named)."""
    classes = view_classes()
    if names:
        known = {cls.name for cls in classes}
        unknown = set(names) - known
        if unknown:
            raise InvalidInputError(f"Unknown view(s): {', '.join(sorted(unknown))}; "
                                    f"known: {', '.join(view_names())}.", code="unknown_view")
        classes = [cls for cls in classes if cls.name in names]
    return [cls(ViewRecorder(app.db, cls.name), app.name, keys=app.keys) for cls in classes]
