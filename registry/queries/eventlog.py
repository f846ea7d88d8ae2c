"""The auditors' event log: pages either way, jumps, filters, a total and exports.

Filters, order and counts read the event index (`registry.projections.events`): per
position the event's type, recorded time, account, teacher and provider, each filter
with an index that lists its positions in order. A page is one index range scan of
`limit + 1` positions and the decoding of those events from the log; an export walks
the same ranges a chunk at a time, so its memory does not grow with its length.

Cursors are positions: `after` and `before` bound a page (both exclusive); `order`
says from which end it is read. Each answer's `next` is the cursor of the following
page (the last position read, or the cursor given when nothing was), and `more`
whether any event beyond the page matches, so a client polling the end of the log
oldest first keeps its place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from registry.domain.errors import InvalidInputError
from registry.projections.codec import time_text
from registry.projections.events import EVENT_INDEX
from registry.queries.common import require_choice, require_moment, require_page, teacher_id_for
from registry.queries.teachers import fact_dict
from registry.storage.facts import EventLog, FactReader

if TYPE_CHECKING:
    from registry.application import Registry

ORDERS = ("asc", "desc")
_TYPE = re.compile(r"[A-Za-z]+(\.[A-Za-z]+)?")
_ACCOUNT = re.compile(r"[a-z0-9._@-]{1,64}")
_CODE = re.compile(r"[A-Za-z0-9._-]{1,40}")
# Recorded times follow positions only roughly (events of one save are stamped one by
# one, concurrent saves interleave): a time range narrows the positions read with this
# margin, and the times themselves are then compared exactly.
CLOCK_SLACK = timedelta(minutes=5)
_SAMPLES = 64  # positions whose times one look at the log reads, finding a moment
EXPORT_CHUNK = 1000  # events read and decoded at a time by an export
COUNT_LIMIT = 1_000_000  # counted exactly up to here; beyond, "more than" (see count)
# Credential hashes are stored in account events; nobody reads them in the log.
SECRET_FIELDS = ("token_hash", "password_hash")
_TABLE = EVENT_INDEX.name
_INDEXED = ("type", "aggregate", "account", "teacher_id", "provider")  # (column, position)


def redacted(event: dict[str, Any]) -> dict[str, Any]:
    """An event without credential hashes (their presence is still shown)."""
    data = event.get("data") or {}
    if not any(name in data for name in SECRET_FIELDS):
        return event
    return {
        **event,
        "data": {k: ("[redacted]" if k in SECRET_FIELDS and v else v) for k, v in data.items()},
    }


@dataclass(frozen=True)
class LogFilter:
    """Conditions on the event index, checked and ready for SQL."""

    where: tuple[str, ...] = ()
    params: tuple[Any, ...] = ()
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None
    described: dict[str, Any] = field(default_factory=dict)
    # Where the event counts hold this filter's total: (scope, value, condition on the
    # type and its parameters), or None when rows must be counted.
    counted: tuple[str, str, str, tuple[Any, ...]] | None = None
    # The filter whose index lists the fewest positions, (column, value): pages read
    # that index's range in position order (`Database.index_range`); the other filters
    # are checked on its rows.
    driver: tuple[str, Any] | None = None

    def sql(self, extra: list[str] | None = None, *, driver: bool = True) -> tuple[str, list[Any]]:
        """The WHERE clause (with any extra conditions first) and its parameters, with
        the driver as a plain equality (counting) unless the caller gives it."""
        conditions = list(extra or []) + list(self.where)
        params = list(self.params)
        if driver and self.driver is not None:
            conditions.append(f"{self.driver[0]} = ?")
            params.append(self.driver[1])
        return (" WHERE " + " AND ".join(conditions)) if conditions else "", params


class EventLogQueries:
    """The global event log, filtered, either way, counted and exported."""

    def __init__(self, app: Registry):
        self.app = app
        self.db = app.db
        self.log = EventLog(app)
        self.reader = FactReader(app)

    # -- filters ------------------------------------------------------------------------
    def log_filter(
        self,
        *,
        type: str | None = None,
        actor: str | None = None,
        pin: str | None = None,
        provider: str | None = None,
        originator_id: str | UUID | None = None,
        recorded_from: datetime | None = None,
        recorded_to: datetime | None = None,
    ) -> LogFilter:
        """Check the filters and turn them into conditions on the index."""
        conditions: list[tuple[str, tuple[Any, ...]]] = []
        described: dict[str, Any] = {}
        scopes: list[tuple[str, str]] = []
        type_condition: tuple[str, tuple[Any, ...]] = ("", ())
        drivers: list[tuple[int, str]] = []  # (how many rows its index lists, column)
        if type:
            if not isinstance(type, str) or not _TYPE.fullmatch(type):
                raise InvalidInputError(
                    "type is an event type such as Teacher.Registered, "
                    "or an aggregate such as Teacher.",
                    field="type",
                    code="invalid_type",
                )
            column = "type" if "." in type else "aggregate"
            conditions.append((f"{column} = ?", (type,)))
            # The counts keep types: an aggregate's are a range of them.
            type_condition = (
                ("type = ?", (type,))
                if column == "type"
                else ("type > ? AND type < ?", (f"{type}.", f"{type}/"))
            )
            described["type"] = type
            drivers.append((self._counted("all", "", *type_condition), column))
        if actor:
            name = self._account_name(actor)
            conditions.append(("account = ?", (name,)))
            described["actor"] = actor
            scopes.append(("account", name))
            drivers.append((self._counted("account", name), "account"))
        if pin:
            with self.db.reading() as cur:
                teacher = teacher_id_for(cur, pin)
            conditions.append(("teacher_id = ?", (teacher,)))
            described["pin"] = pin
            drivers.append((-1, "teacher_id"))  # a teacher's events: a few dozen at most
        if provider:
            if not isinstance(provider, str) or not _CODE.fullmatch(provider):
                raise InvalidInputError(
                    "provider is a provider's code, such as KAE.",
                    field="provider",
                    code="invalid_code",
                )
            conditions.append(("provider = ?", (provider,)))
            described["provider"] = provider
            scopes.append(("provider", provider))
            drivers.append((self._counted("provider", provider), "provider"))
        if originator_id:
            uid = self._uuid(originator_id)
            column, table = self.db.position_column, self.db.events_table
            conditions.append(
                (
                    f"position IN (SELECT {column} FROM {table} WHERE originator_id = ?)",
                    (self.db.id_param(uid),),
                )
            )
            described["originator_id"] = str(uid)
        start = require_moment(recorded_from, "recorded_from") if recorded_from else None
        end = require_moment(recorded_to, "recorded_to") if recorded_to else None
        if start is not None:
            conditions.append(
                (
                    "recorded_at >= ? AND position > ?",
                    (time_text(start), self.position_before(start - CLOCK_SLACK)),
                )
            )
            described["recorded_from"] = start
        if end is not None:
            conditions.append(
                (
                    "recorded_at <= ? AND position < ?",
                    (time_text(end), self.first_position_from(end + CLOCK_SLACK)),
                )
            )
            described["recorded_to"] = end
        counted = None
        rows_only = ("pin", "originator_id", "recorded_from", "recorded_to")
        if len(scopes) <= 1 and not described.keys() & set(rows_only):
            scope, value = scopes[0] if scopes else ("all", "")
            counted = (scope, value, *type_condition)
        driving = min(drivers)[1] if drivers and not originator_id else None
        driver = None
        where: list[str] = []
        params: list[Any] = []
        for condition, values in conditions:
            column = condition.removesuffix(" = ?")
            if column == driving:
                driver = (column, values[0])
                continue
            if column in _INDEXED:
                # The other filters are checked on the driver's rows, never by their own
                # index: SQLite prefers any equality to a range, and read a provider's
                # 268,927 rows to find its 239 revocations (450 ms against 1 ms).
                condition = f"{column} || '' = ?"
            where.append(condition)
            params += values
        return LogFilter(tuple(where), tuple(params), start, end, described, counted, driver)

    def _counted(self, scope: str, value: str, condition: str = "", params: tuple = ()) -> int:
        """How many events the counts hold for a scope (and a condition on the type)."""
        row = self.db.query_one(
            "SELECT SUM(events) FROM event_counts WHERE scope = ? AND value = ?"
            + (f" AND {condition}" if condition else ""),
            [scope, value, *params],
        )
        return int(row[0] or 0) if row else 0

    def _account_name(self, actor: str) -> str:
        """An account's name (given, or found from its id)."""
        if not isinstance(actor, str):
            raise InvalidInputError(
                "actor is an account name.", field="actor", code="invalid_actor"
            )
        try:
            account_id = UUID(actor)
        except ValueError:
            if not _ACCOUNT.fullmatch(actor):
                raise InvalidInputError(
                    "actor is an account name (lower-case letters, digits, . _ @ -) or id.",
                    field="actor",
                    code="invalid_actor",
                ) from None
            return actor
        created = [f for f in self.log.about([account_id]) if f.type == "Account.Created"]
        return created[0].data.get("name", actor) if created else actor

    @staticmethod
    def _uuid(value: str | UUID) -> UUID:
        try:
            return value if isinstance(value, UUID) else UUID(str(value))
        except ValueError:
            raise InvalidInputError(
                "originator_id must be a UUID.", field="originator_id", code="invalid_id"
            ) from None

    # -- where a moment falls in the log ---------------------------------------------------
    def head(self) -> int:
        """The last position indexed (0 for an empty log)."""
        row = self.db.query_one(f"SELECT MAX(position) FROM {_TABLE}")
        return int(row[0] or 0) if row else 0

    def position_before(self, moment: datetime) -> int:
        """The last position whose event was recorded before `moment` (0 if none), found
        as recorded times follow positions (see CLOCK_SLACK): each look reads the times
        at `_SAMPLES` positions spread over what is left (a handful of statements over
        millions of events, where halving took twenty-one)."""
        low, high = 0, self.head()  # every position up to `low` was recorded before
        stamp = time_text(moment)
        while high - low > _SAMPLES:
            step = (high - low) / _SAMPLES
            marks = sorted({low + round(step * i) for i in range(1, _SAMPLES + 1)})
            rows = self.db.query(
                f"SELECT position, recorded_at FROM {_TABLE} WHERE position IN "
                f"({', '.join('?' * len(marks))}) ORDER BY position",
                marks,
            )
            if not rows:  # a stretch without events (positions a rollback skipped)
                break
            # Between the last look before the first one recorded at or after `moment`,
            # and that one (a later look recorded before it is out of order: passed by).
            first = next((int(p) for p, at in rows if at >= stamp), None)
            earlier = [int(p) for p, _ in rows if first is None or int(p) < first]
            width = high - low
            low = max(low, earlier[-1]) if earlier else low
            high = first - 1 if first is not None else high
            if high - low >= width:
                break
        rows = self.db.query(
            f"SELECT position, recorded_at FROM {_TABLE} WHERE position > ? AND position <= ? "
            "ORDER BY position",
            (low, high),
        )
        for position, at in rows:
            if at >= stamp:
                break
            low = int(position)
        return low

    def first_position_from(self, moment: datetime) -> int:
        """A position no later than the first event recorded at or after `moment`."""
        return self.position_before(moment) + 1

    # -- pages --------------------------------------------------------------------------
    def events(
        self,
        log_filter: LogFilter,
        *,
        after: int | None = None,
        before: int | None = None,
        order: str = "asc",
        limit: int = 100,
    ) -> dict[str, Any]:
        """A page of matching events between the cursors, oldest or newest first:
        {events, next, more}."""
        order = require_choice(order, ORDERS, "order")
        limit, _ = require_page(limit, 0, most=1000)
        after = _position(after, "after")
        before = _position(before, "before")
        positions = self._positions(log_filter, after, before, order, limit + 1)
        more = len(positions) > limit
        positions = positions[:limit]
        events = self._decoded(positions, order)
        cursor = after if order == "asc" else before
        return {
            "events": events,
            "next": positions[-1] if positions else cursor,
            "more": more,
            "order": order,
        }

    def jump(self, order: str, *, position: int | None = None, at: datetime | None = None) -> int:
        """The cursor that starts a page at a position, or at a recorded moment: `after`
        for the oldest first (events from there on), `before` for the newest first
        (events up to there)."""
        order = require_choice(order, ORDERS, "order")
        if position is not None:
            position = _position(position, "position")
            assert position is not None
            return max(position - 1, 0) if order == "asc" else position + 1
        moment = require_moment(at, "at")
        if order == "asc":
            return self.position_before(moment)
        return self.first_position_from(moment + timedelta(microseconds=1))

    def _positions(
        self, log_filter: LogFilter, after: int | None, before: int | None, order: str, limit: int
    ) -> list[int]:
        """Up to `limit` matching positions between the cursors, from the end `order` says."""
        direction = "ASC" if order == "asc" else "DESC"
        seek, stop = (after, before) if order == "asc" else (before, after)
        seek_op, stop_op = (">", "<") if order == "asc" else ("<", ">")
        conditions, params = [], []
        if log_filter.driver is not None:
            column, value = log_filter.driver
            condition, values = self.db.index_range(
                column, "position", value, seek_op if seek is not None else None, seek
            )
            conditions.append(condition)
            params += values
            ordering = f"{column} {direction}, position {direction}"
        else:
            if seek is not None:
                conditions.append(f"position {seek_op} ?")
                params.append(seek)
            ordering = f"position {direction}"
        if stop is not None:
            conditions.append(f"position {stop_op} ?")
            params.append(stop)
        where, filter_params = log_filter.sql(conditions, driver=False)
        rows = self.db.query(
            f"SELECT position FROM {_TABLE}{where} ORDER BY {ordering} LIMIT ?",
            [*params, *filter_params, limit],
        )
        return [int(r[0]) for r in rows]

    def _decoded(self, positions: list[int], order: str) -> list[dict[str, Any]]:
        """The events at these positions, in the order asked, ready for readers."""
        facts = {f.position: f for f in self.reader.at(positions)}
        return [redacted(fact_dict(facts[p])) for p in positions if p in facts]

    # -- totals ---------------------------------------------------------------------------
    def count(self, log_filter: LogFilter) -> dict[str, Any]:
        """How many events match: {total, total_exact}. The commonest filters (none, a
        type, an account or a provider, each with or without a type) are summed from the
        event counts; others count index rows, exactly up to COUNT_LIMIT (beyond it,
        `total_exact` is false and `total` a lower bound)."""
        if log_filter.counted is not None:
            return {"total": self._counted(*log_filter.counted), "total_exact": True}
        where, params = log_filter.sql()
        row = self.db.query_one(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM {_TABLE}{where} LIMIT ?) AS matching",
            [*params, COUNT_LIMIT + 1],
        )
        found = int(row[0]) if row else 0
        return {"total": min(found, COUNT_LIMIT), "total_exact": found <= COUNT_LIMIT}

    # -- exports --------------------------------------------------------------------------
    def export(
        self,
        log_filter: LogFilter,
        *,
        after: int | None = None,
        before: int | None = None,
        order: str = "asc",
        chunk: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every matching event between the cursors, as `events` gives them, read a chunk
        at a time. The range ends where the log stood when the export began, so events
        recorded meanwhile do not stretch it."""
        order = require_choice(order, ORDERS, "order")
        after = _position(after, "after")
        before = _position(before, "before")
        end = self.head() + 1
        before = end if before is None else min(before, end)
        size = chunk or EXPORT_CHUNK
        return self._export(log_filter, after, before, order, size)

    def _export(
        self, log_filter: LogFilter, after: int | None, before: int, order: str, size: int
    ) -> Iterator[dict[str, Any]]:
        while True:
            positions = self._positions(log_filter, after, before, order, size)
            if not positions:
                return
            yield from self._decoded(positions, order)
            if order == "asc":
                after = positions[-1]
            else:
                before = positions[-1]
            if len(positions) < size:
                return


def _position(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(
            f"{name} must be a position, 0 or more.", field=name, code="invalid_position"
        )
    return value


__all__ = ["COUNT_LIMIT", "EXPORT_CHUNK", "ORDERS", "EventLogQueries", "LogFilter", "redacted"]
