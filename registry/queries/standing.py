"""Every teacher's compliance on one date, in one SQL statement (as known now).

Statistics, due lists and the statisticians' table need the status of thousands of
teachers at once; calling `evaluate()` per teacher is too slow. The policy in force on
D (as known now) is the same for everyone, so its W and H are fixed per query and the
rule of spec §7 becomes comparisons of ISO dates:

- a certificate counts on D iff `issued_on <= D < issued_on + W years`, i.e. iff
  `counts_after < issued_on <= D` with `counts_after` the latest day i such that
  `i + W years <= D` (`latest_start`, which minds 29 February);
- `next_due = E + W years <= D + 180 days` iff `E <= due_soon_until` (the same
  function of D + 180 days), E being the newest issue date at which the newest-first
  running total of counting hours reaches H (a window function);
- grace iff `D < service_start + W years` iff `service_start > counts_after`;
- the place on D is the latest effective-dated location on or before D, found without
  a lookup for the many teachers whose latest transfer (`location_from`) precedes D.

`tests/integration/test_queries_standing.py` cross-checks these statuses against
`evaluate()` teacher by teacher.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from registry.domain import clock
from registry.domain.compliance import DUE_SOON_DAYS, PolicyVersion, policy_in_force
from registry.domain.dates import add_years


def latest_start(day: date, window_years: int) -> date:
    """The latest date i with add_years(i, window_years) <= day."""
    year = day.year - window_years
    # Start from the same month and day W years earlier (28 Feb when there is no 29th)
    # and walk: add_years is monotonic, so the answer is within a day or two.
    candidate = _same_day(year, day)
    while add_years(candidate + timedelta(days=1), window_years) <= day:
        candidate += timedelta(days=1)
    while add_years(candidate, window_years) > day:
        candidate -= timedelta(days=1)
    return candidate


def _same_day(year: int, day: date) -> date:
    try:
        return day.replace(year=year)
    except ValueError:
        return date(year, day.month, 28)


@dataclass(frozen=True)
class Standard:
    """What judging everyone on one date takes: the date, the policy, the thresholds."""

    as_of: date
    window_years: int
    required_hours: int
    counts_after: date
    due_soon_until: date

    @classmethod
    def on(
        cls, as_of: date, policies: Sequence[PolicyVersion], known_at: datetime | None = None
    ) -> Standard:
        """The standard of a date under the policy in force on it (as known now, or at
        `known_at`)."""
        policy = policy_in_force(policies, as_of, known_at or clock.now())
        w = policy.window_years
        return cls(
            as_of=as_of,
            window_years=w,
            required_hours=policy.required_hours,
            counts_after=latest_start(as_of, w),
            due_soon_until=latest_start(as_of + timedelta(days=DUE_SOON_DAYS), w),
        )

    def next_due(self, row: dict[str, Any]) -> date | None:
        """The next_due of a judged row, as `evaluate()` gives it."""
        if row["status"] in ("compliant", "due_soon") and row["covered_from"]:
            return add_years(date.fromisoformat(row["covered_from"]), self.window_years)
        if row["status"] == "grace":
            return add_years(date.fromisoformat(row["service_start"]), self.window_years)
        return None


STANDING_COLUMNS = (
    "teacher_id",
    "key",
    "subject",
    "position",
    "service_start",
    "departed_on",
    "region",
    "district",
    "school",
    "hours",
    "covered_from",
    "provider_code",
    "status",
)


def standing_sql(standard: Standard) -> tuple[str, list[Any]]:
    """A SELECT of every teacher in service on D with place on D, hours and status."""
    d = standard.as_of.isoformat()
    sql = """
WITH counting AS (
  SELECT c.teacher_id, c.issued_on, c.hours, c.provider_code,
         SUM(c.hours) OVER (PARTITION BY c.teacher_id ORDER BY c.issued_on DESC, c.number DESC
                            ROWS UNBOUNDED PRECEDING) AS running,
         ROW_NUMBER() OVER (PARTITION BY c.teacher_id
                            ORDER BY c.issued_on DESC, c.number DESC) AS newest
  FROM certificate_index c
  WHERE c.revoked_at IS NULL AND c.duplicate_of IS NULL AND c.issued_on > ? AND c.issued_on <= ?
), per_teacher AS (
  SELECT teacher_id, SUM(hours) AS hours,
         MAX(CASE WHEN running >= ? THEN issued_on END) AS covered_from,
         MAX(CASE WHEN newest = 1 THEN provider_code END) AS provider_code
  FROM counting GROUP BY teacher_id
)
SELECT t.teacher_id, t.key, t.subject, t.position, t.service_start, t.departed_on,
       l.region, l.district, l.school, COALESCE(h.hours, 0) AS hours, h.covered_from,
       h.provider_code,
       CASE WHEN t.departed_on IS NOT NULL AND t.departed_on <= ? THEN 'inactive'
            WHEN COALESCE(h.hours, 0) >= ? THEN
                 CASE WHEN h.covered_from <= ? THEN 'due_soon' ELSE 'compliant' END
            WHEN t.service_start > ? THEN 'grace'
            ELSE 'overdue' END AS status
FROM stat_teachers t
JOIN stat_locations l ON l.teacher_id = t.teacher_id AND l.effective_on = CASE
     WHEN t.location_from <= ? THEN t.location_from
     ELSE (SELECT MAX(x.effective_on) FROM stat_locations x
           WHERE x.teacher_id = t.teacher_id AND x.effective_on <= ?) END
LEFT JOIN per_teacher h ON h.teacher_id = t.teacher_id
WHERE t.service_start <= ?"""
    params = [
        standard.counts_after.isoformat(),
        d,
        standard.required_hours,
        d,
        standard.required_hours,
        standard.due_soon_until.isoformat(),
        standard.counts_after.isoformat(),
        d,
        d,
        d,
    ]
    return sql, params


def standing_known_sql(standard: Standard, known_at: str) -> tuple[str, list[Any]]:
    """`standing_sql` as the registry knew it at `known_at` (time text): the SELECT of every
    teacher registered by then and in service on D, with `version_seq`, the
    `teacher_versions` row of their name and PIN as they then stood. Each fact is the
    latest recorded by then (a window over each table, one pass each, not a lookup per
    teacher): details from `teacher_versions`, the service start from
    `teacher_service_starts`, the place on D from `stat_location_versions`, the departure
    if recorded by then, certificates recorded by then and not revoked by then. The same
    judgement as `standing_sql`, which a replay until `known_at` would run
    (tests/property/test_known_at_replay.py)."""
    d, k = standard.as_of.isoformat(), known_at
    sql = """
WITH counting AS (
  SELECT c.teacher_id, c.issued_on, c.hours, c.provider_code,
         SUM(c.hours) OVER (PARTITION BY c.teacher_id ORDER BY c.issued_on DESC, c.number DESC
                            ROWS UNBOUNDED PRECEDING) AS running,
         ROW_NUMBER() OVER (PARTITION BY c.teacher_id
                            ORDER BY c.issued_on DESC, c.number DESC) AS newest
  FROM certificate_index c
  WHERE c.recorded_at <= ? AND (c.revoked_at IS NULL OR c.revoked_at > ?)
    AND c.duplicate_of IS NULL AND c.issued_on > ? AND c.issued_on <= ?
), per_teacher AS (
  SELECT teacher_id, SUM(hours) AS hours,
         MAX(CASE WHEN running >= ? THEN issued_on END) AS covered_from,
         MAX(CASE WHEN newest = 1 THEN provider_code END) AS provider_code
  FROM counting GROUP BY teacher_id
), known AS (
  SELECT teacher_id, seq, subject, position FROM (
    SELECT v.teacher_id, v.seq, v.subject, v.position,
           ROW_NUMBER() OVER (PARTITION BY v.teacher_id ORDER BY v.seq DESC) AS latest
    FROM teacher_versions v WHERE v.recorded_at <= ?) versions
  WHERE latest = 1
), started AS (
  SELECT teacher_id, service_start FROM (
    SELECT s.teacher_id, s.service_start,
           ROW_NUMBER() OVER (PARTITION BY s.teacher_id ORDER BY s.position DESC) AS latest
    FROM teacher_service_starts s WHERE s.recorded_at <= ?) starts
  WHERE latest = 1
), placed AS (
  SELECT teacher_id, region, district, school FROM (
    SELECT l.teacher_id, l.region, l.district, l.school,
           ROW_NUMBER() OVER (PARTITION BY l.teacher_id
                              ORDER BY l.effective_on DESC, l.seq DESC) AS latest
    FROM stat_location_versions l WHERE l.recorded_at <= ? AND l.effective_on <= ?) places
  WHERE latest = 1
)
SELECT k.teacher_id, st.key, k.subject, k.position, s.service_start,
       CASE WHEN t.departed_at <= ? THEN t.departed_on END AS departed_on,
       p.region, p.district, p.school, COALESCE(h.hours, 0) AS hours, h.covered_from,
       h.provider_code,
       CASE WHEN t.departed_at <= ? AND t.departed_on <= ? THEN 'inactive'
            WHEN COALESCE(h.hours, 0) >= ? THEN
                 CASE WHEN h.covered_from <= ? THEN 'due_soon' ELSE 'compliant' END
            WHEN s.service_start > ? THEN 'grace'
            ELSE 'overdue' END AS status,
       k.seq AS version_seq
FROM known k
JOIN started s ON s.teacher_id = k.teacher_id
JOIN placed p ON p.teacher_id = k.teacher_id
JOIN stat_teachers st ON st.teacher_id = k.teacher_id
JOIN teachers t ON t.id = k.teacher_id
LEFT JOIN per_teacher h ON h.teacher_id = k.teacher_id
WHERE s.service_start <= ?"""
    params = [
        k,
        k,
        standard.counts_after.isoformat(),
        d,
        standard.required_hours,
        k,
        k,
        k,
        d,
        k,
        k,
        d,
        standard.required_hours,
        standard.due_soon_until.isoformat(),
        standard.counts_after.isoformat(),
        d,
    ]
    return sql, params
