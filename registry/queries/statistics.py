"""Statistics, open data, due lists and the statisticians' pseudonymised table.

As known now, they read the standing view (registry.projections.standing): statistics
sum its steps per group up to the date (a few thousand rows whatever the number of
teachers), due lists and the table read the teachers' intervals that contain the date
(through an index on status and place). While that view has teachers marked for
recomputation (during a rebuild, after a policy version), and as known at a past moment,
they judge every teacher on the date in SQL instead (`standing`). None returns a name or
a PIN except the due lists, which district departments need to send named teachers to
courses.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from registry.domain.compliance import STATUSES
from registry.domain.errors import InvalidInputError
from registry.projections.codec import UNKNOWN, date_value, time_text
from registry.projections.standing import COARSE
from registry.queries import activity, listing
from registry.queries.cache import PositionedCache
from registry.queries.common import load_policies, require_choice, require_date, require_page
from registry.queries.reference import Resolver, by_code, district_texts
from registry.queries.standing import (
    STANDING_COLUMNS,
    Standard,
    standing_known_sql,
    standing_sql,
)
from registry.storage import Database

COMPLIANCE_GROUPS = ("region", "district", "subject", "position", "provider_kind")
ACTIVITY_GROUPS = (
    "region",
    "district",
    "subject",
    "position",
    "provider_kind",
    "form",
    "mode",
    "funding",
)
OPEN_DATA_GROUPS = ("region", "district")
DUE_STATUSES = ("due_soon", "overdue", "grace", "compliant", "inactive")
SUPPRESS_BELOW = 5
Districts = tuple[str, ...] | None  # a due list's district as the views keep its texts
# A page of a district's due list by place is read a few schools at a time
# (`_due_by_school`) when it ends within its first SCHOOL_WALK_ROWS rows and the district
# has more than SCHOOL_WALK_TEACHERS teachers of the status, on an engine that would sort
# every row found (`Database.sorts_incrementally`); else the district at once.
SCHOOL_WALK_ROWS = 200
SCHOOL_WALK_TEACHERS = 100
SCHOOLS_AT_ONCE = 8
NONE = "none"  # provider_kind of teachers with no certificate counting on the date

# The orders of a due list (place: as commissions go through it) and of the statisticians'
# table (by pseudonym, which also pages a download by `after`).
DUE_SORTS = listing.Sorts(
    {
        "place": ("s.region", "s.district", "s.school", "t.full_name"),
        "name": "t.full_name",
        "school": ("s.school", "t.full_name"),
        "hours": "s.hours",
    },
    default="place",
    tiebreak=("s.teacher_id",),
)
PSEUDONYM_SORTS = listing.Sorts(
    {
        "key": "s.key",
        "place": ("s.region", "s.district", "s.school"),
        "subject": "s.subject",
        "position": "s.position",
        "status": "s.status",
        "hours": "s.hours",
    },
    default="key",
    tiebreak=("s.key",),
)

_COUNTS = ", ".join(
    f"SUM(CASE WHEN s.status = '{status}' THEN 1 ELSE 0 END)" for status in STATUSES
)


def settled(cur, scan: bool = False) -> bool:
    """Whether the standing view has no teacher waiting to be recomputed (False when
    `scan` asks for the per-teacher scan: a benchmark's yardstick)."""
    return not scan and cur.query_one("SELECT 1 FROM standing_dirty LIMIT 1") is None


def intervals_sql(standard: Standard) -> tuple[str, list[Any]]:
    """`standing_sql`'s columns for every teacher in service on D, read from the standing
    view's intervals containing D."""
    d = standard.as_of.isoformat()
    sql = (
        f"SELECT {', '.join(STANDING_COLUMNS)} FROM standing_intervals "
        "WHERE valid_from <= ? AND valid_to > ?"
    )
    return sql, [d, d]


def current_sql(cur, standard: Standard, scan: bool = False) -> tuple[str, list[Any]]:
    """Every teacher judged on D as known now: from the intervals when settled."""
    return intervals_sql(standard) if settled(cur, scan) else standing_sql(standard)


# The standing view's steps of a grouping: (dimension, group expression, region or '').
_STEPS = {
    "region": ("place", f"COALESCE(NULLIF(s.region, ''), '{NONE}')", "''"),
    "district": ("place", f"COALESCE(NULLIF(s.value, ''), '{NONE}')", "NULLIF(s.region, '')"),
    "subject": ("subject", f"COALESCE(NULLIF(s.value, ''), '{NONE}')", "''"),
    "position": ("position", f"COALESCE(NULLIF(s.value, ''), '{NONE}')", "''"),
    "provider_kind": ("provider", f"COALESCE(p.kind, '{NONE}')", "''"),
}


def steps_sql(as_of: date, group_by: str) -> tuple[str, list[Any]]:
    """(group, region, status, teachers, hours) on D from the standing view's steps: the
    years before D's, the months of its year before its month, the days of its month up
    to D, each range read on the steps' key."""
    dim, group, region = _STEPS[group_by]
    d = as_of.isoformat()
    year, month = d[:4], d[:7]
    part = "SELECT value, region, status, n, hours FROM standing_steps WHERE dim = ? AND "
    source = (  # the years and months from the index of the coarse steps alone
        f"{part}{COARSE} AND grain = 'Y' AND bucket < ? UNION ALL "
        f"{part}{COARSE} AND grain = 'M' AND bucket > ? AND bucket < ? UNION ALL "
        f"{part}grain = 'D' AND bucket > ? AND bucket <= ?"
    )
    join = "LEFT JOIN providers p ON p.code = s.value" if group_by == "provider_kind" else ""
    sql = (
        f"SELECT g, r, status, SUM(n), SUM(hours) FROM (SELECT {group} AS g, {region} AS r, "
        f"s.status, s.n, s.hours FROM ({source}) s {join}) x "
        "GROUP BY g, r, status ORDER BY g, r"
    )
    return sql, [dim, year, dim, year, month, dim, month, d]


def _due_steps(
    as_of: date, status: str, region: str | None, districts: Districts, columns: str
) -> tuple[str, list[Any]]:
    """The standing view's `place` steps of a status (in a region, a district) up to D:
    the years before D's, the months of its year before its month, the days of its month
    up to D, as `steps_sql` reads them (a UNION ALL of `columns`)."""
    d = as_of.isoformat()
    year, month = d[:4], d[:7]
    where, params = "dim = 'place' AND status = ?", [status]
    if region:
        where += " AND region = ?"
        params.append(region)
    if districts:
        where += f" AND value IN ({', '.join('?' * len(districts))})"
        params.extend(districts)
    part = f"SELECT {columns} FROM standing_steps WHERE {where} AND "
    sql = (
        f"{part}grain = 'Y' AND bucket < ? UNION ALL "
        f"{part}grain = 'M' AND bucket > ? AND bucket < ? UNION ALL "
        f"{part}grain = 'D' AND bucket > ? AND bucket <= ?"
    )
    return sql, [*params, year, *params, year, month, *params, month, d]


def due_total_sql(
    as_of: date, status: str, region: str | None, districts: Districts
) -> tuple[str, list[Any]]:
    """How many teachers have a status on D (in a region, a district): the standing
    view's `place` steps of that status summed up to D, as `steps_sql` sums them."""
    steps, params = _due_steps(as_of, status, region, districts, "n")
    return f"SELECT SUM(n) FROM ({steps}) s", params


def due_places_sql(
    as_of: date, status: str, region: str | None, districts: Districts
) -> tuple[str, list[Any]]:
    """(region, district, teachers) of every district with teachers of a status on D (in
    a region, a district), in the order of a due list by place: the standing view's
    `place` steps summed per district, as `due_total_sql` sums them all."""
    steps, params = _due_steps(as_of, status, region, districts, "region, value, n")
    sql = (
        f"SELECT region, value, SUM(n) FROM ({steps}) s GROUP BY region, value "
        "HAVING SUM(n) > 0 ORDER BY region, value"
    )
    return sql, params


def _due_source(
    cur, standard: Standard, known_at: datetime | None, scan: bool = False
) -> tuple[str, list[Any]]:
    """The FROM clause of a due list: every teacher judged on the date (`s`) with their
    name and PIN (`t`), as known now or as last recorded by `known_at`."""
    if known_at is None:
        sql, params = current_sql(cur, standard, scan)
        return f"({sql}) s JOIN teachers t ON t.id = s.teacher_id", params
    sql, params = standing_known_sql(standard, time_text(known_at))
    return (
        f"({sql}) s JOIN teacher_versions t ON t.teacher_id = s.teacher_id "
        "AND t.seq = s.version_seq"
    ), params


def _years_between(start: date, end: date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


class StatisticsQueries:
    """Compliance and activity by group, open data, due lists, the pseudonymised table."""

    def __init__(self, db: Database, answer_stale_s: float = 30.0, scan: bool = False):
        self.db = db
        self.scan = scan  # judge every teacher as before the standing view (a yardstick)
        self.cache = PositionedCache(db, max_stale_s=answer_stale_s)

    def _standard(self, cur, as_of: date | None, known_at: datetime | None = None) -> Standard:
        return Standard.on(require_date(as_of, "as_of"), load_policies(cur), known_at)

    def compliance(self, as_of: date | None, group_by: str) -> list[dict[str, Any]]:
        """Teachers in service on a date by status, per group (with their counting hours).

        provider_kind groups a teacher under the kind of provider of their newest
        certificate that counts on the date ("none" without one).
        """
        group_by = require_choice(group_by, COMPLIANCE_GROUPS, "group_by")
        as_of = require_date(as_of, "as_of")
        rows = self.cache.get(
            ("compliance", as_of, group_by), lambda: self._compliance(as_of, group_by)
        )
        return by_code(self.db, rows, group_by)

    def _compliance(self, as_of: date, group_by: str) -> list[dict[str, Any]]:
        with self.db.reading() as cur:
            if settled(cur, self.scan):
                return self._compliance_steps(cur, as_of, group_by)
            return self._compliance_scan(cur, as_of, group_by)

    def _compliance_scan(self, cur, as_of: date, group_by: str) -> list[dict[str, Any]]:
        """`_compliance` judging every teacher on the date (`standing_sql`)."""
        standard = self._standard(cur, as_of)
        sql, params = standing_sql(standard)
        if group_by == "provider_kind":
            group, join = (
                f"COALESCE(p.kind, '{NONE}')",
                "LEFT JOIN providers p ON p.code = s.provider_code",
            )
        else:
            group, join = f"COALESCE(s.{group_by}, '{NONE}')", ""
        extra = ", MIN(s.region)" if group_by == "district" else ""
        rows = cur.query(
            f"SELECT {group}, COUNT(*), {_COUNTS}, SUM(s.hours){extra} "
            f"FROM ({sql}) s {join} GROUP BY {group} ORDER BY {group}",
            params,
        )
        result = []
        for row in rows:
            line = {
                "group": row[0],
                "total": row[1],
                **dict(zip(STATUSES, (int(v) for v in row[2 : 2 + len(STATUSES)]))),
                "hours": int(row[2 + len(STATUSES)] or 0),
            }
            if group_by == "district":
                line["region"] = row[-1]
            result.append(line)
        return result

    @staticmethod
    def _compliance_steps(cur, as_of: date, group_by: str) -> list[dict[str, Any]]:
        """`_compliance` from the standing view's steps (groups with nobody on D left out;
        a district's region the least of those its teachers are in on D)."""
        sql, params = steps_sql(as_of, group_by)
        lines: dict[str, dict[str, Any]] = {}
        regions: dict[str, dict[Any, int]] = {}
        for group, region, status, n, hours in cur.query(sql, params, fresh_plan=True):
            line = lines.get(group)
            if line is None:
                line = lines[group] = {"group": group, "total": 0, **dict.fromkeys(STATUSES, 0)}
                line["hours"] = 0
            n = int(n or 0)
            line["total"] += n
            line[status] += n
            line["hours"] += int(hours or 0)
            if group_by == "district":
                per_region = regions.setdefault(group, {})
                per_region[region] = per_region.get(region, 0) + n
        result = []
        for group, line in lines.items():
            if line["total"] <= 0:
                continue
            if group_by == "district":
                line["region"] = next(
                    (r for r, n in regions[group].items() if n > 0 and r is not None), None
                )
            result.append(line)
        return result

    def open_data(self, as_of: date | None, group_by: str) -> list[dict[str, Any]]:
        """Counts by status per region or district; groups under 5 teachers suppressed,
        and with them, where a region's districts would give a small one away, the next
        smallest of its districts (`_hidden`)."""
        group_by = require_choice(group_by, OPEN_DATA_GROUPS, "group_by")
        lines = self.compliance(as_of, group_by)
        hidden = _hidden(lines) if group_by == "district" else set()
        result = []
        for line in lines:
            suppressed = line["total"] < SUPPRESS_BELOW or line["group"] in hidden
            out = {
                "group": line["group"],
                "suppressed": suppressed,
                "total": None if suppressed else line["total"],
            }
            out.update({s: None if suppressed else line[s] for s in STATUSES})
            if "region" in line:
                out["region"] = line["region"]
            result.append(out)
        return result

    def activity(self, date_from: date, date_to: date, group_by: str) -> list[dict[str, Any]]:
        """Certificates issued between two dates (inclusive; not revoked, not duplicates):
        how many, their hours and how many teachers they reached, per group. A teacher's
        region and district are those on the day of the certificate (transfers are
        effective-dated); subject and position are the current ones."""
        group_by = require_choice(group_by, ACTIVITY_GROUPS, "group_by")
        date_from = require_date(date_from, "from")
        date_to = require_date(date_to, "to")
        if date_from > date_to:
            raise InvalidInputError("from is after to.", field="from", code="invalid_range")
        rows = self.cache.get(
            ("activity", date_from, date_to, group_by),
            lambda: self._activity(date_from, date_to, group_by),
        )
        return by_code(self.db, rows, group_by)

    def _activity(self, date_from: date, date_to: date, group_by: str) -> list[dict[str, Any]]:
        with self.db.reading() as cur:
            if not self.scan and cur.query_one("SELECT 1 FROM activity_dirty LIMIT 1") is None:
                return activity.activity(cur, date_from, date_to, group_by)
        return self._activity_scan(date_from, date_to, group_by)

    def _activity_scan(self, date_from: date, date_to: date, group_by: str) -> list[dict[str, Any]]:
        """`_activity` reading every certificate of the period with its teacher's place on
        its day (the activity view's yardstick)."""
        joins, group = "", f"COALESCE(c.{group_by}, '{UNKNOWN}')"
        if group_by == "provider_kind":
            joins = "LEFT JOIN providers p ON p.code = c.provider_code"
            group = f"COALESCE(p.kind, '{UNKNOWN}')"
        elif group_by in ("subject", "position"):
            joins = "LEFT JOIN stat_teachers t ON t.teacher_id = c.teacher_id"
            group = f"COALESCE(t.{group_by}, '{UNKNOWN}')"
        elif group_by in ("region", "district"):
            joins = (
                "LEFT JOIN stat_locations l ON l.teacher_id = c.teacher_id AND "
                "l.effective_on = (SELECT MAX(x.effective_on) FROM stat_locations x "
                "WHERE x.teacher_id = c.teacher_id AND x.effective_on <= c.issued_on)"
            )
            group = f"COALESCE(l.{group_by}, '{UNKNOWN}')"
        rows = self.db.query(
            f"SELECT {group}, COUNT(*), SUM(c.hours), COUNT(DISTINCT c.teacher_id) "
            f"FROM certificate_index c {joins} WHERE c.revoked_at IS NULL AND "
            "c.duplicate_of IS NULL AND c.issued_on >= ? AND c.issued_on <= ? "
            f"GROUP BY {group} ORDER BY {group}",
            (date_from.isoformat(), date_to.isoformat()),
        )
        return [
            {"group": g, "certificates": n, "hours": int(h or 0), "teachers": t}
            for g, n, h, t in rows
        ]

    def due_list(
        self,
        *,
        status: str,
        as_of: date | None = None,
        region: str | None = None,
        district: str | None = None,
        school: str | None = None,
        limit: int = 1000,
        offset: int = 0,
        sort: str | None = None,
        known_at: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Named teachers with a status on a date, where they work on that date (in an
        order of `DUE_SORTS`: by place unless asked otherwise); with `known_at` (checked
        by the caller), as the registry knew it then: every fact, the names and the place
        included, as last recorded by then (`standing_known_sql`)."""
        place = (region, district, school)
        rows, _counted = self._due_read(status, as_of, place, sort, limit, offset, known_at, False)
        return rows

    def due_page(
        self,
        *,
        status: str,
        as_of: date | None = None,
        region: str | None = None,
        district: str | None = None,
        school: str | None = None,
        limit: int = 25,
        offset: int = 0,
        sort: str | None = None,
        known_at: datetime | None = None,
    ) -> tuple[list[dict[str, Any]], int, bool]:
        """`due_list` and `due_count` of the same list in one snapshot: a page by place
        read a district at a time has its total from the districts' counts it read."""
        place = (region, district, school)
        rows, counted = self._due_read(status, as_of, place, sort, limit, offset, known_at, True)
        assert counted is not None
        return rows, *counted

    def _due_read(
        self,
        status: str,
        as_of: date | None,
        place: tuple[str | None, str | None, str | None],
        sort: str | None,
        limit: int,
        offset: int,
        known_at: datetime | None,
        count: bool,
    ) -> tuple[list[dict[str, Any]], tuple[int, bool] | None]:
        """A due list's rows and, if `count`, how many it holds (capped; whether more), in
        one snapshot: a page read a district at a time has its total from the districts'
        counts it read."""
        status = require_choice(status, DUE_STATUSES, "status")
        limit, offset = require_page(limit, offset)
        sort = DUE_SORTS.check(sort)
        with self.db.reading(snapshot=True) as cur:
            region, district, school = place
            found = (region, _districts(cur, district), school)
            standard = self._standard(cur, as_of, known_at)
            rows, total = self._due(cur, standard, known_at, status, found, sort, limit, offset)
            counted: tuple[int, bool] | None = None
            if count:
                counted = (
                    self._due_count(cur, standard, known_at, status, found)
                    if total is None
                    else (min(total, listing.COUNT_CAP), total > listing.COUNT_CAP)
                )
        return _due_dicts(rows, standard), counted

    def _due(
        self,
        cur,
        standard: Standard,
        known_at: datetime | None,
        status: str,
        place: tuple[str | None, Districts, str | None],
        sort: str,
        limit: int,
        offset: int,
    ) -> tuple[list[tuple], int | None]:
        """A due list's rows (`STANDING_COLUMNS`, pin, full_name) and, when they were
        read a district at a time, how many the list holds (else None)."""
        region, districts, school = place
        if known_at is None and not school and sort.removeprefix("-") == "place":
            found = self._due_by_district(
                cur, standard, status, region, districts, limit, offset, sort
            )
            if found is not None:
                return found
        where, params = _due_where(status, region, districts, school)
        return self._due_rows(cur, standard, known_at, where, params, sort, limit, offset), None

    def _due_rows(
        self,
        cur,
        standard: Standard,
        known_at: datetime | None,
        where: list[str],
        params: list[Any],
        sort: str,
        limit: int,
        offset: int,
        source: tuple[str, list[Any]] | None = None,
    ) -> list[tuple]:
        """A due list's rows under conditions on the standing `s`, in an order of
        `DUE_SORTS`, in one statement; from every teacher's standing on the date unless
        a `source` (a FROM clause giving `s` and `t`, and its parameters) is given."""
        sql, standing_params = source or _due_source(cur, standard, known_at, self.scan)
        conditions = f" WHERE {' AND '.join(where)}" if where else ""
        return cur.query(
            f"SELECT {', '.join('s.' + c for c in STANDING_COLUMNS)}, t.pin, t.full_name "
            f"FROM {sql}{conditions} ORDER BY {DUE_SORTS.order_by(sort)} LIMIT ? OFFSET ?",
            [*standing_params, *params, limit, offset],
            fresh_plan=True,  # the intervals valid on D: how many depends on D
        )

    def _due_by_district(
        self,
        cur,
        standard: Standard,
        status: str,
        region: str | None,
        districts: Districts,
        limit: int,
        offset: int,
        sort: str,
    ) -> tuple[list[tuple], int] | None:
        """A page of a due list by place (as known now, the standing view settled) read a
        district at a time, and the list's total: how many teachers of the status each
        district has on D comes from the view's steps (`due_places_sql`, in the list's
        order), which says in which districts the page's rows lie and how many of the
        first one's to skip; each of those is read on the intervals' index on (status,
        district, school, valid_from), a few schools at a time for a page near its start
        (`_due_by_school`). Reading the country's page on its region's index walked
        every interval of the status that had begun in the first regions, ended or not
        (PostgreSQL, 100,000 teachers: 61 ms for 25 rows). None when this cannot answer
        (the view is not settled, a place not recorded): the caller reads the list in one
        statement."""
        if not settled(cur, self.scan):
            return None
        sql, params = due_places_sql(standard.as_of, status, region, districts)
        places = [(r, d, int(n)) for r, d, n in cur.query(sql, params, fresh_plan=True)]
        if any(not r or not d for r, d, _n in places):
            return None  # '' in the steps, NULL (or '') in the intervals: ordered apart
        if sort.startswith("-"):
            places.reverse()
        rows: list[tuple] = []
        skip = offset
        for place_region, place_district, teachers in places:
            if len(rows) >= limit:
                break
            if skip >= teachers:
                skip -= teachers
                continue
            where = ["s.status = ?", "s.region = ?", "s.district = ?"]
            at = [status, place_region, place_district]
            need = limit - len(rows)
            walk = (
                sort == "place"
                and not self.db.sorts_incrementally
                and skip + need <= SCHOOL_WALK_ROWS
                and teachers > SCHOOL_WALK_TEACHERS
            )
            found = self._due_by_school(cur, standard, where, at, need, skip) if walk else None
            if found is None:
                found = self._due_rows(cur, standard, None, where, at, sort, need, skip)
            rows += found
            skip = 0
        return rows, sum(teachers for _r, _d, teachers in places)

    def _due_by_school(
        self,
        cur,
        standard: Standard,
        where: list[str],
        params: list[Any],
        limit: int,
        offset: int,
    ) -> list[tuple] | None:
        """A page of one district's due list by place, read SCHOOLS_AT_ONCE schools at a
        time in the order of their names (each next school is one step along the
        intervals' index on status, district and school), until the page is full. On
        an engine that sorts every row found, a district's page read whole takes every
        interval of the status begun in the district before D and sorts those valid on
        D (SQLite, 100,000 teachers: 14-23 ms against 3.4-4.5 ms a few schools at a time;
        schools are as large at any size, there are more of them). None when a school
        is not recorded (NULL sorts apart on each engine): the caller reads the district.

        Each statement names the school it reads by equality or order, so that SQLite,
        planning without statistics, takes the index on the school (with `IN` or
        `IS NULL` alone it took the region's and walked every interval of the region:
        SQLite, 100,000 teachers, 18 and 82 ms against 0.3 and 0.07 ms)."""
        conditions = " AND ".join(c.removeprefix("s.") for c in where)
        some = f"SELECT 1 FROM standing_intervals WHERE {conditions} AND school"
        unnamed, empty = cur.query_one(
            f"SELECT ({some} IS NULL ORDER BY school LIMIT 1), "
            f"({some} = '' ORDER BY school LIMIT 1)",
            [*params, *params],
        )
        if unnamed:
            return None
        step = (
            f"SELECT school FROM standing_intervals WHERE {conditions} AND school > "
            "{after} ORDER BY school LIMIT 1"
        )
        schools_sql = (
            "WITH RECURSIVE walked(school, k) AS ("
            f"SELECT ({step.format(after='?')}), 1 UNION ALL "
            f"SELECT ({step.format(after='walked.school')}), k + 1 FROM walked "
            "WHERE walked.school IS NOT NULL AND k < ?) "
            "SELECT school FROM walked WHERE school IS NOT NULL"
        )
        one, one_params = intervals_sql(standard)  # a school's intervals valid on D
        one += f" AND {conditions} AND school = ?"
        rows: list[tuple] = []
        after = ""  # no school is less than '' (and '' itself: read on its own first)
        schools = [""] if empty else []
        while len(rows) < limit:
            if not schools:
                schools = [
                    r[0] for r in cur.query(schools_sql, [*params, after, *params, SCHOOLS_AT_ONCE])
                ]
                if not schools:
                    break
            got = self._due_rows(
                cur,
                standard,
                None,
                [],
                [],
                "place",
                offset + limit - len(rows),
                0,
                source=(
                    f"({' UNION ALL '.join([one] * len(schools))}) s "
                    "JOIN teachers t ON t.id = s.teacher_id",
                    [p for school in schools for p in (*one_params, *params, school)],
                ),
            )
            rows += got[offset:]
            offset = max(0, offset - len(got))
            after, schools = schools[-1], []
        return rows[:limit]

    def due_count(
        self,
        *,
        status: str,
        as_of: date | None = None,
        region: str | None = None,
        district: str | None = None,
        school: str | None = None,
        known_at: datetime | None = None,
    ) -> tuple[int, bool]:
        """How many teachers a due list holds (counted up to `listing.COUNT_CAP`; whether
        there are more), as known now or at `known_at`."""
        status = require_choice(status, DUE_STATUSES, "status")
        with self.db.reading() as cur:
            place = (region, _districts(cur, district), school)
            standard = self._standard(cur, as_of, known_at)
            return self._due_count(cur, standard, known_at, status, place)

    def _due_count(
        self,
        cur,
        standard: Standard,
        known_at: datetime | None,
        status: str,
        place: tuple[str | None, Districts, str | None],
    ) -> tuple[int, bool]:
        region, districts, school = place
        if known_at is None and not school and settled(cur, self.scan):
            sql, step_params = due_total_sql(standard.as_of, status, region, districts)
            row = cur.query_one(sql, step_params, fresh_plan=True)
            found = int(row[0] or 0) if row else 0
            return min(found, listing.COUNT_CAP), found > listing.COUNT_CAP
        where, params = _due_where(status, region, districts, school)
        source, standing_params = _due_source(cur, standard, known_at, self.scan)
        return listing.count(
            cur, f"{source} WHERE {' AND '.join(where)}", [*standing_params, *params]
        )

    def pseudonymised_count(
        self, as_of: date | None = None, *, region: str | None = None, status: str | None = None
    ) -> tuple[int, bool]:
        """How many rows the statisticians' table holds on a date (in a region, of a
        status), counted up to `listing.COUNT_CAP`; whether there are more."""
        where, params = _pseudonym_where(region, status)
        with self.db.reading() as cur:
            sql, standing_params = current_sql(cur, self._standard(cur, as_of), self.scan)
            return listing.count(cur, f"({sql}) s{where}", [*standing_params, *params])

    def pseudonymised(
        self,
        as_of: date | None = None,
        limit: int = 1000,
        offset: int = 0,
        *,
        region: str | None = None,
        status: str | None = None,
        sort: str | None = None,
        after: str | None = None,
    ) -> list[dict[str, Any]]:
        """The statisticians' teacher-level table on a date: a stable key, never a name or
        PIN (in a region, of a status; in an order of `PSEUDONYM_SORTS`; `after` a key:
        the rows after it by key, which pages a download without counting past rows)."""
        limit, offset = require_page(limit, offset)
        order = PSEUDONYM_SORTS.order_by(sort)
        where, params = _pseudonym_where(region, status)
        if after is not None:
            if PSEUDONYM_SORTS.check(sort) != "key":
                raise InvalidInputError(
                    "after pages the table by key only.", field="after", code="invalid_after"
                )
            where += " AND s.key > ?" if where else " WHERE s.key > ?"
            params.append(after)
        with self.db.reading() as cur:
            standard = self._standard(cur, as_of)
            sql, standing_params = current_sql(cur, standard, self.scan)
            rows = cur.query(
                f"SELECT {', '.join('s.' + c for c in STANDING_COLUMNS)} "
                f"FROM ({sql}) s{where} ORDER BY {order} LIMIT ? OFFSET ?",
                [*standing_params, *params, limit, offset],
            )
            resolver = Resolver.read(cur)

        def coded(list_name: str, text: str | None) -> str | None:
            """A listed field as its code, as the statistics group it (text no list
            stands for, as recorded)."""
            return resolver.code(list_name, text) or text

        result = []
        for row in rows:
            s = dict(zip(STANDING_COLUMNS, row))
            result.append(
                {
                    "key": s["key"],
                    "region": s["region"],
                    "district": coded("districts", s["district"]),
                    "school": s["school"],
                    "subject": coded("subjects", s["subject"]),
                    "position": coded("positions", s["position"]),
                    "service_years": _years_between(date_value(s["service_start"]), standard.as_of),
                    "status": s["status"],
                    "hours": int(s["hours"]),
                }
            )
        return result


def _due_dicts(rows: list[tuple], standard: Standard) -> list[dict[str, Any]]:
    """A due list's rows as its callers see them."""
    result = []
    for row in rows:
        s = dict(zip(STANDING_COLUMNS, row))
        result.append(
            {
                "pin": row[-2],
                "full_name": row[-1],
                "region": s["region"],
                "district": s["district"],
                "school": s["school"],
                "subject": s["subject"],
                "position": s["position"],
                "status": s["status"],
                "hours": int(s["hours"]),
                "missing_hours": max(0, standard.required_hours - int(s["hours"])),
                "next_due": standard.next_due(s),
            }
        )
    return result


def _districts(cur, district: str | None) -> Districts:
    """The texts the views keep for a due list's district (None: every district)."""
    return district_texts(cur, district) if district and district.strip() else None


def _due_where(
    status: str, region: str | None, districts: Districts, school: str | None
) -> tuple[list[str], list[Any]]:
    """A due list's conditions on the standing `s` (`districts`: the texts the views keep
    for the district asked for, `district_texts`)."""
    where, params = ["s.status = ?"], [status]
    if region:
        where.append("s.region = ?")
        params.append(region)
    if districts:
        where.append(f"s.district IN ({', '.join('?' * len(districts))})")
        params.extend(districts)
    if school:
        where.append("s.school = ?")
        params.append(school)
    return where, params


def _pseudonym_where(region: str | None, status: str | None) -> tuple[str, list[Any]]:
    """The statisticians' table's conditions on the standing `s` (a WHERE clause or '')."""
    where, params = [], []
    if region:
        where.append("s.region = ?")
        params.append(region)
    if status:
        where.append("s.status = ?")
        params.append(require_choice(status, DUE_STATUSES, "status"))
    return (f" WHERE {' AND '.join(where)}" if where else ""), params


def _hidden(districts: list[dict[str, Any]]) -> set[str]:
    """The districts to suppress so that no group under SUPPRESS_BELOW teachers can be
    worked out: a region's row less its published districts is the sum of its suppressed
    ones, so while that sum is under the bound (one small district alone, or two tiny
    ones), the region's next smallest district is suppressed too (complementary
    suppression; the region's own row is published by group_by=region)."""
    by_region: dict[Any, list[dict[str, Any]]] = {}
    for line in districts:
        by_region.setdefault(line.get("region"), []).append(line)
    hidden: set[str] = set()
    for lines in by_region.values():
        small = [line for line in lines if line["total"] < SUPPRESS_BELOW]
        rest = sorted(
            (line for line in lines if line["total"] >= SUPPRESS_BELOW),
            key=lambda line: (line["total"], str(line["group"])),
        )
        withheld = sum(line["total"] for line in small)
        while small and withheld < SUPPRESS_BELOW and rest:
            extra = rest.pop(0)
            hidden.add(extra["group"])
            withheld += extra["total"]
    return hidden
