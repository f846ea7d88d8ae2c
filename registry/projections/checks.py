"""When a follower last looked at the log: what tells a caught-up registry from a stuck one.

The leading follower records each look (at most every few seconds) in a row of
`projection_tracking` of its own, named `CHECK_ROW` (no view has that name): its
`updated_at` is when it last looked.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from registry.projections.codec import time_text, time_value

if TYPE_CHECKING:
    from registry.application import Registry

CHECK_ROW = "(follower)"


def record_check(app: Registry, position: int) -> None:
    """Note that a follower has just looked at the log, its views at `position`."""
    from registry.domain.clock import now

    with app.db.transaction() as cur:
        cur.execute(
            "INSERT INTO projection_tracking (projection, application_name, "
            "notification_id, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (projection, application_name) DO UPDATE SET "
            "notification_id = excluded.notification_id, "
            "updated_at = excluded.updated_at",
            (CHECK_ROW, app.name, position, time_text(now())),
        )


def last_check(app: Registry) -> datetime | None:
    """When a follower last looked at the log (None: never)."""
    row = app.db.query_one(
        "SELECT updated_at FROM projection_tracking WHERE projection = ? AND application_name = ?",
        (CHECK_ROW, app.name),
    )
    return time_value(row[0]) if row and row[0] else None
