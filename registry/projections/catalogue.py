"""The registry's views, and their tables (kept in step with the code that fills them).

Views are disposable: each view's table definitions are fingerprinted, and when the code
defines a view differently from the database (a new column, another index), that view's
tables are dropped and created again and its position reset, so the next catch-up
rebuilds it. Nothing else is touched, and the ledger's checkpoints never.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from registry.domain.errors import ConflictError, InvalidInputError
from registry.projections.base import TRACKING_DDL, TRACKING_UPGRADES, View, ViewRecorder
from registry.projections.deadletters import DEAD_LETTERS_DDL, DEAD_LETTERS_INDEX
from registry.storage import Database, locks

if TYPE_CHECKING:
    from registry.application import Registry


def view_classes() -> list[type[View]]:
    """Every view, in the order they are applied."""
    from registry.ledger.store import LedgerView
    from registry.projections.activity import ActivityView
    from registry.projections.certificates import CertificateIndexView
    from registry.projections.compliance import ComplianceView
    from registry.projections.credentials import CredentialStatusView
    from registry.projections.directory import DirectoryView
    from registry.projections.events import EventIndexView
    from registry.projections.reference import ReferenceView
    from registry.projections.standing import StandingView
    from registry.projections.statistics import StatisticsView
    from registry.projections.workload import WorkloadView

    return [
        DirectoryView,
        ComplianceView,
        CertificateIndexView,
        CredentialStatusView,
        WorkloadView,
        StatisticsView,
        StandingView,
        ActivityView,
        EventIndexView,
        ReferenceView,
        LedgerView,
    ]


def view_names() -> list[str]:
    """The names `registry projections … NAME` accepts."""
    return [cls.name for cls in view_classes()]


SCHEMAS_DDL = (
    "CREATE TABLE IF NOT EXISTS projection_schemas ("
    " projection TEXT PRIMARY KEY, fingerprint TEXT NOT NULL)"
)
OBSOLETE_TABLES = ("compliance_certificates", "workload_certificates")  # early layouts


def fingerprint(cls: type[View], db: Database) -> str:
    """A digest of a view's table definitions on the database's engine."""
    return hashlib.sha256("\n".join(cls.ddl(db)).encode()).hexdigest()[:16]


def create_view_tables(db: Database) -> list[str]:
    """Create the tracking table and every view's tables; recreate (empty, position reset)
    those of any view whose definition changed. Returns the names of the views reset."""
    reset = []
    with db.transaction() as cur:
        cur.lock(locks.VIEWS)  # concurrent starters upgrade one at a time
        cur.execute(TRACKING_DDL)
        present = db.columns("projection_tracking", cur)
        for column, statement in TRACKING_UPGRADES:
            if column not in present:
                cur.execute(statement)
        cur.execute(SCHEMAS_DDL)
        cur.execute(DEAD_LETTERS_DDL)
        cur.execute(DEAD_LETTERS_INDEX)
        stored = dict(cur.query("SELECT projection, fingerprint FROM projection_schemas"))
        for cls in view_classes():
            wanted = fingerprint(cls, db)
            if stored.get(cls.name) == wanted:
                continue
            if cls.tables:  # a view with tables of its own: start it afresh
                for table in cls.tables:
                    for statement in db.drop_ddl(table):
                        cur.execute(statement)
                cur.execute("DELETE FROM projection_tracking WHERE projection = ?", (cls.name,))
                if cls.name in stored:
                    reset.append(cls.name)
            for statement in cls.ddl(db):
                cur.execute(statement)
            cls.upgrade(cur)
            cur.execute(
                "INSERT INTO projection_schemas (projection, fingerprint) VALUES (?, ?) "
                "ON CONFLICT (projection) DO UPDATE SET fingerprint = excluded.fingerprint",
                (cls.name, wanted),
            )
        if reset or not stored:
            for obsolete in OBSOLETE_TABLES:
                cur.execute(f"DROP TABLE IF EXISTS {obsolete}")
    return reset


def stale_views(db: Database) -> list[str]:
    """The views whose tables differ from their definition in the code (read-only check)."""
    with db.reading() as cur:
        if not db.columns("projection_schemas", cur):
            return view_names()
        if not db.columns("view_dead_letters", cur):  # a database from before the list
            return view_names()
        stored = dict(cur.query("SELECT projection, fingerprint FROM projection_schemas"))
    return [cls.name for cls in view_classes() if stored.get(cls.name) != fingerprint(cls, db)]


def ensure_views_current(db: Database) -> list[str]:
    """Bring stale views' tables in step (see `create_view_tables`); returns those reset.

    Only a role allowed DDL can: the application role of a least-privilege deployment
    gets a clear error saying to run `registry init` as the owner role.
    """
    if not stale_views(db):
        return []
    try:
        return create_view_tables(db)
    except Exception as error:
        raise ConflictError(
            "The views' tables differ from this version of the registry and this database "
            "role may not change them: run `registry init` as the owner role, then start "
            f"again ({type(error).__name__}: {error}).".replace("\n", " "),
            code="views_out_of_date",
        ) from error


def build_views(app: Registry, names: list[str] | None = None) -> list[View]:
    """View instances bound to the application's database (all, or those named), their
    tables brought in step with the code first."""
    ensure_views_current(app.db)
    classes = view_classes()
    if names:
        known = {cls.name for cls in classes}
        unknown = set(names) - known
        if unknown:
            raise InvalidInputError(
                f"Unknown view(s): {', '.join(sorted(unknown))}; known: {', '.join(view_names())}.",
                code="unknown_view",
            )
        classes = [cls for cls in classes if cls.name in names]
    return [cls(ViewRecorder(app.db, cls.name), app.name, keys=app.keys) for cls in classes]
