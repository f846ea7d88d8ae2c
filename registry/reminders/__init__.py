"""Reminders decided by the event log, delivered through an outbox (issue 14).

Each day (`registry reminders run`, a systemd timer in production) the registry judges
every teacher in service on that date by the compliance rule and decides the notices due:
180 and 60 days before the due date, on becoming overdue, and escalations to the school
head after 30 days overdue and to the district education department after 90. A decision
is a `Reminder` event whose id is derived from (teacher, kind, due date), so a second
decision about the same notice collides in the event store: at most once whatever runs
at the same time or again. Each decision gets one outbox row (`registry.reminders.mail`
sends it). A teacher without an e-mail, or a school or district without a contact, gets
no decision yet: it is taken on a later day once the address is known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from registry.access import Actor
from registry.application import Registry
from registry.domain.compliance import (
    INACTIVE,
    OVERDUE,
    CertificateFact,
    DepartureFact,
    evaluate,
)
from registry.domain.errors import ConflictError
from registry.domain.reference import spellings_of
from registry.domain.reminder import (
    KINDS,
    RecipientContact,
    Reminder,
    recipient_key,
    reminder_id,
)
from registry.projections.codec import date_value
from registry.queries.common import CERTIFICATE_FACT_COLUMNS, certificate_fact, load_policies
from registry.reminders import mail
from registry.reminders.messages import compose
from registry.storage.schema import OUTBOX_TABLE, ensure_outbox_table

REMINDERS = Actor.system("reminders", via="reminders")


@dataclass
class TeacherFacts:
    id: str
    full_name: str
    district: str
    school: str
    service_start: date
    departed_on: date | None
    certificates: list[CertificateFact] = field(default_factory=list)


def load_facts(app: Registry) -> tuple[list[TeacherFacts], list[Any]]:
    """Every teacher's facts for the rule, and the policies (read from the primary)."""
    with app.db.reading(snapshot=True) as cur:
        teachers = {
            r[0]: TeacherFacts(
                id=r[0],
                full_name=r[1],
                district=r[2],
                school=r[3],
                service_start=date_value(r[4]),
                departed_on=date_value(r[5]),
            )
            for r in cur.query(
                "SELECT id, full_name, district, school, service_start, departed_on FROM teachers"
            )
        }
        for c in cur.query(f"SELECT teacher_id, {CERTIFICATE_FACT_COLUMNS} FROM certificate_index"):
            if c[0] in teachers:
                teachers[c[0]].certificates.append(certificate_fact(c[1:]))
        policies = load_policies(cur)
    return sorted(teachers.values(), key=lambda t: t.id), policies


def _status(t: TeacherFacts, policies: list[Any], as_of: date, now: datetime):
    departures = [DepartureFact(t.departed_on, now)] if t.departed_on else []
    return evaluate(
        service_start=t.service_start,
        certificates=t.certificates,
        departures=departures,
        policies=policies,
        as_of=as_of,
        known_at=now,
    )


def overdue_since(t: TeacherFacts, policies: list[Any], day: date, now: datetime) -> date | None:
    """The first day of the teacher's present overdue stretch (its due date)."""
    moments = {t.service_start} | {c.issued_on for c in t.certificates if c.issued_on <= day}
    candidates = set()
    for moment in moments:
        due = _status(t, policies, moment, now).next_due
        if due is not None and due <= day:
            candidates.add(due)
    for due in sorted(candidates, reverse=True):
        if (
            _status(t, policies, due, now).status == OVERDUE
            and _status(t, policies, due - timedelta(days=1), now).status != OVERDUE
        ):
            return due
    return None


def notices_due(
    t: TeacherFacts, policies: list[Any], day: date, now: datetime
) -> list[tuple[str, date]]:
    """(kind, due date) of the notices the rule calls for on `day`."""
    if t.departed_on is not None and t.departed_on <= day:
        return []  # departed teachers get nothing
    verdict = _status(t, policies, day, now)
    if verdict.status == INACTIVE:
        return []
    if verdict.status != OVERDUE:
        due = verdict.next_due
        if due is None:
            return []
        if due - timedelta(days=180) <= day < due - timedelta(days=60):
            return [("due_in_180_days", due)]
        if due - timedelta(days=60) <= day < due:
            return [("due_in_60_days", due)]
        return []
    since = overdue_since(t, policies, day, now)
    if since is None:
        return []
    return [
        (kind, since)
        for kind, (role, offset) in KINDS.items()
        if offset >= 0 and day >= since + timedelta(days=offset)
    ]


def _recipient(app: Registry, t: TeacherFacts, role: str) -> tuple[str | None, str]:
    """(address, language) of who a notice goes to; no address when none is known."""
    teacher: Any = app.repository.get(UUID(t.id))
    language = teacher.language
    if role == "teacher":
        return teacher.email, language
    # The contact may be recorded under the district's code or any of its names (teachers
    # carry codes since the reference lists; contacts and old records may carry names).
    for district in spellings_of("districts", t.district):
        try:
            contact: Any = app.repository.get(
                RecipientContact.id_for(role, recipient_key(role, district, t.school))
            )
        except Exception:  # AggregateNotFoundError: no contact recorded under this one
            continue
        return contact.email, language
    return None, language


def _decided(app: Registry, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    with app.db.reading() as cur:
        marks = ", ".join("?" for _ in ids)
        return {
            r[0] for r in cur.query(f"SELECT id FROM {OUTBOX_TABLE} WHERE id IN ({marks})", ids)
        }


def decide(
    app: Registry, day: date, *, dry_run: bool = False, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Decide (or, dry, list) the notices due on `day`; each {teacher_id, kind, due_date,
    recipient_role, recipient, outcome: decided | already | no_address | would_send}."""
    now = now or datetime.now(UTC)  # the outbox's clock; the rule judges by all known now
    ensure_outbox_table(app.db)
    teachers, policies = load_facts(app)
    known_at = datetime.now(UTC)
    wanted = [
        (t, kind, due) for t in teachers for kind, due in notices_due(t, policies, day, known_at)
    ]
    already = _decided(app, [str(reminder_id(UUID(t.id), k, d)) for t, k, d in wanted])
    out = []
    for t, kind, due in wanted:
        rid = reminder_id(UUID(t.id), kind, due)
        role = KINDS[kind][0]
        item = {
            "teacher_id": t.id,
            "kind": kind,
            "due_date": due,
            "recipient_role": role,
            "recipient": None,
        }
        out.append(item)
        if str(rid) in already:
            item["outcome"] = "already"
            continue
        address, language = _recipient(app, t, role)
        item["recipient"] = address
        if address is None:
            item["outcome"] = "no_address"
            continue
        if dry_run:
            item["outcome"] = "would_send"
            continue
        item["outcome"] = _record(app, t, rid, kind, due, day)
        subject, text, html = compose(kind, role, language, t.full_name, t.school, due)
        with app.db.transaction() as cur:  # also repairs a decision whose row was lost
            cur.execute(
                f"INSERT INTO {OUTBOX_TABLE} (id, teacher_id, kind, due_date, recipient, "
                "subject, body_text, body_html, state, attempts, next_attempt_at, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (id) DO NOTHING",
                (
                    str(rid),
                    t.id,
                    kind,
                    due.isoformat(),
                    address,
                    subject,
                    text,
                    html,
                    mail._text(now),
                    mail._text(now),
                ),
            )
    return out


def _record(app: Registry, t: TeacherFacts, rid: UUID, kind: str, due: date, day: date) -> str:
    """Save the decision; "already" when another run saved it first."""

    def body(session) -> dict[str, Any]:
        if session.find(rid) is not None:
            raise ConflictError("This notice was decided already.", code="already_decided")
        session.add(Reminder.decide(UUID(t.id), kind, due, day))
        return {"id": str(rid)}

    try:
        app.commands.run(REMINDERS, "decide_reminder", {"id": str(rid)}, body)
    except (ConflictError, IntegrityError):
        return "already"
    return "decided"


def run(
    app: Registry, day: date, *, dry_run: bool = False, now: datetime | None = None
) -> dict[str, Any]:
    """The daily tick: decide the day's notices, then deliver what waits."""
    now = now or datetime.now(UTC)
    decided = decide(app, day, dry_run=dry_run, now=now)
    delivered = (
        {"sent": 0, "retry": 0, "failed": 0, "unknown": 0}
        if dry_run
        else mail.deliver(app.db, app.settings, now)
    )
    return {"notices": decided, "delivery": delivered}


def set_recipient(
    app: Registry, actor: Actor, role: str, district: str, school: str | None, name: str, email: str
) -> Any:
    """Record (or change) the contact of a school head or a district department; the
    command's result."""
    actor.require("manage_contacts")
    key = recipient_key(role, district, school)

    def body(session) -> dict[str, Any]:
        existing = session.find(RecipientContact.id_for(role, key))
        if existing is None:
            session.add(RecipientContact.set(role, key, name, email))
        else:
            existing.change(name, email)
        contact = session.find(RecipientContact.id_for(role, key))
        return {"role": role, "key": key, "name": contact.name, "email": contact.email}

    return app.commands.run(actor, "set_recipient", {"role": role, "key": key}, body)


__all__ = ["decide", "notices_due", "overdue_since", "run", "set_recipient"]
