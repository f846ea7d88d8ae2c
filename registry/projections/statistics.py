"""The statistics view: a pseudonymised teacher-level table with effective-dated locations.

It holds no name and no PIN, by construction: a teacher is a stable key (an HMAC of the
internal id under the installation's secret) with subject, position, service start,
departure and, per effective date, region, district and school. Statistics, due lists
and the statisticians' table judge compliance on a date from these rows and the
certificates of the compliance view, in SQL (see `registry.queries.standing`).
"""

from __future__ import annotations

from functools import lru_cache

from registry.domain.reference import district_code
from registry.domain.regions import regions
from registry.projections.base import View
from registry.projections.codec import BEGINNING, date_text, id_text, time_text
from registry.projections.rows import Batch
from registry.storage.facts import Fact
from registry.storage.tables import Table

STAT_TEACHERS = Table(
    "stat_teachers",
    (
        ("teacher_id", "TEXT"),
        ("key", "TEXT"),
        ("subject", "TEXT"),
        ("position", "TEXT"),
        ("service_start", "TEXT"),
        ("departed_on", "TEXT"),
        ("location_from", "TEXT"),
    ),
    key=("teacher_id",),
)

STAT_LOCATIONS = Table(
    "stat_locations",
    (
        ("teacher_id", "TEXT"),
        ("effective_on", "TEXT"),
        ("region", "TEXT"),
        ("district", "TEXT"),
        ("school", "TEXT"),
    ),
    key=("teacher_id", "effective_on"),
)

# Each place a teacher was given, with when that was recorded: the effective-dated rows
# of `stat_locations` as each event left them (a transfer adds one, a correction rewrites
# the latest), so the due lists as known at a moment can take the latest recorded by
# then. (`seq` is the event's position.)
STAT_LOCATION_VERSIONS = Table(
    "stat_location_versions",
    (
        ("teacher_id", "TEXT"),
        ("seq", "INTEGER"),
        ("recorded_at", "TEXT"),
        ("effective_on", "TEXT"),
        ("region", "TEXT"),
        ("district", "TEXT"),
        ("school", "TEXT"),
    ),
    key=("teacher_id", "seq"),
)

LOCATION_FIELDS = ("region", "district", "school")


@lru_cache(maxsize=1)
def _district_names() -> dict[str, str]:
    # A district's reference-list code ("jeti-oguz") too, as teachers carry codes now.
    return {
        name.casefold(): en
        for region in regions().values()
        for en, ru in region.districts
        for name in (en, ru, district_code(en))
    }


def canonical_district(name: str | None) -> str | None:
    """A listed district under its reference (English) name, whichever language it was
    recorded in, so that "Сокулук" and "Sokuluk" are one group; other names as given."""
    if name is None:
        return None
    return _district_names().get(name.strip().casefold(), name.strip())


def _place(data: dict) -> dict:
    place = {k: data[k] for k in LOCATION_FIELDS if k in data}
    if "district" in place:
        place["district"] = canonical_district(place["district"])
    return place


class StatisticsView(View):
    """Who teaches what where, on which dates, without saying who they are."""

    name = "statistics"
    weight = 5.0  # µs of CPU per event of a rebuild of it alone, less the shared read
    tables = (STAT_TEACHERS, STAT_LOCATIONS, STAT_LOCATION_VERSIONS)
    handlers = {
        "Teacher.Registered": "registered",
        "Teacher.Transferred": "transferred",
        "Teacher.Departed": "departed",
        "Teacher.Corrected": "corrected",
    }
    loads = {
        "Teacher.Transferred": ("stat_teachers",),
        "Teacher.Departed": ("stat_teachers",),
        "Teacher.Corrected": ("stat_teachers",),
    }

    def _key(self, teacher_id: str) -> str:
        if self.keys is None:
            raise RuntimeError("the statistics view needs the installation's keys")
        return self.keys.pseudonym(teacher_id)

    def registered(self, batch: Batch, fact: Fact) -> None:
        """A new teacher under their pseudonym, located from registration on."""
        d, teacher_id = fact.data, id_text(fact.originator_id)
        batch["stat_teachers"].put(
            {
                "teacher_id": teacher_id,
                "key": self._key(teacher_id),
                "subject": d["subject"],
                "position": d["position"],
                "service_start": date_text(d["service_start"]),
                "departed_on": None,
                "location_from": BEGINNING,
            }
        )
        self._located(
            batch,
            fact,
            batch["stat_locations"].put(
                {"teacher_id": teacher_id, "effective_on": BEGINNING, **_place(d)}
            ),
        )

    def transferred(self, batch: Batch, fact: Fact) -> None:
        """A new effective-dated location."""
        d, teacher_id = fact.data, id_text(fact.originator_id)
        teacher = batch["stat_teachers"].get(teacher_id)
        if teacher is None:
            return
        effective_on = date_text(d["effective_on"])
        self._located(
            batch,
            fact,
            batch["stat_locations"].put(
                {"teacher_id": teacher_id, "effective_on": effective_on, **_place(d)}
            ),
        )
        if effective_on > teacher["location_from"]:
            batch["stat_teachers"].update(teacher_id, location_from=effective_on)

    def departed(self, batch: Batch, fact: Fact) -> None:
        """The date the teacher left service."""
        batch["stat_teachers"].update(
            id_text(fact.originator_id), departed_on=date_text(fact.data["effective_on"])
        )

    def corrected(self, batch: Batch, fact: Fact) -> None:
        """Corrected subject, position, service start or current place."""
        teacher_id = id_text(fact.originator_id)
        teacher = batch["stat_teachers"].get(teacher_id)
        if teacher is None:
            return
        changes = fact.data["changes"]
        details = {k: changes[k] for k in ("subject", "position") if k in changes}
        if "service_start" in changes:
            details["service_start"] = date_text(changes["service_start"])
        if details:
            batch["stat_teachers"].update(teacher_id, **details)
        place = _place(changes)
        if place:
            # A correction says the current place was recorded wrongly: fix the latest
            # effective-dated row, not history before the last transfer.
            fixed = batch["stat_locations"].update((teacher_id, teacher["location_from"]), **place)
            if fixed is not None:
                self._located(batch, fact, fixed)

    @staticmethod
    def _located(batch: Batch, fact: Fact, location: dict) -> None:
        """A location row as this event left it, as a version recorded at its time."""
        batch["stat_location_versions"].put(
            {
                "teacher_id": location["teacher_id"],
                "seq": fact.position,
                "recorded_at": time_text(fact.recorded_at),
                "effective_on": location["effective_on"],
                **{name: location[name] for name in LOCATION_FIELDS},
            }
        )
