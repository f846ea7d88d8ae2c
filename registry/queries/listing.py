"""Long lists: a page of rows, how many there are in all, in an order the list names.

Every list sorts by a column it declares (`Sorts`: a name a client may ask for, and the
SQL it stands for), never by what a client typed, with a unique column last so pages
never overlap or skip a row. Totals are counted within a bound (`count`: at most
`COUNT_CAP` rows are counted, through the same indexes the page uses), so a list of the
whole country costs no more than a list of that many rows; a total at the cap says "at
least".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from registry.domain.errors import InvalidInputError
from registry.storage import Cursor

COUNT_CAP = 100_000  # rows a total counts at most: every teacher of the country
SORT_MAX = 40  # a sort name is short: anything longer is no sort of ours


@dataclass(frozen=True)
class Sorts:
    """The orders a list offers: each name a client may give (`name` ascending, `-name`
    descending) and the SQL expression it sorts by; `tiebreak` names the columns that
    make a row unique, sorted last."""

    columns: Mapping[str, str | tuple[str, ...]]  # an expression, or several in turn
    default: str
    tiebreak: tuple[str, ...]
    nullable: frozenset[str] = field(default_factory=frozenset)  # rows without a value last

    @property
    def choices(self) -> tuple[str, ...]:
        """Every sort a client may ask for."""
        return (*self.columns, *(f"-{name}" for name in self.columns))

    def check(self, sort: Any) -> str:
        """The sort asked for (the default when none), or InvalidInputError naming `sort`."""
        if sort is None or sort == "":
            return self.default
        if not isinstance(sort, str) or sort.removeprefix("-") not in self.columns:
            shown = sort[:SORT_MAX] if isinstance(sort, str) else type(sort).__name__
            raise InvalidInputError(
                f"sort {shown!r} is not offered: use one of {', '.join(self.choices)}.",
                field="sort",
                code="invalid_sort",
            )
        return sort

    def order_by(self, sort: Any) -> str:
        """The ORDER BY list (without the keywords) of a checked sort."""
        sort = self.check(sort)
        name = sort.removeprefix("-")
        direction = " DESC" if sort.startswith("-") else ""
        found = self.columns[name]
        expressions = found if isinstance(found, tuple) else (found,)
        # Both engines put rows without a value in the same place: after the others.
        nulls = (
            [f"CASE WHEN {e} IS NULL THEN 1 ELSE 0 END" for e in expressions]
            if name in self.nullable
            else []
        )
        ordered = [*expressions, *(c for c in self.tiebreak if c not in expressions)]
        return ", ".join([*nulls, *(f"{column}{direction}" for column in ordered)])


def count(
    cur: Cursor, source: str, params: Sequence[Any], cap: int = COUNT_CAP
) -> tuple[int, bool]:
    """(how many rows `SELECT … FROM {source}` gives, counting at most `cap`; whether
    there are more than that). `source` is a FROM clause with its WHERE."""
    row = cur.query_one(
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {source} LIMIT ?) counted", [*params, cap + 1]
    )
    found = int(row[0]) if row else 0
    return min(found, cap), found > cap


def page(
    name: str, rows: list[dict[str, Any]], total: int, capped: bool, sort: str | None
) -> dict[str, Any]:
    """A list's answer: {name: rows, total, total_capped, sort} (sort None: ranked by
    how well each row matches what was typed)."""
    return {name: rows, "total": total, "total_capped": capped, "sort": sort}
