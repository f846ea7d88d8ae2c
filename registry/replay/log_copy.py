"""Copying the events recorded up to a moment into another database, byte for byte.

Selection is by recorded time (each event's timestamp), not by position. Rows keep their
position, aggregate id, version, topic and stored bytes, so the copy's hash chain is the
live one's wherever the copy is a prefix of the log. An aggregate whose event was left out
loses its later versions too (a version never follows a missing one), which can only
happen when the clock of recorded history was not monotonic.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from registry.ledger.chain import canonical_id
from registry.storage import Database
from registry.storage.facts import EventLog
from registry.storage.raw import RawEvent

if TYPE_CHECKING:
    from registry.application import Registry


@dataclass
class CopyResult:
    """What was copied and what was left out."""

    copied: int = 0
    later: int = 0  # recorded after the moment: left out
    orphaned: int = 0  # recorded by the moment, but after a left-out version of its aggregate
    last_position: int | None = None  # of the copied events
    first_left_out: int | None = None  # the first position left out
    seconds: float = 0.0
    left_out_ids: set[str] = field(default_factory=set)  # aggregates with later events (hex)

    @property
    def is_prefix(self) -> bool:
        """Whether the copy is exactly the live log up to `last_position`."""
        return self.first_left_out is None or (
            self.last_position is not None and self.first_left_out > self.last_position
        )


def copy_events(
    app: Registry, target: Database, until: datetime, on_batch: Callable[[int], None] | None = None
) -> CopyResult:
    """Copy every event of `app` recorded at or before `until` into `target`, in one
    transaction (all or nothing). The kept events carry their id as 32 hex characters."""
    result = CopyResult()
    started = time.perf_counter()
    recorded_at = EventLog(app).recorded_at
    with target.transaction() as cur:
        for batch in app.db.read_raw():
            keep: list[RawEvent] = []
            for event in batch:
                aggregate = canonical_id(event.originator_id).decode()
                if aggregate in result.left_out_ids:
                    later = recorded_at(event) > until
                    result.later += later
                    result.orphaned += not later
                    result.first_left_out = result.first_left_out or event.position
                    continue
                if recorded_at(event) > until:
                    result.later += 1
                    result.left_out_ids.add(aggregate)
                    result.first_left_out = result.first_left_out or event.position
                    continue
                keep.append(event._replace(originator_id=aggregate))
            if keep:
                target.insert_raw(cur, keep)
                result.copied += len(keep)
                result.last_position = keep[-1].position
            if on_batch is not None:
                on_batch(len(batch))
        if result.last_position is not None:
            target.continue_positions(cur, result.last_position)
    result.seconds = time.perf_counter() - started
    return result
