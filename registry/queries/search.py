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
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from registry.domain.errors import InvalidInputError, RuleViolationError
from registry.domain.search import MAX_QUERY, MIN_TERM, fold, terms
from registry.projections.compliance import TEACHERS
from registry.projections.directory import PROGRAMMES
from registry.queries.common import require_page
from registry.storage import Cursor, Database

_PIN = re.compile(r"[0-9]{14}")
# The most rows found that are ranked; more come in the order of names.
RANK_LIMIT = 2_000


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
        q = query.folded
        rank = (
            "CASE WHEN name_key = ? OR school_key = ? THEN 0 "
            "WHEN name_key LIKE ? OR school_key LIKE ? THEN 1 "
            "WHEN search_key LIKE ? THEN 2 ELSE 3 END, "
            f"{db.similarity('name_key', '?')} DESC, {db.similarity('school_key', '?')} DESC, ",
            [q, q, f"{q}%", f"{q}%", f"% {q}%", q, q],
        )
        return find(
            db,
            cur,
            query,
            table=TEACHERS.name,
            columns=columns,
            filters=filters,
            rank=rank,
            order="full_name, id",
            limit=limit,
            offset=offset,
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
