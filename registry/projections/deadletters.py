"""Events a view could not apply: set aside with the error, so the view goes on.

The log is append-only, so an event that no version of a view can store (a NUL that
PostgreSQL's text refuses, a shape a handler does not understand) would otherwise stop
that view for ever. The worker records it here instead and moves past it; status,
`/readyz` and the admin page show the list, and reads about the aggregate concerned say
their answer is incomplete. A rebuild empties a view's list and meets its events again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from registry.projections.codec import id_text, time_text
from registry.storage import Cursor, Database
from registry.storage.facts import Fact

DEAD_LETTERS_DDL = (
    "CREATE TABLE IF NOT EXISTS view_dead_letters ("
    " projection TEXT NOT NULL, application_name TEXT NOT NULL,"
    " position INTEGER NOT NULL, event_type TEXT NOT NULL, originator_id TEXT NOT NULL,"
    " subject_id TEXT, error TEXT NOT NULL, set_aside_at TEXT NOT NULL,"
    " PRIMARY KEY (projection, application_name, position))"
)
DEAD_LETTERS_INDEX = (
    "CREATE INDEX IF NOT EXISTS view_dead_letters_subject ON view_dead_letters (subject_id)"
)
_ERROR_LENGTH = 2000


@dataclass(frozen=True)
class DeadLetter:
    """One event a view set aside."""

    projection: str
    position: int
    event_type: str
    originator_id: str
    subject_id: str | None
    error: str
    set_aside_at: str

    def as_json(self) -> dict[str, Any]:
        return {
            "view": self.projection,
            "position": self.position,
            "type": self.event_type,
            "originator_id": self.originator_id,
            "subject_id": self.subject_id,
            "error": self.error,
            "set_aside_at": self.set_aside_at,
        }


def subject_of(fact: Fact) -> str | None:
    """The teacher an event is about, where the event itself says so."""
    if fact.type.startswith("Teacher."):
        return id_text(fact.originator_id)
    teacher = fact.data.get("teacher_id") if isinstance(fact.data, dict) else None
    if isinstance(teacher, UUID):
        return id_text(teacher)
    if isinstance(teacher, str):
        return teacher
    return None


# Where the views keep the teacher of a certificate or an enrolment, for events (a
# revocation, an assessment) that do not name the teacher themselves.
_TEACHER_OF = (("Certificate.", "certificate_index"), ("Enrolment.", "enrolments"))


def _subject_on_record(cur: Cursor, fact: Fact) -> str | None:
    """The teacher of the certificate or enrolment an event is about, as the views hold
    it: resolved once, when the event is set aside, so that a teacher's reads find it by
    the teacher's id alone."""
    for prefix, table in _TEACHER_OF:
        if fact.type.startswith(prefix) and cur.db.table_exists(table):
            row = cur.query_one(
                f"SELECT teacher_id FROM {table} WHERE id = ?", (id_text(fact.originator_id),)
            )
            return row[0] if row else None
    return None


def describe(error: BaseException) -> str:
    """The error as one storable line of text (no NUL, bounded)."""
    text = f"{type(error).__name__}: {error}".replace("\x00", "\\x00")
    return " ".join(text.split())[:_ERROR_LENGTH]


def record(cur: Cursor, projection: str, app_name: str, fact: Fact, error: BaseException) -> None:
    """Set an event aside for a view (once: a second meeting keeps the first record)."""
    from registry.domain.clock import now

    cur.execute(
        "INSERT INTO view_dead_letters (projection, application_name, position, event_type, "
        "originator_id, subject_id, error, set_aside_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (projection, application_name, position) DO NOTHING",
        (
            projection,
            app_name,
            fact.position,
            fact.type,
            id_text(fact.originator_id),
            subject_of(fact) or _subject_on_record(cur, fact),
            describe(error),
            time_text(now()),
        ),
    )


def clear(cur: Cursor, projection: str, app_name: str) -> None:
    """Forget a view's dead letters (it is about to be rebuilt and will meet them again)."""
    cur.execute(
        "DELETE FROM view_dead_letters WHERE projection = ? AND application_name = ?",
        (projection, app_name),
    )


def listed(db: Database, app_name: str, limit: int = 100) -> list[DeadLetter]:
    """The dead letters of every view, oldest event first."""
    rows = db.query(
        "SELECT projection, position, event_type, originator_id, subject_id, "
        "error, set_aside_at FROM view_dead_letters WHERE application_name = ? "
        "ORDER BY position, projection LIMIT ?",
        (app_name, limit),
    )
    return [DeadLetter(*row) for row in rows]


def count(db: Database, app_name: str) -> int:
    """How many events some view has set aside."""
    row = db.query_one(
        "SELECT COUNT(*) FROM view_dead_letters WHERE application_name = ?", (app_name,)
    )
    return int(row[0]) if row else 0


def concerning(cur: Cursor, app_name: str, teacher_id: str) -> list[DeadLetter]:
    """The dead letters about a teacher: events of the teacher or of their records."""
    rows = cur.query(
        "SELECT projection, position, event_type, originator_id, subject_id, error, "
        "set_aside_at FROM view_dead_letters WHERE application_name = ? AND "
        "(subject_id = ? OR originator_id = ?) ORDER BY position",
        (app_name, teacher_id, teacher_id),
    )
    return [DeadLetter(*row) for row in rows]
