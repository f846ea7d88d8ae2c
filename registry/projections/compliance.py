"""The compliance view: per teacher, every fact the compliance rule needs, with its recorded time.

Spec §7 is answered for any as_of date *and any known_at moment* straight from the views:
service_start keeps every value it had and when each was recorded, the departure keeps
its recorded time, and the certificates are the certificate index's rows, each with
when it was recorded and when (if ever) its revocation was. Nothing is overwritten that
a past question needs. The teacher row also carries the current details (profile,
search). (The certificates are not copied here: one table of them, written once per
certificate, keeps a rebuild cheaper.)
"""

from __future__ import annotations

from registry.domain.search import fold, search_key
from registry.projections.base import View
from registry.projections.codec import date_text, id_text, time_text
from registry.projections.rows import Batch, Row
from registry.storage.facts import Fact
from registry.storage.tables import Table

TEACHERS = Table(
    "teachers",
    (
        ("id", "TEXT"),
        ("pin", "TEXT"),
        ("previous_pins", "TEXT"),
        ("full_name", "TEXT"),
        ("region", "TEXT"),
        ("district", "TEXT"),
        ("school", "TEXT"),
        ("subject", "TEXT"),
        ("position", "TEXT"),
        ("service_start", "TEXT"),
        ("departed_on", "TEXT"),
        ("departed_at", "TEXT"),
        ("departure_reason", "TEXT"),
        ("registered_at", "TEXT"),
        ("name_key", "TEXT"),
        ("school_key", "TEXT"),
        ("search_key", "TEXT"),
        ("name_words", "TEXT"),
    ),
    key=("id",),
    # registered_at: the earliest registration bounds "as known at" (registry.queries.known).
    indexes=(("full_name", "id"), ("region", "full_name", "id"), ("registered_at",)),
    # name_words: the name's part of search_key alone, for what a school does not match
    # (registry.queries.search).
    search=("search_key", "name_words"),
)

# How many teachers each school has (by its region, district and name as the teachers'
# rows have them, and its folded name): a search counts the teachers of the schools
# whose name has every word typed from here, without reading their rows
# (registry.queries.search). A school's row stays, at 0, when its last teacher leaves.
TEACHER_SCHOOLS = Table(
    "teacher_schools",
    (
        ("region", "TEXT"),
        ("district", "TEXT"),
        ("school", "TEXT"),
        ("school_key", "TEXT"),
        ("teachers", "INTEGER"),
    ),
    key=("region", "district", "school", "school_key"),
    counters=("teachers",),
)

TEACHER_PINS = Table(
    "teacher_pins",
    (("pin", "TEXT"), ("teacher_id", "TEXT"), ("recorded_at", "TEXT")),
    key=("pin",),
    indexes=(("teacher_id",),),
)

SERVICE_STARTS = Table(
    "teacher_service_starts",
    (
        ("teacher_id", "TEXT"),
        ("position", "INTEGER"),
        ("service_start", "TEXT"),
        ("recorded_at", "TEXT"),
    ),
    key=("teacher_id", "position"),
)


# A teacher's name, PIN, subject and position after each event that set them, with when
# it was recorded: the due lists as known at a moment (registry.queries.standing) read
# the latest version recorded by then. (`seq` is the event's position.)
TEACHER_VERSIONS = Table(
    "teacher_versions",
    (
        ("teacher_id", "TEXT"),
        ("seq", "INTEGER"),
        ("recorded_at", "TEXT"),
        ("pin", "TEXT"),
        ("full_name", "TEXT"),
        ("subject", "TEXT"),
        ("position", "TEXT"),
    ),
    key=("teacher_id", "seq"),
)
VERSIONED = ("pin", "full_name", "subject", "position")


def with_search_keys(row: Row) -> Row:
    """The row with what a search compares (`registry.domain.search`): the folded name,
    the folded school, and the key the trigram index finds both by."""
    row["name_key"] = fold(row["full_name"] or "")
    row["school_key"] = fold(row["school"] or "")
    row["search_key"] = search_key(row["full_name"], row["school"])
    row["name_words"] = search_key(row["full_name"])
    return row


def _school_of(row: Row) -> tuple[str, str, str, str]:
    """A teacher's school as TEACHER_SCHOOLS keys it."""
    return (row["region"] or "", row["district"] or "", row["school"] or "", row["school_key"])


class ComplianceView(View):
    """Teachers with their PINs, service starts and departures, bitemporally."""

    name = "compliance"
    weight = 16.0  # µs of CPU per event of a rebuild of it alone, less the shared read
    tables = (TEACHERS, TEACHER_PINS, SERVICE_STARTS, TEACHER_VERSIONS, TEACHER_SCHOOLS)
    handlers = {
        "Teacher.Registered": "registered",
        "Teacher.Transferred": "transferred",
        "Teacher.Departed": "departed",
        "Teacher.Corrected": "corrected",
    }
    loads = {
        "Teacher.Transferred": ("teachers",),
        "Teacher.Departed": ("teachers",),
        "Teacher.Corrected": ("teachers",),
    }

    def registered(self, batch: Batch, fact: Fact) -> None:
        """A new teacher: details, first PIN and first service start."""
        d, teacher_id, at = fact.data, id_text(fact.originator_id), time_text(fact.recorded_at)
        row = {
            "id": teacher_id,
            "pin": d["pin"],
            "previous_pins": None,
            "full_name": d["full_name"],
            "region": d["region"],
            "district": d["district"],
            "school": d["school"],
            "subject": d["subject"],
            "position": d["position"],
            "service_start": date_text(d["service_start"]),
            "departed_on": None,
            "departed_at": None,
            "departure_reason": None,
            "registered_at": at,
        }
        batch["teachers"].put(with_search_keys(row))
        batch["teacher_schools"].add(_school_of(row), teachers=1)
        self._version(batch, fact, row)
        batch["teacher_pins"].put({"pin": d["pin"], "teacher_id": teacher_id, "recorded_at": at})
        batch["teacher_service_starts"].put(
            {
                "teacher_id": teacher_id,
                "position": fact.position,
                "service_start": row["service_start"],
                "recorded_at": at,
            }
        )

    def transferred(self, batch: Batch, fact: Fact) -> None:
        # The profile shows where the teacher works now, as the write side does; the
        # effective-dated history is the statistics view's.
        """The teacher works at another school now."""
        d = fact.data
        row = batch["teachers"].get(id_text(fact.originator_id))
        if row is None:
            return
        before = _school_of(row)
        batch["teachers"].update(
            row["id"], region=d["region"], district=d["district"], school=d["school"]
        )
        with_search_keys(row)  # the same dict the batch writes
        self._moved(batch, before, row)

    def departed(self, batch: Batch, fact: Fact) -> None:
        """The teacher left service (with when that was recorded)."""
        batch["teachers"].update(
            id_text(fact.originator_id),
            departed_on=date_text(fact.data["effective_on"]),
            departed_at=time_text(fact.recorded_at),
            departure_reason=fact.data["reason"],
        )

    def corrected(self, batch: Batch, fact: Fact) -> None:
        """Corrected details; a new PIN and a new service start are kept beside the old."""
        teacher_id, at = id_text(fact.originator_id), time_text(fact.recorded_at)
        row = batch["teachers"].get(teacher_id)
        if row is None:
            return
        changes = {
            k: date_text(v) if k == "service_start" else v for k, v in fact.data["changes"].items()
        }
        if "pin" in changes and changes["pin"] != row["pin"]:
            earlier = [p for p in (row["previous_pins"] or "").split() if p != changes["pin"]]
            changes["previous_pins"] = " ".join(earlier + [row["pin"]])
            if batch["teacher_pins"].get(changes["pin"]) is None:
                batch["teacher_pins"].put(
                    {"pin": changes["pin"], "teacher_id": teacher_id, "recorded_at": at}
                )
        if "service_start" in changes:
            batch["teacher_service_starts"].put(
                {
                    "teacher_id": teacher_id,
                    "position": fact.position,
                    "service_start": changes["service_start"],
                    "recorded_at": at,
                }
            )
        before = _school_of(row)
        row.update(changes)
        batch["teachers"].put(with_search_keys(row))
        self._moved(batch, before, row)
        if any(name in changes for name in VERSIONED):
            self._version(batch, fact, row)

    @staticmethod
    def _moved(batch: Batch, before: tuple[str, str, str, str], row: Row) -> None:
        """The school counts after a teacher's school (or its region or district) changed."""
        after = _school_of(row)
        if after != before:
            batch["teacher_schools"].add(before, teachers=-1)
            batch["teacher_schools"].add(after, teachers=1)

    @staticmethod
    def _version(batch: Batch, fact: Fact, row: Row) -> None:
        """The teacher's versioned details as they stand after this event."""
        batch["teacher_versions"].put(
            {
                "teacher_id": row["id"],
                "seq": fact.position,
                "recorded_at": time_text(fact.recorded_at),
                **{name: row[name] for name in VERSIONED},
            }
        )
