"""Reading for auditors and operators: the event log, policy versions, the views' state."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from registry.domain.errors import InvalidInputError
from registry.projections.catalogue import view_names
from registry.projections.codec import date_value, time_value
from registry.queries.common import require_moment, require_page
from registry.queries.teachers import fact_dict
from registry.storage.facts import EventLog, Fact

if TYPE_CHECKING:
    from registry.application import Registry

_TYPE = re.compile(r"[A-Za-z]+(\.[A-Za-z]+)?")
SCAN_BUDGET = 20_000  # events decoded per call at most; `next` continues the scan
# Recorded times follow positions only roughly (events of one save are stamped one by
# one, concurrent saves interleave): time filters start and stop with this margin.
CLOCK_SLACK = timedelta(minutes=5)


class AuditQueries:
    """The global event log with filters, the policy versions, the views' positions."""

    def __init__(self, app: Registry):
        self.app = app
        self.db = app.db
        self.log = EventLog(app)

    def policies(self) -> list[dict[str, Any]]:
        """Every policy version, by effective date."""
        rows = self.db.query(
            "SELECT effective_from, window_years, required_hours, recorded_at "
            "FROM policy_versions ORDER BY effective_from, recorded_at, position"
        )
        return [
            {
                "effective_from": date_value(r[0]),
                "window_years": r[1],
                "required_hours": r[2],
                "recorded_at": time_value(r[3]),
            }
            for r in rows
        ]

    def views_status(self) -> list[dict[str, Any]]:
        """Each view's position, the log's head, the lag and the last batch's rate."""
        head = self.app.max_position() or 0
        rows = {
            r[0]: r[1:]
            for r in self.db.query(
                "SELECT projection, notification_id, updated_at, rate FROM projection_tracking "
                "WHERE application_name = ?",
                (self.app.name,),
            )
        }
        result = []
        for name in view_names():
            position, updated_at, rate = rows.get(name, (0, None, None))
            result.append(
                {
                    "name": name,
                    "position": position,
                    "head": head,
                    "lag": max(0, head - position),
                    "updated_at": time_value(updated_at),
                    "rate": rate,
                }
            )
        return result

    def events(
        self,
        after: int = 0,
        limit: int = 100,
        *,
        type: str | None = None,
        actor: str | None = None,
        originator_id: str | UUID | None = None,
        recorded_from: datetime | None = None,
        recorded_to: datetime | None = None,
    ) -> dict[str, Any]:
        """A page of the global log after a position, oldest first, filtered.

        `next` is always the position to pass as `after` for the next page: the last
        position read (or `after` when nothing was), so a client polling the end of the log
        keeps its place; a page with no events means the end (or the `recorded_to` bound)
        was reached.
        """
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            raise InvalidInputError(
                "after must be a position, 0 or more.", field="after", code="invalid_position"
            )
        limit, _ = require_page(limit, 0, most=1000)
        where, params = [], []
        if type:
            if not _TYPE.fullmatch(type):
                raise InvalidInputError(
                    "type is an event type such as Teacher.Registered, "
                    "or an aggregate such as Teacher.",
                    field="type",
                    code="invalid_type",
                )
            where.append("topic LIKE ?")
            params.append(f"%:{type}" if "." in type else f"%:{type}.%")
        if originator_id:
            try:
                uid = originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id))
            except ValueError:
                raise InvalidInputError(
                    "originator_id must be a UUID.", field="originator_id", code="invalid_id"
                ) from None
            where.append("originator_id = ?")
            params.append(self.db.id_param(uid))
        start = require_moment(recorded_from, "recorded_from") if recorded_from else None
        end = require_moment(recorded_to, "recorded_to") if recorded_to else None
        if start is not None:
            after = max(after, self._position_before(start - CLOCK_SLACK))

        found: list[Fact] = []
        position, scanned = after, 0
        while len(found) < limit and scanned < SCAN_BUDGET:
            facts = self._scan(position, where, params, min(1000, SCAN_BUDGET - scanned))
            if not facts:
                break
            for fact in facts:
                position, scanned = fact.position, scanned + 1
                if end is not None and fact.recorded_at > end + CLOCK_SLACK:
                    return {"events": [fact_dict(f) for f in found], "next": fact.position - 1}
                if self._matches(fact, actor, start, end):
                    found.append(fact)
                    if len(found) == limit:
                        break
        return {"events": [fact_dict(f) for f in found], "next": position}

    @staticmethod
    def _matches(
        fact: Fact, actor: str | None, start: datetime | None, end: datetime | None
    ) -> bool:
        if actor and actor not in (fact.actor.get("name"), fact.actor.get("account_id")):
            return False
        if start is not None and fact.recorded_at < start:
            return False
        return end is None or fact.recorded_at <= end

    def _scan(self, after: int, where: list[str], params: list[Any], limit: int) -> list[Fact]:
        return self.log.select(" AND ".join(where), params, after=after, limit=limit)

    def _position_before(self, moment: datetime) -> int:
        """A position before the first event recorded at or after `moment` (binary search)."""
        low, high = 0, self.app.max_position() or 0
        while low < high:
            middle = (low + high + 1) // 2
            facts = self._scan(middle - 1, [], [], 1)
            if facts and facts[0].recorded_at < moment:
                low = facts[0].position
            else:
                high = middle - 1
        return low
