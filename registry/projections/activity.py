"""The activity view: valid certificates counted per group and issue date, summed per year,
month and day, so that activity for any period is a sum over a few hundred rows, whatever
the number of teachers (registry.queries.activity).

A period's answer per group is how many valid certificates (not revoked, not duplicates)
were issued in it, their hours, and how many teachers they reached. The groups are those
of the per-certificate reading (`StatisticsQueries._activity_scan`, the yardstick): the
teacher's region and district on the day of the certificate (transfers are
effective-dated), the teacher's current subject and position, the provider's kind, the
certificate's form, mode and funding; values as recorded ("unknown" when not).

- `activity_steps`: per group value and day, the certificates and their hours, each also
  added to its month and its year (grain Y, M, D), as the standing view keeps its steps.
  A period splits into at most five runs of whole days, months and years (`segments`),
  so the counts are a sum of five index ranges.
- `activity_pairs`: teachers are not additive (a teacher with two certificates in a
  period is one teacher). Per teacher and group, the certificates in date order make
  pairs (previous, next); the teachers a period reached are its certificates less the
  pairs with both dates in the period. A pair is kept five times: by both days (D, D),
  and by the month or year of each date (M or Y, M or Y). The pairs starting in a
  period's first partial month and those ending in its last are read by their days (at
  most a month of pairs each: `registry.queries.activity`); those between its whole
  months and years by the four coarse combinations. (Before, all nine combinations of
  D, M and Y were kept, 24 rows per certificate, the pairs larger than the event log.)

Every event about a teacher (their certificates, transfers, corrections) recomputes the
teacher's counts from the facts this view keeps of them (`activity_facts`) once per
batch: the counts they had are taken away and the new ones added (a transfer dated in the
past moves the certificates issued since from one district to another, a corrected
subject all of them).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterable
from itertools import pairwise
from typing import Any

from registry.projections.base import View
from registry.projections.codec import BEGINNING, date_text, id_text
from registry.projections.rows import Batch, Reader
from registry.projections.statistics import canonical_district
from registry.storage import Cursor
from registry.storage.facts import Fact
from registry.storage.tables import Table

UNKNOWN = "unknown"  # a group value not recorded, as the per-certificate reading says
DIMENSIONS = (
    "region",
    "district",
    "subject",
    "position",
    "provider_kind",
    "form",
    "mode",
    "funding",
)
GRAINS = ("Y", "M", "D")
COARSE = (("M", 7), ("Y", 4))  # a coarse grain and the length of its bucket's text
EAGER_TEACHERS = 300  # a batch touching more teachers marks them; `settle` counts them
SETTLE_CHUNK = 2000  # teachers counted per settling transaction
COUNTED = ("subject", "position", "places", "certs")  # the facts the counts come from

ACTIVITY_FACTS = Table(
    "activity_facts",
    (("teacher_id", "TEXT"), ("facts", "TEXT")),
    key=("teacher_id",),
)
ACTIVITY_CERTS = Table(
    "activity_certs",
    (("id", "TEXT"), ("teacher_id", "TEXT")),
    key=("id",),
)
ACTIVITY_DIRTY = Table(
    "activity_dirty",
    (("teacher_id", "TEXT"), ("since", "INTEGER")),
    key=("teacher_id",),
)
ACTIVITY_PROVIDERS = Table(
    "activity_providers",
    (("code", "TEXT"), ("kind", "TEXT")),
    key=("code",),
)
ACTIVITY_STEPS = Table(
    "activity_steps",
    (
        ("dim", "TEXT"),
        ("grain", "TEXT"),  # Y, M or D: bucket is YYYY, YYYY-MM or YYYY-MM-DD
        ("bucket", "TEXT"),
        ("value", "TEXT"),
        ("certificates", "INTEGER"),
        ("hours", "INTEGER"),
    ),
    key=("dim", "grain", "bucket", "value"),
    counters=("certificates", "hours"),
    indexes=(("dim", "WHERE certificates = 0 AND hours = 0"),),
)
ACTIVITY_PAIRS = Table(
    "activity_pairs",
    (
        ("dim", "TEXT"),
        ("grain_from", "TEXT"),  # the earlier certificate's grain and bucket
        ("grain_to", "TEXT"),  # the later one's
        ("bucket_from", "TEXT"),
        ("bucket_to", "TEXT"),
        ("value", "TEXT"),
        ("pairs", "INTEGER"),
    ),
    key=("dim", "grain_from", "grain_to", "bucket_from", "bucket_to", "value"),
    counters=("pairs",),
    # The day pairs by their later day: those ending in a period's last partial month.
    indexes=(("dim", "WHERE pairs = 0"), ("dim", "bucket_to", "WHERE grain_to = 'D'")),
)

Counts = tuple[dict[tuple, list[int]], dict[tuple, int]]  # steps, pairs


def _counted_part(facts: dict) -> dict:
    """A copy of the facts the counts come from (places copied: corrections change them)."""
    return {
        "subject": facts["subject"],
        "position": facts["position"],
        "places": [list(p) for p in facts["places"]],
        "certs": dict(facts["certs"]),
    }


NOTHING: dict[str, Any] = {"subject": None, "position": None, "places": [], "certs": {}}


def buckets(day: str) -> tuple[tuple[str, str], ...]:
    """A day's (grain, bucket) for each grain."""
    return (("Y", day[:4]), ("M", day[:7]), ("D", day))


def _value(value: Any) -> str:
    return UNKNOWN if value is None else value


def counts(facts: dict) -> Counts:
    """A teacher's part of the steps and pairs, from the facts kept of them."""
    steps: dict[tuple, list[int]] = {}
    dates: dict[tuple[str, str], list[str]] = {}
    places = sorted(facts["places"])  # [effective_on, region, district]
    starts = [p[0] for p in places]
    subject, position = _value(facts["subject"]), _value(facts["position"])
    for issued, hours, kind, form, mode, funding in facts["certs"].values():
        at = bisect_right(starts, issued) - 1
        region, district = (places[at][1], places[at][2]) if at >= 0 else (None, None)
        values = (
            _value(region),
            _value(district),
            subject,
            position,
            _value(kind),
            _value(form),
            _value(mode),
            _value(funding),
        )
        for dim, value in zip(DIMENSIONS, values):
            for grain, bucket in buckets(issued):
                entry = steps.get((dim, grain, bucket, value))
                if entry is None:
                    steps[(dim, grain, bucket, value)] = [1, hours]
                else:
                    entry[0] += 1
                    entry[1] += hours
            dates.setdefault((dim, value), []).append(issued)
    pairs: dict[tuple, int] = {}
    for (dim, value), days in dates.items():
        if len(days) < 2:
            continue
        days.sort()
        for earlier, later in pairwise(days):
            key = (dim, "D", "D", earlier, later, value)
            pairs[key] = pairs.get(key, 0) + 1
            for grain_from, width_from in COARSE:
                for grain_to, width_to in COARSE:
                    key = (
                        dim,
                        grain_from,
                        grain_to,
                        earlier[:width_from],
                        later[:width_to],
                        value,
                    )
                    pairs[key] = pairs.get(key, 0) + 1
    return steps, pairs


class ActivityBatch(Batch):
    """A batch of the activity view: steps and pairs that came to nothing are deleted, the
    teachers counted are no longer marked."""

    def __init__(self, read: Reader, tables: Iterable[Table]):
        super().__init__(read, tables)
        self.counted: list[str] = []

    def flush(self, cur: Cursor) -> int:
        written = super().flush(cur)
        cur.execute("DELETE FROM activity_steps WHERE certificates = 0 AND hours = 0")
        cur.execute("DELETE FROM activity_pairs WHERE pairs = 0")
        if self.counted:
            cur.executemany(
                "DELETE FROM activity_dirty WHERE teacher_id = ?", [(t,) for t in self.counted]
            )
        self.counted = []
        return written


class ActivityView(View):
    """Certificates, hours and teachers reached per group and issue date.

    A teacher's facts carry, while their counts lag behind them, the facts as last counted
    (`was`): the counts are the difference of the two, added once per batch for a few
    teachers; a batch touching many (a rebuild, a long catch-up) only marks them
    (`activity_dirty`) and `settle` counts each once at the end of the catch-up, so a
    rebuild counts each teacher once, not once per batch. While any teacher is marked,
    activity is read from the certificates instead (the scan, always right).
    """

    name = "activity"
    weight = 99.0  # µs of CPU per event of a rebuild of it alone, less the shared read
    tables = (
        ACTIVITY_FACTS,
        ACTIVITY_CERTS,
        ACTIVITY_DIRTY,
        ACTIVITY_PROVIDERS,
        ACTIVITY_STEPS,
        ACTIVITY_PAIRS,
    )
    handlers = {
        "Provider.Registered": "provider_registered",
        "Teacher.Registered": "registered",
        "Teacher.Transferred": "transferred",
        "Teacher.Corrected": "corrected",
        "Certificate.Issued": "certified",
        "Certificate.LegacyRecorded": "certified",
        "Certificate.Revoked": "revoked",
    }

    def prepare(self, read: Reader, facts: Iterable[Fact]) -> tuple[Batch, int]:
        """Run the handlers, then count the touched teachers (or mark them)."""
        batch = ActivityBatch(read, self.tables)
        self._decoded: dict[str, dict] = {}
        mine = [fact for fact in facts if fact.type in self._handlers]
        teachers = [id_text(f.originator_id) for f in mine if f.type.startswith("Teacher.")]
        teachers += [id_text(f.data["teacher_id"]) for f in mine if f.type in _CERTIFIED]
        batch["activity_facts"].load(teachers)
        batch["activity_certs"].load(
            [id_text(f.originator_id) for f in mine if f.type == "Certificate.Revoked"]
        )
        for fact in mine:
            self._handlers[fact.type](batch, fact)
        if len(self._decoded) <= EAGER_TEACHERS:
            self._count(batch)
        else:
            position = mine[-1].position if mine else 0
            for teacher_id in self._decoded:
                batch["activity_dirty"].put({"teacher_id": teacher_id, "since": position})
        self._store(batch)
        return batch, len(mine)

    def _facts(self, batch: Batch, teacher_id: str) -> dict:
        """A teacher's facts, changed in place by the handlers (kept until the batch ends),
        with the facts as last counted (`was`) if not already there."""
        found = self._decoded.get(teacher_id)
        if found is None:
            row = batch["activity_facts"].get(teacher_id)
            if row is None:  # a new teacher (or a certificate of one not registered)
                found = {**_counted_part(NOTHING), "was": _counted_part(NOTHING)}
            else:
                found = json.loads(row["facts"])
                if "was" not in found:
                    found["was"] = _counted_part(found)
            self._decoded[teacher_id] = found
        return found

    def _store(self, batch: Batch) -> None:
        for teacher_id, facts in self._decoded.items():
            batch["activity_facts"].put(
                {"teacher_id": teacher_id, "facts": json.dumps(facts, separators=(",", ":"))}
            )

    def _count(self, batch: Batch) -> None:
        """Add the change of the decoded teachers' counts since last counted."""
        steps, pairs = batch["activity_steps"], batch["activity_pairs"]
        for teacher_id, facts in self._decoded.items():
            was = facts.pop("was", None)
            if was is None:
                continue
            new_steps, new_pairs = counts(facts)
            old_steps, old_pairs = counts(was)
            for key, (n, hours) in old_steps.items():
                entry = new_steps.setdefault(key, [0, 0])
                entry[0] -= n
                entry[1] -= hours
            for key, (n, hours) in new_steps.items():
                if n or hours:
                    steps.add_values(key, (n, hours))
            for key, n in old_pairs.items():
                new_pairs[key] = new_pairs.get(key, 0) - n
            for key, n in new_pairs.items():
                if n:
                    pairs.add_values(key, (n,))
            batch.counted.append(teacher_id)  # type: ignore[attr-defined]

    def settle(self, db: Any, application_name: str) -> int:
        """Count the marked teachers, a chunk per transaction, each only if the view has
        not moved meanwhile (the position is compared and set again); returns how many
        were counted."""
        from eventsourcing.persistence import Tracking

        from registry.projections.base import PositionMovedError

        done = 0
        while True:
            with db.reading(snapshot=True) as cur:
                position = self.view.position(cur, application_name)
                ids = [
                    r[0]
                    for r in cur.query(
                        f"SELECT teacher_id FROM activity_dirty LIMIT {SETTLE_CHUNK}"
                    )
                ]
                if not ids or position is None:
                    return done
                batch = ActivityBatch(lambda: cur, self.tables)
                self._decoded = {}
                batch["activity_facts"].load(ids)
                for teacher_id in ids:
                    row = batch["activity_facts"].get(teacher_id)
                    if row is not None:
                        self._decoded[teacher_id] = json.loads(row["facts"])
                self._count(batch)
                self._store(batch)
                batch.counted = list(ids)
            try:
                with db.transaction() as cur:
                    self.view.advance(cur, Tracking(application_name, position), position)
                    batch.flush(cur)
            except PositionMovedError:
                continue
            self.view.notify_advanced()
            done += len(ids)

    def provider_registered(self, batch: Batch, fact: Fact) -> None:
        """A provider's kind, which its certificates are counted under."""
        batch["activity_providers"].put({"code": fact.data["code"], "kind": fact.data["kind"]})

    def registered(self, batch: Batch, fact: Fact) -> None:
        """A new teacher, placed from registration on."""
        d = fact.data
        facts = self._facts(batch, id_text(fact.originator_id))
        facts["subject"], facts["position"] = d.get("subject"), d.get("position")
        facts["places"] = [[BEGINNING, d.get("region"), canonical_district(d.get("district"))]]

    def transferred(self, batch: Batch, fact: Fact) -> None:
        """A new effective-dated place (replacing one of the same date)."""
        d = fact.data
        facts = self._facts(batch, id_text(fact.originator_id))
        if not facts["places"]:
            return  # as the statistics view: a transfer of nobody registered places nobody
        effective_on = date_text(d["effective_on"])
        place = [effective_on, d.get("region"), canonical_district(d.get("district"))]
        facts["places"] = [p for p in facts["places"] if p[0] != effective_on] + [place]

    def corrected(self, batch: Batch, fact: Fact) -> None:
        """Corrected subject, position or current place (the latest effective-dated one)."""
        facts = self._facts(batch, id_text(fact.originator_id))
        if not facts["places"]:
            return
        changes = fact.data["changes"]
        for name in ("subject", "position"):
            if name in changes:
                facts[name] = changes[name]
        latest = max(facts["places"])
        if "region" in changes:
            latest[1] = changes["region"]
        if "district" in changes:
            latest[2] = canonical_district(changes["district"])

    def certified(self, batch: Batch, fact: Fact) -> None:
        """A certificate that counts (duplicates never do), under its provider's kind."""
        d = fact.data
        if d.get("duplicate_of"):
            return
        teacher_id, cert_id = id_text(d["teacher_id"]), id_text(fact.originator_id)
        provider = batch["activity_providers"].get(d["provider_code"])
        programme = d.get("programme") or {}
        self._facts(batch, teacher_id)["certs"][cert_id] = [
            date_text(d["issued_on"]),
            int(d["hours"] or 0),
            provider["kind"] if provider else None,
            d.get("form"),
            programme.get("mode"),
            programme.get("funding"),
        ]
        batch["activity_certs"].put({"id": cert_id, "teacher_id": teacher_id})

    def revoked(self, batch: Batch, fact: Fact) -> None:
        """A revoked certificate counts no more."""
        owner = batch["activity_certs"].get(id_text(fact.originator_id))
        if owner is not None:
            self._facts(batch, owner["teacher_id"])["certs"].pop(id_text(fact.originator_id), None)


_CERTIFIED = ("Certificate.Issued", "Certificate.LegacyRecorded")
