"""Reminders: a decision to tell someone that a teacher's upgrade is due, and who to tell.

A `Reminder`'s id is derived from (teacher, kind, due date), so the event store itself
refuses a second decision about the same notice: at most once across restarts and two
running processes. A new due date (after a course, or a revocation) is a new cycle.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from registry.domain.base import RegistryAggregate, natural_id
from registry.domain.errors import RuleViolationError
from registry.domain.values import check_email, check_text

# kind: (recipient role, days relative to the due date from which it is decided)
KINDS: dict[str, tuple[str, int]] = {
    "due_in_180_days": ("teacher", -180),
    "due_in_60_days": ("teacher", -60),
    "overdue": ("teacher", 0),
    "overdue_30_days": ("school_head", 30),
    "overdue_90_days": ("district_department", 90),
}
RECIPIENT_ROLES = ("school_head", "district_department")


def reminder_id(teacher_id: UUID, kind: str, due: date) -> UUID:
    return natural_id("reminder", f"{teacher_id}|{kind}|{due.isoformat()}")


class Reminder(RegistryAggregate):
    """One notice about one teacher's due date, sent (to the outbox, which the mail
    delivers) once: the spec's `Reminder.Sent` (kind, channel, recipient role)."""

    @event("Sent")
    def __init__(
        self,
        teacher_id: UUID,
        kind: str,
        channel: str,
        recipient_role: str,
        due_date: date,
        decided_for: date,
    ):
        self.teacher_id = teacher_id
        self.kind = kind
        self.channel = channel
        self.recipient_role = recipient_role
        self.due_date = due_date
        self.decided_for = decided_for

    @classmethod
    def decide(cls, teacher_id: UUID, kind: str, due_date: date, decided_for: date) -> Reminder:
        if kind not in KINDS:
            raise RuleViolationError(f"Unknown reminder kind {kind}.", field="kind")
        return cls._create(
            cls.Sent,  # type: ignore[attr-defined]
            id=reminder_id(teacher_id, kind, due_date),
            teacher_id=teacher_id,
            kind=kind,
            channel="email",
            recipient_role=KINDS[kind][0],
            due_date=due_date,
            decided_for=decided_for,
        )


# Recorded before 2026-12-02 as `Reminder.Decided` (the same fields): the old topic still
# resolves, to this class, so those events load, and read as `Reminder.Sent` everywhere.
Reminder.Decided = Reminder.Sent  # type: ignore[attr-defined]


def recipient_key(role: str, district: str, school: str | None = None) -> str:
    """The key of a school head (district + school) or a district department (district)."""
    if role == "school_head":
        return f"{district}|{' '.join((school or '').casefold().split())}"
    return district


class RecipientContact(RegistryAggregate):
    """The e-mail of a school head or a district education department (admin-managed)."""

    @event("Set")
    def __init__(self, role: str, key: str, name: str, email: str):
        self.role, self.key, self.name, self.email = role, key, name, email

    @staticmethod
    def id_for(role: str, key: str) -> UUID:
        return natural_id("recipient", f"{role}|{key}")

    @classmethod
    def set(cls, role: str, key: str, name: str, email: str) -> RecipientContact:
        if role not in RECIPIENT_ROLES:
            raise RuleViolationError(
                f"role must be one of: {', '.join(RECIPIENT_ROLES)}.", field="role"
            )
        return cls._create(
            cls.Set,  # type: ignore[attr-defined]
            id=cls.id_for(role, key),
            role=role,
            key=key,
            name=check_text(name, "name"),
            email=check_email(email),
        )

    def change(self, name: str, email: str) -> None:
        self._changed(name=check_text(name, "name"), email=check_email(email))

    @event("Changed")
    def _changed(self, name: str, email: str) -> None:
        self.name, self.email = name, email
