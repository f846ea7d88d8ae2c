"""The reference lists as read: entries with their names, the spellings' codes, and the one
function that puts statistics' groups of stored text under codes (`regroup`).

Stored events keep the text they were recorded with; views group by what is stored. A
grouped result (a few hundred rows at most) is then mapped here: a group whose text is a
code, a name of a listed entry or a spelling an administrator tied to a code joins that
code's group; anything else joins one group, `unmapped`, whose count says how much is
still to be mapped (and `spellings` which texts), never silently split.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from registry.domain.reference import (
    FIELD_OF as LIST_OF_FIELD,
)
from registry.domain.reference import (
    LIST_OF,
    LISTS,
    UNMAPPED,
    check_list,
    seed_spellings,
    spelling_key,
)
from registry.projections.statistics import canonical_district
from registry.storage import Cursor, Database

ENTRY_COLUMNS = ("list", "code", "name_ky", "name_ru", "name_en", "region", "retired")
# Groups that are not recorded text: no value on the date, a value not recorded.
NOT_SPELLINGS = frozenset({"none", "unknown"})


def _entry(row: tuple) -> dict[str, Any]:
    entry = dict(zip(ENTRY_COLUMNS, row))
    entry["retired"] = bool(entry["retired"])
    return entry


@dataclass
class Resolver:
    """What every stored text of the lists means: (list, folded text) -> code."""

    codes: dict[tuple[str, str], str] = field(default_factory=dict)
    entries: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def read(cls, cur: Cursor) -> Resolver:
        resolver = cls(codes=dict(seed_spellings()))
        for row in cur.query(f"SELECT {', '.join(ENTRY_COLUMNS)} FROM reference_entries"):
            entry = _entry(row)
            resolver.entries[(entry["list"], entry["code"])] = entry
            for text in (entry["code"], entry["name_en"], entry["name_ru"], entry["name_ky"]):
                resolver.codes.setdefault((entry["list"], spelling_key(text)), entry["code"])
        for list_name, spelling, code in cur.query(
            "SELECT list, spelling, code FROM reference_spellings"
        ):
            # An administrator's mapping outranks a coincidence with a name.
            resolver.codes[(list_name, spelling_key(spelling))] = code
        return resolver

    def code(self, list_name: str, text: str | None) -> str | None:
        """The code a stored text stands for, or None when it is not mapped."""
        if text is None:
            return None
        return self.codes.get((list_name, spelling_key(text)))


def regroup(
    rows: Iterable[dict[str, Any]], group_by: str, resolver: Resolver
) -> list[dict[str, Any]]:
    """Statistics' rows grouped by stored text (`group`), regrouped by code when `group_by`
    is a listed field (district, subject, position): whole-number columns are summed, a
    district's region is its entry's; texts no code stands for make one `unmapped` row
    with `spellings`, the texts it holds (sorted). Other groupings come back unchanged.

    Sums of `teachers` (distinct teachers per group) stay exact for subject and position
    (a teacher has one of each at a time) and for a district's spellings unless one
    teacher's certificates were recorded under two spellings of one district."""
    rows = list(rows)
    list_name = LIST_OF.get(group_by)
    if list_name is None:
        return rows
    merged: dict[str, dict[str, Any]] = {}
    for row in rows:
        text = row["group"]
        code = text if text in NOT_SPELLINGS else resolver.code(list_name, text) or UNMAPPED
        line = merged.get(code)
        if line is None:
            line = merged[code] = {**row, "group": code}
            if code == UNMAPPED:
                line["spellings"] = []
            if list_name == "districts" and "region" in row:
                entry = resolver.entries.get((list_name, code))
                line["region"] = entry["region"] if entry else None
        else:
            for key, value in row.items():
                if key != "group" and isinstance(value, int) and not isinstance(value, bool):
                    line[key] = (line.get(key) or 0) + value
        if code == UNMAPPED:
            line["spellings"].append(text)
    for line in merged.values():
        if "spellings" in line:
            line["spellings"] = sorted(set(line["spellings"]))
    return sorted(merged.values(), key=lambda line: (line["group"] == UNMAPPED, line["group"]))


def by_code(db: Database, rows: list[dict[str, Any]], group_by: str) -> list[dict[str, Any]]:
    """`regroup` with the lists as the database holds them now (a listed field only)."""
    if group_by not in LIST_OF:
        return rows
    with db.reading() as cur:
        return regroup(rows, group_by, Resolver.read(cur))


def district_texts(cur: Cursor, district: str) -> tuple[str, ...]:
    """The texts the views keep for a district asked for by its code, a name or a text
    as recorded: that text as the views fold it (`canonical_district`), and, when it
    stands for a listed district, its code and names and every spelling an administrator
    tied to it, folded alike. A due list of a district then holds the teachers recorded
    under any of them, as the statistics count them under its code (`regroup`)."""
    texts = [district]
    resolver = Resolver.read(cur)
    code = resolver.code("districts", district)
    if code is not None:
        entry = resolver.entries.get(("districts", code))
        if entry is not None:
            texts += [code, entry["name_en"], entry["name_ru"], entry["name_ky"]]
        texts += [
            spelling
            for (spelling,) in cur.query(
                "SELECT spelling FROM reference_spellings WHERE list = ? AND code = ?",
                ("districts", code),
            )
        ]
    folded = (canonical_district(text) for text in texts if text and text.strip())
    return tuple(dict.fromkeys(text for text in folded if text))


class ReferenceQueries:
    """The lists, their names in the three languages, and the spellings' mapping."""

    def __init__(self, db: Database):
        self.db = db

    def resolver(self) -> Resolver:
        with self.db.reading() as cur:
            return Resolver.read(cur)

    def entries(self, list_name: str, *, region: str | None = None) -> list[dict[str, Any]]:
        """A list's entries in the order they were added (a region's districts only, if
        one is named)."""
        list_name = check_list(list_name)
        where, params = "list = ?", [list_name]
        if region:
            where, params = where + " AND region = ?", [*params, region]
        rows = self.db.query(
            f"SELECT {', '.join(ENTRY_COLUMNS)} FROM reference_entries WHERE {where} "
            "ORDER BY position, code",
            tuple(params),
        )
        return [_entry(row) for row in rows]

    def all_entries(self) -> dict[str, list[dict[str, Any]]]:
        """Every list's entries."""
        return {name: self.entries(name) for name in LISTS}

    def unmapped(self, list_name: str) -> list[dict[str, Any]]:
        """The texts teachers carry (any place they ever had, for districts) that no code
        stands for yet, each with how many teachers carry it, most first."""
        list_name = check_list(list_name)
        field = LIST_OF_FIELD[list_name]
        table = "stat_locations" if field == "district" else "stat_teachers"
        with self.db.reading() as cur:
            resolver = Resolver.read(cur)
            rows = cur.query(
                f"SELECT {field}, COUNT(DISTINCT teacher_id) FROM {table} "
                f"WHERE {field} IS NOT NULL GROUP BY {field}"
            )
        found = [
            {"spelling": text, "teachers": count}
            for text, count in rows
            if resolver.code(list_name, text) is None
        ]
        return sorted(found, key=lambda row: (-row["teachers"], row["spelling"]))

    def spellings(self, list_name: str) -> list[dict[str, Any]]:
        """The spellings tied to codes of a list, alphabetically."""
        list_name = check_list(list_name)
        rows = self.db.query(
            "SELECT spelling, code FROM reference_spellings WHERE list = ? ORDER BY spelling",
            (list_name,),
        )
        return [{"spelling": s, "code": c} for s, c in rows]
