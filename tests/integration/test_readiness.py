"""Readiness counts the events each view still has to apply, within a bound."""

from __future__ import annotations

from registry.bootstrap import open_worker
from registry.commands.base import Actor
from registry.queries.readiness import readiness
from tests.builders import ADMIN, certified_teacher, teacher


def test_a_view_behind_only_by_events_it_does_not_handle_is_ready(registry):
    certified_teacher(registry)
    open_worker(registry).catch_up()
    for n in range(5):
        registry.create_account(Actor.system(), name=f"clerk-{n}", role="auditor")
    result = readiness(registry, max_pending=2)
    # Accounts are no view's business but the ledger's, which chains every event.
    assert result.checks["views"]["pending"]["compliance"] == 0
    assert result.checks["views"]["pending"]["ledger"] == 3  # counted up to bound + 1 only
    assert not result.ready and "ledger (3+)" in result.reasons[0]


def test_views_more_than_the_bound_behind_are_not_ready_and_say_which(registry):
    open_worker(registry).catch_up()
    for n in range(4):
        registry.register_teacher(ADMIN, teacher(pin=f"2150519850{n:04d}"))
    result = readiness(registry, max_pending=3)
    assert not result.ready
    assert "compliance" in result.reasons[0] and "statistics" in result.reasons[0]
    assert result.checks["views"]["pending"]["directory"] == 0  # teachers are not its kind
    open_worker(registry).catch_up()
    assert readiness(registry, max_pending=3).ready
