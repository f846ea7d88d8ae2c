"""Reading for auditors and operators: policy versions, the views' state (the event log
is `registry.queries.eventlog`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from registry.projections.catalogue import view_names
from registry.projections.codec import date_value, time_value

if TYPE_CHECKING:
    from registry.application import Registry


class AuditQueries:
    """The policy versions and the views' positions."""

    def __init__(self, app: Registry):
        self.app = app
        self.db = app.db

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
