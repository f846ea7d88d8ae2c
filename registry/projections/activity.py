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
teacher's counted certificates (`activity_entries`: each valid certificate with its group
values) from the facts this view keeps of them (`activity_facts`) once per batch; the
database takes the old entries' steps and pairs away and adds the new ones'
(registry.projections.settling: a transfer dated in the past moves the certificates
issued since from one district to another, a corrected subject all of them).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from typing import Any

from registry.projections.base import View
from registry.projections.codec import BEGINNING, UNKNOWN, date_text, id_text
from registry.projections.rows import Batch, Reader
from registry.projections.settling import Settling, Summing, insert_sums
from registry.projections.statistics import canonical_district
from registry.storage import Cursor
from registry.storage.facts import Fact
from registry.storage.tables import Table

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
COARSE = (("M", 7), ("Y", 4))  # a coarse grain and the length of its bucket's text
EAGER_TEACHERS = 300  # a batch touching more teachers marks them; `settle` counts them

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
ACTIVITY_ENTRIES = Table(
    "activity_entries",
    (
        ("teacher_id", "TEXT"),
        ("n", "INTEGER"),  # the certificate's place among the teacher's (settling.Summing)
        ("certificate_id", "TEXT"),
        ("issued_on", "TEXT"),
        ("hours", "INTEGER"),
        *((dim, "TEXT") for dim in DIMENSIONS),
    ),
    key=("teacher_id", "n"),
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
    indexes=(
        ("dim", "WHERE pairs = 0"),
        # The day pairs (the only ones of grain D) by their earlier day and by their later
        # day: those starting in a period's first partial month and those ending in its
        # last, read from the index alone. These grow with the country (a month's
        # certificates); from the table each was a block of its own (PostgreSQL, 100,000
        # teachers x 20 years, a year by region: 1,141 blocks for the last month's pairs).
        # The grain ends each: SQLite counts an index as covering only with every column
        # a statement names; after the dates, so that PostgreSQL, which takes the grain
        # from the index's condition, still bounds its scan by them.
        (
            "dim",
            "bucket_from",
            "bucket_to",
            "value",
            "pairs",
            "grain_from",
            "WHERE grain_from = 'D'",
        ),
        ("dim", "bucket_to", "bucket_from", "value", "pairs", "grain_to", "WHERE grain_to = 'D'"),
    ),
)


def _value(value: Any) -> str:
    return UNKNOWN if value is None else value


def entries(teacher_id: str, facts: dict) -> list[tuple]:
    """A teacher's counted certificates as rows of `activity_entries`: each with the
    teacher's place on its day and their current subject and position."""
    places = sorted(facts["places"])  # [effective_on, region, district]
    starts = [p[0] for p in places]
    subject, position = _value(facts["subject"]), _value(facts["position"])
    rows = []
    for n, (cert_id, cert) in enumerate(sorted(facts["certs"].items())):
        issued, hours, kind, form, mode, funding = cert
        at = bisect_right(starts, issued) - 1
        region, district = (places[at][1], places[at][2]) if at >= 0 else (None, None)
        rows.append(
            (
                teacher_id,
                n,
                cert_id,
                issued,
                hours,
                _value(region),
                _value(district),
                subject,
                position,
                _value(kind),
                _value(form),
                _value(mode),
                _value(funding),
            )
        )
    return rows


def _by_dimension(where: str, columns: str, dimensions: Sequence[str]) -> str:
    """The entries meeting `where`, once per dimension: dim, value and `columns`."""
    where = f"WHERE {where}" if where else ""
    return " UNION ALL ".join(
        f"SELECT '{dim}' AS dim, {dim} AS value, {columns} FROM activity_entries {where}"
        for dim in dimensions
    )


def steps_sql(where: str = "", sign: str = "1", dimensions: Sequence[str] = DIMENSIONS) -> str:
    """A SELECT of the steps (`activity_steps`' columns) of the entries meeting `where`,
    each signed by the SQL expression `sign` (see `standing.steps_sql`): per dimension,
    value and day the certificates and their hours, also summed per month and year;
    nothing for the sums that come to naught."""
    nonzero = "HAVING SUM(certificates) <> 0 OR SUM(hours) <> 0"
    days = (
        f"SELECT dim, issued_on AS day, value, SUM({sign}) AS certificates, "
        f"SUM(({sign}) * hours) AS hours FROM ({_by_dimension(where, 'issued_on, hours, n', dimensions)}) "
        "AS entries GROUP BY dim, issued_on, value HAVING SUM("
        f"{sign}) <> 0 OR SUM(({sign}) * hours) <> 0"
    )
    longer = " UNION ALL ".join(
        f"SELECT dim, '{grain}', substr(day, 1, {size}), value, SUM(certificates), "
        f"SUM(hours) FROM days GROUP BY dim, substr(day, 1, {size}), value {nonzero}"
        for grain, size in COARSE
    )
    return (
        f"WITH days AS ({days}) "
        f"SELECT dim, 'D', day, value, certificates, hours FROM days UNION ALL {longer}"
    )


def pairs_sql(where: str = "", sign: str = "1", dimensions: Sequence[str] = DIMENSIONS) -> str:
    """A SELECT of the pairs (`activity_pairs`' columns) of the entries meeting `where`,
    signed as `steps_sql`: per teacher, dimension and value, each certificate after the
    first with the one before it (by issue date; the old entries and the new apart), by
    both days and by the four coarse combinations."""
    following = (
        f"SELECT dim, value, {sign} AS sign, LAG(issued_on) OVER (PARTITION BY teacher_id, "
        "dim, value, n < 0 ORDER BY issued_on) AS earlier, issued_on AS later "
        f"FROM ({_by_dimension(where, 'teacher_id, issued_on, n', dimensions)}) AS entries"
    )
    days = (
        "SELECT dim, value, earlier, later, SUM(sign) AS pairs "
        f"FROM ({following}) AS following WHERE earlier IS NOT NULL "
        "GROUP BY dim, value, earlier, later HAVING SUM(sign) <> 0"
    )
    coarse = " UNION ALL ".join(
        f"SELECT dim, '{grain_from}', '{grain_to}', substr(earlier, 1, {width_from}), "
        f"substr(later, 1, {width_to}), value, SUM(pairs) FROM days GROUP BY dim, "
        f"substr(earlier, 1, {width_from}), substr(later, 1, {width_to}), value "
        "HAVING SUM(pairs) <> 0"
        for grain_from, width_from in COARSE
        for grain_to, width_to in COARSE
    )
    return (
        f"WITH days AS ({days}) "
        f"SELECT dim, 'D', 'D', earlier, later, value, pairs FROM days UNION ALL {coarse}"
    )


def add_counts(
    cur: Cursor,
    where: str = "",
    params: Sequence[Any] = (),
    sign: str = "1",
    dimensions: Sequence[str] = DIMENSIONS,
) -> None:
    """Add the steps and pairs of the entries meeting `where` (its parameters `params`),
    signed; without a condition, every entry's to empty tables. Sums that came to
    nothing are deleted."""
    arguments = [*params] * len(dimensions)  # the condition is asked once per dimension
    for table, select, naught in (
        (ACTIVITY_STEPS, steps_sql, "certificates = 0 AND hours = 0"),
        (ACTIVITY_PAIRS, pairs_sql, "pairs = 0"),
    ):
        insert_sums(
            cur,
            table,
            select(where, sign, dimensions),
            arguments,
            upsert=bool(where),
            naught=naught,
        )


class ActivityView(Settling, View):
    """Certificates, hours and teachers reached per group and issue date.

    A batch touching a few teachers counts them at once; one touching many (a rebuild, a
    long catch-up) only marks them (`activity_dirty`) and `settle` counts each once at
    the end of the catch-up. While any teacher is marked, activity is read from the
    certificates instead (the scan, always right).
    """

    name = "activity"
    weight = 47.0  # µs of CPU per event of a rebuild of it alone, less the shared read
    tables = (
        ACTIVITY_FACTS,
        ACTIVITY_CERTS,
        ACTIVITY_DIRTY,
        ACTIVITY_PROVIDERS,
        ACTIVITY_ENTRIES,
        ACTIVITY_STEPS,
        ACTIVITY_PAIRS,
    )
    rows_table, dirty, facts_table = ACTIVITY_ENTRIES, "activity_dirty", "activity_facts"
    sums, dimensions = (ACTIVITY_STEPS, ACTIVITY_PAIRS), DIMENSIONS
    add_sums = staticmethod(add_counts)
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
        batch = self.new_batch(read)
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
            self._count(batch, list(self._decoded))
        else:
            self.mark(batch, self._decoded, mine[-1].position if mine else 0)
        self._store(batch)
        return batch, len(mine)

    def _facts(self, batch: Batch, teacher_id: str) -> dict:
        """A teacher's facts, changed in place by the handlers (kept until the batch ends)."""
        found = self._decoded.get(teacher_id)
        if found is None:
            row = batch["activity_facts"].get(teacher_id)
            nobody: dict[str, Any] = {"subject": None, "position": None, "places": [], "certs": {}}
            found = nobody if row is None else json.loads(row["facts"])
            self._decoded[teacher_id] = found
        return found

    def _store(self, batch: Batch) -> None:
        for teacher_id, facts in self._decoded.items():
            self.put_facts(batch, teacher_id, facts)

    def _count(self, batch: Summing, teacher_ids: list[str]) -> None:
        """The decoded teachers' entries (their steps and pairs follow in the flush)."""
        for teacher_id in teacher_ids:
            batch.settled.append(teacher_id)
            facts = self._decoded.get(teacher_id)
            if facts is None:
                continue
            batch.replaced.append(teacher_id)
            batch.rows.extend(entries(teacher_id, facts))

    def recompute(self, batch: Summing, teacher_ids: list[str], read: Reader) -> None:
        """The marked teachers' entries, from their facts."""
        self._decoded = {}
        batch["activity_facts"].load(teacher_ids)
        for teacher_id in teacher_ids:
            row = batch["activity_facts"].get(teacher_id)
            if row is not None:
                self._decoded[teacher_id] = json.loads(row["facts"])
        self._count(batch, teacher_ids)

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
