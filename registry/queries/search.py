"""Finding teachers and programmes by what people type: folded words matched by the
engine's trigram index (never a scan of the country), ranked, with the total found.

A query is folded as the stored keys are (`registry.domain.search.fold`: case, Kyrgyz
letters and the script make no difference); every word must occur in the key, a word of
three or more letters anywhere, a shorter one at a word's start. Fourteen digits are a
PIN, looked up exactly (a current or former one). Results come best first: the whole
query equal to the name (or school), then starting it, then starting one of its words,
then anywhere; within each, by similarity (`Database.similarity`), then by name. When
more than RANK_LIMIT rows match (two letters, a word most schools have), the page comes
in the order of names instead: ranking reads every row found.

A teacher search counts before it reads (`_teachers_found`): the teachers of the schools
whose name has every word from the schools' counts, the others through the names'
index; so a broad query ("5 school", two letters) reads no more rows than its page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from registry.domain.errors import InvalidInputError, RuleViolationError
from registry.domain.search import MAX_QUERY, MIN_TERM, fold, terms
from registry.projections.compliance import TEACHER_SCHOOLS, TEACHERS
from registry.projections.directory import PROGRAMMES
from registry.queries.common import require_page
from registry.storage import Cursor, Database

_PIN = re.compile(r"[0-9]{14}")
# The most rows found that are ranked; more come in the order of names.
RANK_LIMIT = 2_000
# A page by name is read along the names' index, checking each row, when at least one
# teacher in WALK_SHARE is at a school that has every word (about WALK_SHARE rows
# checked per row shown).
WALK_SHARE = 50


@dataclass(frozen=True)
class Query:
    """What was typed, read: a PIN, words to match, or nothing."""

    pin: str | None
    folded: str
    words: tuple[str, ...]

    @classmethod
    def read(cls, text: Any) -> Query:
        """Check and fold the typed text: too long is malformed (400, as the API's own
        length check), too short to search by is well-formed but refused (422)."""
        if text is not None and not isinstance(text, str):
            raise InvalidInputError("q must be text.", field="q", code="invalid_query")
        text = (text or "").strip()
        if len(text) > MAX_QUERY:
            raise InvalidInputError(
                f"Type at most {MAX_QUERY} characters to search.",
                field="q",
                code="query_too_long",
            )
        compact = re.sub(r"[\s-]", "", text)
        if _PIN.fullmatch(compact):
            return cls(pin=compact, folded="", words=())
        words = tuple(terms(text))
        if text and (not words or len(words[0]) < MIN_TERM):
            raise RuleViolationError(
                f"Type at least {MIN_TERM} letters or digits to search.",
                field="q",
                code="query_too_short",
            )
        return cls(pin=None, folded=fold(text), words=words)

    @property
    def empty(self) -> bool:
        return self.pin is None and not self.words

    def substrings(self) -> list[str]:
        """What every match's key contains: a long word anywhere, a short one at a word's
        start (the key puts a space before each word, so " ab" is three characters)."""
        return [w if len(w) > MIN_TERM else f" {w}" for w in self.words]


def _filters(filters: dict[str, str | None]) -> tuple[list[str], list[Any]]:
    where, params = [], []
    for column, value in filters.items():
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    return where, params


def find(
    db: Database,
    cur: Cursor,
    query: Query,
    *,
    table: str,
    columns: tuple[str, ...],
    filters: dict[str, str | None],
    rank: tuple[str, list[Any]],
    order: str,
    limit: int,
    offset: int,
) -> tuple[int, list[tuple]]:
    """(total, the page of rows) of a table's rows matching the query and the filters."""
    where, params = _filters(filters)
    searched = TEACHERS if table == TEACHERS.name else PROGRAMMES
    total = None
    if query.words:
        if not where:
            total = db.count_text_matches(cur, searched, "search_key", query.substrings())
        condition, matched = db.text_match(searched, "search_key", query.substrings())
        where.insert(0, condition)
        params[:0] = matched
    sql_where = f" WHERE {' AND '.join(where)}" if where else ""
    if total is None and query.words:
        # The ranked page and the total in one reading of the rows found (on PostgreSQL
        # each statement rechecks every row the index proposes); too many found, or a
        # page past the last, and the total is read on its own below.
        ranking, rank_params = rank
        rows = cur.query(
            f"SELECT {', '.join(columns)}, count(*) OVER () FROM {table}{sql_where} "
            f"ORDER BY {ranking}{order} LIMIT ? OFFSET ?",
            [*params, *rank_params, limit, offset],
        )
        if rows:
            total = rows[0][-1]
            if total <= RANK_LIMIT:
                return total, [row[:-1] for row in rows]
    if total is None:
        row = cur.query_one(f"SELECT count(*) FROM {table}{sql_where}", params)
        total = row[0] if row else 0
    if total == 0 or offset >= total:
        return total, []
    # Ranking reads every row found: beyond RANK_LIMIT the page comes by name instead
    # (the index's order), as a ranking of thousands says little anyway.
    ranked = query.words and total <= RANK_LIMIT
    ranking, rank_params = rank if ranked else ("", [])
    rows = cur.query(
        f"SELECT {', '.join(columns)} FROM {table}{sql_where} "
        f"ORDER BY {ranking}{order} LIMIT ? OFFSET ?",
        [*params, *rank_params, limit, offset],
    )
    return total, rows


def teachers(
    db: Database,
    text: Any,
    columns: tuple[str, ...],
    filters: dict[str, str | None],
    limit: int,
    offset: int,
) -> tuple[int, list[tuple]]:
    """(total, a page of teacher rows in `columns`) matching the typed text and filters."""
    limit, offset = require_page(limit, offset)
    query = Query.read(text)
    with db.reading() as cur:
        if query.pin is not None:
            owner = cur.query_one("SELECT teacher_id FROM teacher_pins WHERE pin = ?", (query.pin,))
            if owner is None:
                return 0, []
            filters = {"id": owner[0], **filters}
        if query.words:
            rank = _Rank.of(db, query.folded)
            return _teachers_found(db, cur, query, columns, filters, rank, limit, offset)
        return find(
            db,
            cur,
            query,
            table=TEACHERS.name,
            columns=columns,
            filters=filters,
            rank=("", []),  # no words: by name
            order="full_name, id",
            limit=limit,
            offset=offset,
        )


@dataclass(frozen=True)
class _Rank:
    """The order of the teachers found: the whole query equal to the name or school, then
    starting it, then starting one of its words, then anywhere (`tier`); within each, by
    the name's likeness to the query, then the school's (`Database.similarity`), then by
    name and id."""

    tier: str
    likeness: str
    then: str
    params: tuple[list[Any], list[Any], list[Any]]
    two_steps: bool

    @classmethod
    def of(cls, db: Database, q: str) -> _Rank:
        return cls(
            tier="CASE WHEN name_key = ? OR school_key = ? THEN 0 "
            "WHEN name_key LIKE ? OR school_key LIKE ? THEN 1 "
            "WHEN search_key LIKE ? THEN 2 ELSE 3 END",
            likeness=db.similarity("name_key", "?"),
            then=db.similarity("school_key", "?"),
            params=([q, q, f"{q}%", f"{q}%", f"% {q}%"], [q], [q]),
            two_steps=db.costly_similarity,
        )

    def page(
        self, columns: str, source: str, params: list[Any], limit: int, offset: int
    ) -> tuple[str, list[Any]]:
        """A statement of the ranked page of the rows of `source` (a SELECT with its
        `params`), in `columns`. The school's likeness (a trigram comparison on
        PostgreSQL, some 4-10 µs a row) is worked out only for the rows that can be on
        the page: those whose tier and name's likeness rank within its end (1,346 found
        for 'asanova': 33 to 18 ms at load 7). Where the likeness costs next to nothing
        (SQLite), in one sort: the extra step's copies of the rows cost more (surname
        p50 8 to 14 ms)."""
        tier_params, likeness_params, then_params = self.params
        if not self.two_steps:
            return (
                f"SELECT {columns} FROM ({source}) source ORDER BY {self.tier}, "
                f"{self.likeness} DESC, {self.then} DESC, full_name, id LIMIT ? OFFSET ?",
                [*params, *tier_params, *likeness_params, *then_params, limit, offset],
            )
        return (
            f"SELECT {columns} FROM (SELECT *, rank() OVER (ORDER BY found_tier, "
            "found_likeness DESC) AS found_rank FROM (SELECT *, "
            f"{self.tier} AS found_tier, {self.likeness} AS found_likeness FROM ({source}) "
            f"source) keyed) ranked WHERE found_rank <= ? ORDER BY found_tier, "
            f"found_likeness DESC, {self.then} DESC, full_name, id LIMIT ? OFFSET ?",
            [
                *tier_params,
                *likeness_params,
                *params,
                offset + limit,
                *then_params,
                limit,
                offset,
            ],
        )


# A school's folded name with a space before its first word, as in search_key: " 5" is
# a word's start there too.
_SCHOOL_WORDS = "(' ' || school_key)"


def _teachers_found(
    db: Database,
    cur: Cursor,
    query: Query,
    columns: tuple[str, ...],
    filters: dict[str, str | None],
    rank: _Rank,
    limit: int,
    offset: int,
) -> tuple[int, list[tuple]]:
    """(total, a page) of the teachers whose name or school has every word typed.

    Each word is in the name or in the school; most teachers a broad query finds are
    found by their school's words ("5 school", "se" of "secondary"), and schools are few.
    So the total is counted in two parts: the teachers of the schools whose name has
    every word, from the schools' counts (TEACHER_SCHOOLS), and the others, which some
    word's match in the name brings (the names' own index, `name_words`), checked row by
    row (when no school has any word typed, the ranked page and the total are read
    together, as long as they are within RANK_LIMIT). A total within RANK_LIMIT is then
    read and ranked; a larger one comes in the order of names, checked row by row as the
    name index gives them, which stops at the page's end."""
    substrings = query.substrings()
    where, params = _filters(filters)
    sql_where = "".join(f" AND {w}" for w in where)
    in_school, in_school_params = db.text_contains(_SCHOOL_WORDS, substrings)
    each_word = [db.text_contains(_SCHOOL_WORDS, [s]) for s in substrings]
    row = cur.query_one(
        f"SELECT coalesce(sum(teachers), 0), "
        f"coalesce(sum(CASE WHEN {in_school} THEN teachers ELSE 0 END), 0), "
        + ", ".join(f"max(CASE WHEN {c} THEN 1 ELSE 0 END)" for c, _ in each_word)
        + f" FROM {TEACHER_SCHOOLS.name} WHERE teachers > 0{sql_where}",
        [*in_school_params, *(p for _, ps in each_word for p in ps), *params],
    )
    everyone, at_schools = (row[0], row[1]) if row else (0, 0)
    named = [s for s, found in zip(substrings, row[2:] if row else ()) if not found]
    # The others: a word no school has must be in the name (all such words, together,
    # narrow most); when every word is in some school, any of them in the name.
    if named:
        by_name, by_name_params = db.text_match(TEACHERS, "name_words", named)
    else:
        by_name, by_name_params = db.text_match(TEACHERS, "name_words", substrings, any_of=True)
    matches, matches_params = db.text_contains("search_key", substrings)
    others_where = f"{by_name} AND {matches}{sql_where}"
    others_params = [*by_name_params, *matches_params, *params]
    if at_schools:
        others_where += f" AND NOT ({in_school})"
        others_params += in_school_params
    total = None
    if not where and all(len(s) <= 3 for s in substrings):
        # Words of one trigram each: an engine that counts from its index alone does so
        # without comparing positions, whatever the number found.
        total = db.count_text_matches(cur, TEACHERS, "search_key", substrings)
    if total is None and len(named) == len(substrings):
        # No school has any word typed: the names alone.
        if not where:
            total = db.count_text_matches(cur, TEACHERS, "name_words", substrings)
        if total is None:
            # The ranked page and the total in one reading of the rows found, when they
            # are few (the common case). More than RANK_LIMIT found, no row is ranked
            # (the filter on the count comes before the sort): the total is counted and
            # the page read by name below.
            rows = cur.query(
                *rank.page(
                    f"{', '.join(columns)}, found_count",
                    f"SELECT * FROM (SELECT *, count(*) OVER () AS found_count FROM (SELECT * "
                    f"FROM {TEACHERS.name} WHERE {others_where} LIMIT {RANK_LIMIT + 1}) found) "
                    f"counted WHERE found_count <= {RANK_LIMIT}",
                    others_params,
                    limit,
                    offset,
                )
            )
            if rows:
                return rows[0][-1], [row[:-1] for row in rows]
            # More than RANK_LIMIT found (or none, or a page past the last): the total
            # and the page by name from one reading of the rows found (no school has
            # a word typed, so none is counted from the schools).
            rows = _by_name(cur, columns, others_where, others_params, limit, offset, counted=True)
            if rows:
                return rows[0][-1], [row[:-1] for row in rows]
    if total is None:
        row = cur.query_one(
            f"SELECT count(*) FROM {TEACHERS.name} WHERE {others_where}", others_params
        )
        total = at_schools + (row[0] if row else 0)
    if total == 0 or offset >= total:
        return total, []
    # Read through the names' index when some word must be in the name (it narrows
    # most), else through the whole key's.
    if named:
        found, found_params = f"{by_name} AND {matches}", [*by_name_params, *matches_params]
    else:
        found, found_params = db.text_match(TEACHERS, "search_key", substrings)
    # Past RANK_LIMIT the page comes by name: checked row by row along the names' order
    # when the schools' teachers (spread over that order) make that short; else read
    # and sorted, as the names found lie together in that order ("Ороз…").
    spread = at_schools * WALK_SHARE >= everyone
    if total <= RANK_LIMIT:
        return total, cur.query(
            *rank.page(
                ", ".join(columns),
                f"SELECT * FROM {TEACHERS.name} WHERE {found}{sql_where}",
                [*found_params, *params],
                limit,
                offset,
            )
        )
    if not spread:
        return total, _by_name(
            cur, columns, f"{found}{sql_where}", [*found_params, *params], limit, offset
        )
    return total, cur.query(
        f"SELECT {', '.join(columns)} FROM {TEACHERS.name} WHERE {matches}{sql_where} "
        "ORDER BY full_name, id LIMIT ? OFFSET ?",
        [*matches_params, *params, limit, offset],
    )


def _by_name(
    cur: Cursor,
    columns: tuple[str, ...],
    where: str,
    params: list[Any],
    limit: int,
    offset: int,
    *,
    counted: bool = False,
) -> list[tuple]:
    """A page of the teachers matching `where` by name (with `counted`, each row ends
    with how many match): the names and ids found are read and sorted, then the page's
    rows read by id. A MATERIALIZED table keeps PostgreSQL's planner, which cannot tell
    how many rows a trigram match finds, from walking the names' index instead ('Ороз':
    58,323 rows read and set aside, 161 ms; sorted, 8 ms); the names and ids alone
    sort without spilling the wide rows to disk (10,813 for 'Аб': 30-44 to 17-22 ms)."""
    count = ", (SELECT count(*) FROM found)" if counted else ""
    return cur.query(
        f"WITH found AS MATERIALIZED (SELECT id, full_name FROM {TEACHERS.name} "
        f"WHERE {where}) SELECT {', '.join(f't.{c}' for c in columns)}{count} FROM "
        "(SELECT id, full_name FROM found ORDER BY full_name, id LIMIT ? OFFSET ?) page "
        f"JOIN {TEACHERS.name} t ON t.id = page.id ORDER BY page.full_name, page.id",
        [*params, limit, offset],
    )


def programmes(
    db: Database,
    text: Any,
    columns: tuple[str, ...],
    provider_code: str | None,
    limit: int,
    offset: int,
) -> tuple[int, list[tuple]]:
    """(total, a page of programme rows in `columns`) matching the typed text (title,
    code, provider), of one provider if given; newest first after the best matches."""
    limit, offset = require_page(limit, offset)
    query = Query.read(text)
    if query.pin is not None:  # fourteen digits are no programme's words
        query = Query(pin=None, folded=query.pin, words=(query.pin,))
    q = query.folded
    rank = (
        f"CASE WHEN search_key LIKE ? THEN 0 ELSE 1 END, {db.similarity('search_key', '?')} DESC, ",
        [f"% {q}%", q],
    )
    with db.reading() as cur:
        return find(
            db,
            cur,
            query,
            table=PROGRAMMES.name,
            columns=columns,
            filters={"provider_code": provider_code},
            rank=rank,
            order="starts_on DESC, provider_code, code",
            limit=limit,
            offset=offset,
        )
