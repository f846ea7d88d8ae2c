"""Activity for a period from the activity view's steps and pairs
(registry.projections.activity): certificates and hours are the steps summed over the
period's runs of days, months and years; teachers are the certificates less the pairs of
one teacher's certificates (in one group) with both dates in the period.

The pairs in the period are, each once: those starting in its first partial month (by
their days, ending by its last day), those ending in its last partial month (by their
days, starting after the first partial month), and those with both dates in its whole
months and years (by month or year of each date). The day pairs read are at most a
month's starting and a month's ending, whatever the length of the period."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

Segment = tuple[str, str, str]  # grain, first bucket, last bucket (inclusive)

_STEPS = (
    "SELECT value, certificates, hours, 0 AS pairs FROM activity_steps "
    "WHERE dim = ? AND grain = ? AND bucket >= ? AND bucket <= ?"
)
_PAIRS = (
    "SELECT value, 0, 0, pairs FROM activity_pairs WHERE dim = ? AND grain_from = ? "
    "AND grain_to = ? AND bucket_from >= ? AND bucket_from <= ? AND bucket_to >= ? "
    "AND bucket_to <= ?"
)
# The day pairs are read on the partial indexes of their grain (activity_pairs), whose
# conditions SQLite matches by their text: each part names its index's condition alone.
_PAIRS_STARTING = (  # day pairs starting first..last, ending by the last day
    "SELECT value, 0, 0, pairs FROM activity_pairs WHERE dim = ? AND grain_from = 'D' "
    "AND bucket_from >= ? AND bucket_from <= ? AND bucket_to <= ?"
)
_PAIRS_ENDING = (  # day pairs ending first..last, starting from `since`
    "SELECT value, 0, 0, pairs FROM activity_pairs WHERE dim = ? AND grain_to = 'D' "
    "AND bucket_to >= ? AND bucket_to <= ? AND bucket_from >= ?"
)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _month(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def segments(first: date, last: date) -> list[Segment]:
    """The days first..last (inclusive) as runs of whole buckets of one grain, in order:
    the days before the first whole month, whole months before the first whole year,
    whole years, whole months, the days after the last whole month (at most five)."""
    if (first.year, first.month) == (last.year, last.month):
        return [("D", first.isoformat(), last.isoformat())]
    result: list[Segment] = []
    if first.day != 1:
        result.append(("D", first.isoformat(), (_next_month(first) - timedelta(1)).isoformat()))
        first = _next_month(first)
    tail: Segment | None = None
    if (last + timedelta(1)).month == last.month:  # not the last day of its month
        start = last.replace(day=1)
        tail = ("D", start.isoformat(), last.isoformat())
        last = start - timedelta(1)
    # Whole months first..last (by their first and last days), possibly none.
    if first <= last:
        y1, m1, y2, m2 = first.year, first.month, last.year, last.month
        if y1 == y2 and (m1 != 1 or m2 != 12):
            result.append(("M", _month(y1, m1), _month(y2, m2)))
        else:
            months_after: Segment | None = None
            if m1 != 1:
                result.append(("M", _month(y1, m1), _month(y1, 12)))
                y1 += 1
            if m2 != 12:
                months_after = ("M", _month(y2, 1), _month(y2, m2))
                y2 -= 1
            if y1 <= y2:
                result.append(("Y", f"{y1:04d}", f"{y2:04d}"))
            if months_after:
                result.append(months_after)
    if tail:
        result.append(tail)
    return result


def activity_sql(first: date, last: date, dim: str) -> tuple[str, list[Any]]:
    """(group, certificates, hours, pairs) per group with certificates issued first..last."""
    runs = segments(first, last)
    parts, params = [], []
    for grain, low, high in runs:
        parts.append(_STEPS)
        params += [dim, grain, low, high]
    # Runs of days come only first and last (`segments`); the whole ones lie between.
    head = runs[0] if runs[0][0] == "D" else None
    tail = runs[-1] if runs[-1][0] == "D" and len(runs) > 1 else None
    whole = runs[(1 if head else 0) : (len(runs) - 1 if tail else len(runs))]
    if head:
        parts.append(_PAIRS_STARTING)
        params += [dim, head[1], head[2], last.isoformat()]
    if tail:
        since = (date.fromisoformat(head[2]) + timedelta(1)) if head else first
        parts.append(_PAIRS_ENDING)
        params += [dim, tail[1], tail[2], since.isoformat()]
    for at, (grain_from, low_from, high_from) in enumerate(whole):
        for grain_to, low_to, high_to in whole[at:]:
            parts.append(_PAIRS)
            params += [dim, grain_from, grain_to, low_from, high_from, low_to, high_to]
    sql = (
        "SELECT value, SUM(certificates), SUM(hours), SUM(pairs) FROM ("
        + " UNION ALL ".join(parts)
        + ") x GROUP BY value HAVING SUM(certificates) > 0 ORDER BY value"
    )
    return sql, params


def activity(cur, first: date, last: date, dim: str) -> list[dict[str, Any]]:
    """[{group, certificates, hours, teachers}] of the valid certificates issued
    first..last, per group of `dim` (registry.projections.activity.DIMENSIONS)."""
    sql, params = activity_sql(first, last, dim)
    return [
        {
            "group": value,
            "certificates": int(n),
            "hours": int(hours or 0),
            "teachers": int(n) - int(pairs or 0),
        }
        for value, n, hours, pairs in cur.query(sql, params, fresh_plan=True)
    ]
