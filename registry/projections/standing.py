"""The standing view: each teacher's compliance as a step function of the date (as known now).

A teacher's status on a date D (spec §7, as `evaluate()` gives it as known now), counting
hours, place and newest counting provider change only at a few dates: service start, each
certificate's issue date, the day it stops counting (issue + W years) and the day its
coverage turns "due soon" (issue + W years - 180 days), the end of grace (service start +
W years), the departure, each effective-dated transfer and each policy version's
effective date (W and H change there). Between two such dates nothing changes. So the
view keeps, per teacher:

- `standing_intervals`: the intervals [valid_from, valid_to) of constant (status, hours,
  coverage, provider, region, district, school, subject, position) from the service start
  on (`valid_to` '9999-12-31' when open): a due list of a district or school on D reads
  an index on (status, district|school, valid_from), not every teacher;
- `standing_steps`: +1/-1 (and +hours/-hours) at each interval's ends per group
  (dimension `place` = district and region, `subject`, `position`, `provider` = provider
  code of the newest counting certificate), summed per year, per month and per day, so
  the counts on D by any grouping are the years before D's, the months of D's year before
  its month, and the days of its month up to D: a few thousand rows, whatever the number
  of teachers (registry.queries.statistics). The steps are always the sums of the
  intervals' ends, and the database sums them (`steps_sql`): a teacher's old intervals'
  steps are taken away before they are replaced and the new ones' added after, in two
  statements; a settle of many teachers (a rebuild, a policy version) writes intervals
  only and sums every step once at its end, instead of adding each chunk's steps to the
  same year and month rows again (at 5,000 teachers that was 455,000 upserts for
  329,000 rows; Python built them, and writing them took most of the view's time).

A teacher's intervals are recomputed from the facts this view keeps of them
(`standing_facts`: service start, departure, places, counting certificates) whenever one
of their events arrives; the old intervals' steps are taken away and the new ones added.
A new policy version changes everyone's intervals: every teacher is marked for
recomputation (a rebuild of this view's derived rows, in effect). Batches touching many
teachers (a rebuild, a long catch-up) only mark them (`standing_dirty`), and `settle`
recomputes the marked ones once each at the end of the catch-up, so a rebuild computes
each teacher once, not once per event; while any teacher is marked (or the steps wait to
be summed anew: registry.projections.settling), the statistics read the per-teacher scan
instead (registry.queries.standing), which is always right.
Group values are stored as recorded (districts folded by `canonical_district`, as the
statistics view does); '' stands for "not recorded".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from registry.domain.compliance import (
    COMPLIANT,
    DUE_SOON,
    DUE_SOON_DAYS,
    GRACE,
    INACTIVE,
    INITIAL_POLICY,
    OVERDUE,
)
from registry.domain.dates import add_years
from registry.projections.base import View
from registry.projections.codec import BEGINNING, date_text, id_text
from registry.projections.directory import POLICY_COLUMNS, policy_row
from registry.projections.rows import Batch, Reader
from registry.projections.settling import Settling, Summing, insert_sums
from registry.projections.statistics import LOCATION_FIELDS, canonical_district
from registry.storage import Cursor
from registry.storage.facts import Fact
from registry.storage.tables import Table

OPEN = "9999-12-31"  # valid_to of an interval without end
NOT_RECORDED = ""  # a group value not recorded (a NULL cannot be part of a key)
DIMENSIONS = ("place", "subject", "position", "provider")
EAGER_TEACHERS = 300  # a batch touching more teachers marks them; `settle` computes them

STANDING_FACTS = Table(
    "standing_facts",
    (("teacher_id", "TEXT"), ("facts", "TEXT")),
    key=("teacher_id",),
)
STANDING_CERTS = Table(
    "standing_certs",
    (("id", "TEXT"), ("teacher_id", "TEXT")),
    key=("id",),
)
STANDING_POLICIES = Table(
    "standing_policies",
    POLICY_COLUMNS,  # its own copy: a view reads no other view's tables
    key=("position",),
)
STANDING_DIRTY = Table(
    "standing_dirty",
    (("teacher_id", "TEXT"), ("since", "INTEGER")),
    key=("teacher_id",),
)
INTERVAL_COLUMNS = (
    "status",
    "hours",
    "covered_from",
    "provider_code",
    "region",
    "district",
    "school",
)
STANDING_INTERVALS = Table(
    "standing_intervals",
    (
        ("teacher_id", "TEXT"),
        ("n", "INTEGER"),
        ("valid_from", "TEXT"),
        ("valid_to", "TEXT"),
        ("status", "TEXT"),
        ("hours", "INTEGER"),
        ("covered_from", "TEXT"),
        ("provider_code", "TEXT"),
        ("region", "TEXT"),
        ("district", "TEXT"),
        ("school", "TEXT"),
        ("subject", "TEXT"),
        ("position", "TEXT"),
        ("service_start", "TEXT"),
        ("departed_on", "TEXT"),
        ("key", "TEXT"),
    ),
    key=("teacher_id", "n"),
    indexes=(
        # A district's due list, and a page of it a school at a time (in the order of
        # its schools: registry.queries.statistics).
        ("status", "district", "school", "valid_from"),
        ("status", "school", "valid_from"),
        ("status", "region", "valid_from"),
        ("valid_from",),
    ),
)
# The years' and months' steps; a statistics read names this condition as written, so
# that SQLite, which matches a partial index's condition by its text, uses the index too.
COARSE = "grain <> 'D'"
STANDING_STEPS = Table(
    "standing_steps",
    (
        ("dim", "TEXT"),
        ("grain", "TEXT"),  # Y, M or D: bucket is YYYY, YYYY-MM or YYYY-MM-DD
        ("bucket", "TEXT"),
        ("value", "TEXT"),
        ("region", "TEXT"),  # the region of a `place` step (district in `value`), else ''
        ("status", "TEXT"),
        ("n", "INTEGER"),
        ("hours", "INTEGER"),
    ),
    key=("dim", "grain", "bucket", "value", "region", "status"),
    counters=("n", "hours"),
    indexes=(
        # A due list's total and its districts (registry.queries.statistics): the place
        # steps of one status read from the index alone, n with them (from the key, the
        # rows of every status were read from the table, one block each). Partial: the
        # place steps are 40 % of the rows (100,000 teachers x 10 years on PostgreSQL: an
        # index of every step took 562 MB beside the table's 471).
        ("status", "grain", "bucket", "region", "value", "n", "WHERE dim = 'place'"),
        # The steps that came to nothing, deleted after each batch (as if never written).
        ("dim", "WHERE n = 0 AND hours = 0"),
        # The years' and months' steps of any grouping, read from the index alone: a
        # statistics read takes every year before D's (by subject at 100,000 teachers x
        # 20 years, 2,560 rows), and from the table each row was a block of its own
        # (PostgreSQL: 3,564 blocks for the read against 605; p50 29 -> 12 ms). A tenth
        # of the rows (19 MB there).
        ("dim", "grain", "bucket", "value", "region", "status", "n", "hours", f"WHERE {COARSE}"),
    ),
)

Policy = tuple[date, int, int]  # effective_from, window_years, required_hours
State = tuple[Any, ...]  # INTERVAL_COLUMNS' values


def policy_segments(rows: Iterable[tuple]) -> list[Policy]:
    """The policy in force (as known now) as a step function: (from, W, H) by effective
    date, the first also in force before its date; rows (position, effective_from, W, H,
    recorded_at). The same choice as `policy_in_force`: on each effective date, the
    latest recorded (the first adopted among equals)."""
    chosen: dict[str, tuple[str, int, int, int]] = {}
    for _position, effective_from, w, h, recorded_at in sorted(rows):
        held = chosen.get(effective_from)
        if held is None or recorded_at > held[0]:
            chosen[effective_from] = (recorded_at, w, h, 0)
    if not chosen:
        p = INITIAL_POLICY
        return [(p.effective_from, p.window_years, p.required_hours)]
    return [(date.fromisoformat(e), w, h) for e, (_r, w, h, _z) in sorted(chosen.items())]


def _policy_on(policies: list[Policy], day: date) -> Policy:
    found = policies[0]
    for policy in policies:
        if policy[0] <= day:
            found = policy
        else:
            break
    return found


def intervals(facts: dict, policies: list[Policy]) -> list[tuple[str, str, State]]:
    """A teacher's (valid_from, valid_to, state) from their service start on, merged where
    nothing changes; the state judged as `registry.queries.standing` does on each date."""
    start = date.fromisoformat(facts["service_start"])
    departed = facts["departed_on"] and date.fromisoformat(facts["departed_on"])
    places = sorted(facts["places"])  # [effective_on, region, district, school]
    certs = sorted(  # newest first: issued_on, number (both descending)
        ((date.fromisoformat(c[0]), c[1], c[2], c[3]) for c in facts["certs"].values()),
        key=lambda c: (c[0], c[1]),
        reverse=True,
    )
    windows = {w for _e, w, _h in policies}
    soon = timedelta(days=DUE_SOON_DAYS)
    points = {start}
    points.update(e for e, _w, _h in policies)
    if departed:
        points.add(departed)
    points.update(date.fromisoformat(p[0]) for p in places if p[0] != BEGINNING)
    # Per window: each certificate with the day it stops counting (newest first).
    ending = {w: [(c[0], add_years(c[0], w), c[2], c[3]) for c in certs] for w in windows}
    grace_ends = {w: add_years(start, w) for w in windows}
    for w in windows:
        points.add(grace_ends[w])
        for issued, ends, _hours, _provider in ending[w]:
            points.update((issued, ends, ends - soon))
    result: list[tuple[str, str, State]] = []
    last: State | None = None
    for day in sorted(p for p in points if p >= start):
        _e, w, h = _policy_on(policies, day)
        hours, covered, provider = 0, None, None
        for issued, ends, cert_hours, provider_code in ending[w]:
            if issued <= day < ends:
                if provider is None:
                    provider = provider_code
                hours += cert_hours
                if covered is None and hours >= h:
                    covered = issued
        if departed and departed <= day:
            status = INACTIVE
        elif covered is not None:
            status = DUE_SOON if add_years(covered, w) <= day + soon else COMPLIANT
        elif day < grace_ends[w]:
            status = GRACE
        else:
            status = OVERDUE
        text = day.isoformat()
        place = places[0]
        for p in places:
            if p[0] <= text:
                place = p
        state = (status, hours, date_text(covered), provider, place[1], place[2], place[3])
        if state != last:
            if result:
                result[-1] = (result[-1][0], text, result[-1][2])
            result.append((text, OPEN, state))
            last = state
    return result


def steps_sql(where: str = "", sign: str = "1", dimensions: Sequence[str] = DIMENSIONS) -> str:
    """A SELECT of the steps (every `standing_steps` column, in order) of the intervals
    meeting `where` (a condition on standing_intervals' columns, or none: every interval),
    each interval's signed by the SQL expression `sign` (`settling.NET`: the new rows'
    added and the old ones' taken away): +1 and +hours where an interval starts, -1 and
    -hours where it ends, per (dimension, value, region, status) and day, then summed per
    year and month too, in these dimensions; nothing for the sums that come to naught."""
    where = f"AND {where}" if where else ""
    groups = (
        "status, COALESCE(region, '') AS region, COALESCE(district, '') AS district, "
        "COALESCE(subject, '') AS subject, COALESCE(position, '') AS position, "
        "COALESCE(provider_code, '') AS provider"
    )
    ends = (
        f"SELECT valid_from AS day, {sign} AS step, ({sign}) * hours AS amount, {groups} "
        f"FROM standing_intervals WHERE 1 = 1 {where} UNION ALL "
        f"SELECT valid_to, -({sign}), -({sign}) * hours, {groups} "
        f"FROM standing_intervals WHERE valid_to <> '{OPEN}' {where}"
    )
    by_dimension = " UNION ALL ".join(
        f"SELECT '{dim}' AS dim, day, {value} AS value, {region} AS region, status, step, "
        "amount FROM ends"
        for dim, value, region in (
            ("place", "district", "region"),
            ("subject", "subject", "''"),
            ("position", "position", "''"),
            ("provider", "provider", "''"),
        )
        if dim in dimensions
    )
    nonzero = "HAVING SUM(step) <> 0 OR SUM(amount) <> 0"
    days = (
        "SELECT dim, day, value, region, status, SUM(step) AS step, SUM(amount) AS amount "
        f"FROM ({by_dimension}) AS steps GROUP BY dim, day, value, region, status {nonzero}"
    )
    longer = " UNION ALL ".join(
        f"SELECT dim, '{grain}', substr(day, 1, {size}), value, region, status, SUM(step), "
        f"SUM(amount) FROM days GROUP BY dim, substr(day, 1, {size}), value, region, status "
        f"{nonzero}"
        for grain, size in (("Y", 4), ("M", 7))
    )
    return (
        f"WITH ends AS ({ends}), days AS ({days}) "
        f"SELECT dim, 'D', day, value, region, status, step, amount FROM days UNION ALL {longer}"
    )


def add_steps(
    cur: Cursor,
    where: str = "",
    params: Sequence[Any] = (),
    sign: str = "1",
    dimensions: Sequence[str] = DIMENSIONS,
) -> None:
    """Add the steps of the intervals meeting `where` (its parameters `params`), signed,
    to `standing_steps`, and delete the steps that came to nothing; without a condition,
    every interval's steps to an empty table."""
    insert_sums(
        cur,
        STANDING_STEPS,
        steps_sql(where, sign, dimensions),
        [*params, *params],  # the condition is asked of the starts and of the ends
        upsert=bool(where),
        naught="n = 0 AND hours = 0",
    )


class StandingBatch(Summing):
    """A batch of intervals and their steps that also marks every teacher for
    recomputation when a policy version arrives."""

    def __init__(self, read: Reader, view: Settling, *, keep_sums: bool = True):
        super().__init__(read, view, keep_sums=keep_sums)
        self.mark_everyone: int | None = None  # the position of a policy version

    def flush(self, cur: Cursor) -> int:
        written = super().flush(cur)
        if self.mark_everyone is not None:
            cur.execute(
                "INSERT INTO standing_dirty (teacher_id, since) SELECT teacher_id, ? "
                "FROM standing_facts WHERE 1 = 1 ON CONFLICT (teacher_id) DO NOTHING",
                (self.mark_everyone,),
            )
        self.mark_everyone = None
        return written


class StandingView(Settling, View):
    """Each teacher's standing over time, and its steps summed per group and date."""

    name = "standing"
    weight = 57.0  # µs of CPU per event of a rebuild of it alone, less the shared read
    tables = (
        STANDING_FACTS,
        STANDING_CERTS,
        STANDING_POLICIES,
        STANDING_DIRTY,
        STANDING_INTERVALS,
        STANDING_STEPS,
    )
    handlers = {
        "Teacher.Registered": "registered",
        "Teacher.Transferred": "transferred",
        "Teacher.Departed": "departed",
        "Teacher.Corrected": "corrected",
        "Certificate.Issued": "certified",
        "Certificate.LegacyRecorded": "certified",
        "Certificate.Revoked": "revoked",
        "CompliancePolicy.Started": "policy_adopted",
        "CompliancePolicy.VersionAdopted": "policy_adopted",
    }
    rows_table, dirty, facts_table = STANDING_INTERVALS, "standing_dirty", "standing_facts"
    sums, dimensions, add_sums = (STANDING_STEPS,), DIMENSIONS, staticmethod(add_steps)
    batch_class = StandingBatch
    loads = {
        "Teacher.Transferred": ("standing_facts",),
        "Teacher.Departed": ("standing_facts",),
        "Teacher.Corrected": ("standing_facts",),
        "Certificate.Revoked": ("standing_certs",),
    }

    # -- handlers: keep the facts, note whose intervals changed --------------------------

    def prepare(self, read: Reader, facts: Iterable[Fact]) -> tuple[Batch, int]:
        """Run the handlers, then recompute the teachers they touched (or mark them)."""
        batch = self.new_batch(read)
        assert isinstance(batch, StandingBatch)
        self._touched: dict[str, None] = {}
        self._decoded: dict[str, dict] = {}
        handled = 0
        mine = [fact for fact in facts if fact.type in self._handlers]
        certs = [id_text(f.data["teacher_id"]) for f in mine if f.type.startswith("Certificate.I")]
        certs += [id_text(f.data["teacher_id"]) for f in mine if f.type.startswith("Certificate.L")]
        batch["standing_facts"].load(
            [id_text(f.originator_id) for f in mine if f.type in self.loads] + certs
        )
        batch["standing_certs"].load(
            [id_text(f.originator_id) for f in mine if f.type == "Certificate.Revoked"]
        )
        for fact in mine:
            self._handlers[fact.type](batch, fact)
            handled += 1
        self._store_facts(batch)
        if batch.mark_everyone is None and len(self._touched) <= EAGER_TEACHERS:
            self._recompute(batch, list(self._touched), read)
        else:
            self.mark(batch, self._touched, mine[-1].position if mine else 0)
        return batch, handled

    def _facts(self, batch: Batch, teacher_id: str) -> dict | None:
        found = self._decoded.get(teacher_id)
        if found is None:
            row = batch["standing_facts"].get(teacher_id)
            if row is None:
                return None
            found = self._decoded[teacher_id] = json.loads(row["facts"])
        self._touched[teacher_id] = None
        return found

    def _store_facts(self, batch: Batch) -> None:
        for teacher_id, facts in self._decoded.items():
            if teacher_id in self._touched:
                self.put_facts(batch, teacher_id, facts)

    def _key(self, teacher_id: str) -> str:
        if self.keys is None:
            raise RuntimeError("the standing view needs the installation's keys")
        return self.keys.pseudonym(teacher_id)

    def registered(self, batch: Batch, fact: Fact) -> None:
        """A new teacher, placed from registration on."""
        d, teacher_id = fact.data, id_text(fact.originator_id)
        place = [BEGINNING, d["region"], canonical_district(d["district"]), d["school"]]
        self._decoded[teacher_id] = {
            "key": self._key(teacher_id),
            "subject": d["subject"],
            "position": d["position"],
            "service_start": date_text(d["service_start"]),
            "departed_on": None,
            "places": [place],
            "certs": {},
        }
        self._touched[teacher_id] = None

    def transferred(self, batch: Batch, fact: Fact) -> None:
        """A new effective-dated place (replacing one of the same date)."""
        facts = self._facts(batch, id_text(fact.originator_id))
        if facts is None:
            return
        d = fact.data
        effective_on = date_text(d["effective_on"])
        place = [effective_on, d["region"], canonical_district(d["district"]), d["school"]]
        facts["places"] = [p for p in facts["places"] if p[0] != effective_on] + [place]

    def departed(self, batch: Batch, fact: Fact) -> None:
        """The date the teacher left service."""
        facts = self._facts(batch, id_text(fact.originator_id))
        if facts is not None:
            facts["departed_on"] = date_text(fact.data["effective_on"])

    def corrected(self, batch: Batch, fact: Fact) -> None:
        """Corrected subject, position, service start or current place."""
        facts = self._facts(batch, id_text(fact.originator_id))
        if facts is None:
            return
        changes = fact.data["changes"]
        for name in ("subject", "position"):
            if name in changes:
                facts[name] = changes[name]
        if "service_start" in changes:
            facts["service_start"] = date_text(changes["service_start"])
        fixes = {k: changes[k] for k in LOCATION_FIELDS if k in changes}
        if fixes:
            # The current place was recorded wrongly: fix the latest effective-dated one.
            latest = max(facts["places"])
            at = {"region": 1, "district": 2, "school": 3}
            for name, value in fixes.items():
                latest[at[name]] = canonical_district(value) if name == "district" else value

    def certified(self, batch: Batch, fact: Fact) -> None:
        """A certificate that may count (duplicates never do)."""
        d = fact.data
        if d.get("duplicate_of"):
            return
        teacher_id = id_text(d["teacher_id"])
        facts = self._facts(batch, teacher_id)
        if facts is None:
            return
        cert_id = id_text(fact.originator_id)
        facts["certs"][cert_id] = [
            date_text(d["issued_on"]),
            d["number"],
            d["hours"],
            d["provider_code"],
        ]
        batch["standing_certs"].put({"id": cert_id, "teacher_id": teacher_id})

    def revoked(self, batch: Batch, fact: Fact) -> None:
        """A revoked certificate counts no more."""
        cert_id = id_text(fact.originator_id)
        owner = batch["standing_certs"].get(cert_id)
        if owner is None:
            return
        facts = self._facts(batch, owner["teacher_id"])
        if facts is not None:
            facts["certs"].pop(cert_id, None)

    def policy_adopted(self, batch: Batch, fact: Fact) -> None:
        """A policy version: everyone's intervals are recomputed."""
        batch["standing_policies"].put(policy_row(fact))
        assert isinstance(batch, StandingBatch)
        batch.mark_everyone = fact.position

    # -- recomputation -------------------------------------------------------------------

    def _policies(self, batch: Batch, read: Reader) -> list[Policy]:
        stored = {r[0]: r for r in read().query(STANDING_POLICIES.select_sql())}
        pending = batch["standing_policies"]._dirty  # this batch's, not yet written
        for row in pending.values():
            stored[row["position"]] = tuple(row[n] for n in STANDING_POLICIES.names)
        return policy_segments(stored.values())

    def recompute(self, batch: Summing, teacher_ids: list[str], read: Reader) -> None:
        """New intervals for the marked teachers, from their facts."""
        self._decoded = {}
        batch["standing_facts"].load(teacher_ids)
        self._recompute(batch, teacher_ids, read)

    def _recompute(self, batch: Summing, teacher_ids: list[str], read: Reader) -> None:
        """New intervals for these teachers, from their facts (their steps follow in the
        batch's flush)."""
        if not teacher_ids:
            return
        policies = self._policies(batch, read)
        rows = batch.rows
        for teacher_id in teacher_ids:
            batch.settled.append(teacher_id)
            facts = self._decoded.get(teacher_id)
            if facts is None:
                row = batch["standing_facts"].get(teacher_id)
                if row is None:
                    continue
                facts = self._decoded[teacher_id] = json.loads(row["facts"])
            # Kept here by earlier versions: the facts are written again without them.
            if {"intervals", "written"} & facts.keys():
                facts.pop("intervals", None)
                facts.pop("written", None)
                self.put_facts(batch, teacher_id, facts)
            new = intervals(facts, policies) if facts["service_start"] else []
            person = (
                facts["subject"],
                facts["position"],
                facts["service_start"],
                facts["departed_on"],
                facts["key"],
            )
            rows.extend(
                (teacher_id, number, valid_from, valid_to, *state, *person)
                for number, (valid_from, valid_to, state) in enumerate(new)
            )
            batch.replaced.append(teacher_id)
