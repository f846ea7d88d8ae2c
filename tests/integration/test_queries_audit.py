"""The auditors' event log (pages and filters), the policy versions, the views' positions."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from registry.domain.clock import frozen_at
from registry.domain.errors import InvalidInputError
from registry.domain.policy import CompliancePolicy
from tests.builders import ADMIN, OTHER_PIN, PIN, provider, registrar, teacher
from tests.readside import at, caught_up


@pytest.fixture
def registry(settings):
    """Initialised before the morning below, as a real registry is before what it records
    (the recorded-time filters take recorded times to grow along the log)."""
    from registry.application import Registry
    from registry.bootstrap import initialise

    with frozen_at(at(-1)):
        initialise(settings)
    app = Registry(settings)
    yield app
    app.close()


def a_morning(registry) -> None:
    """Five saves an hour apart by two accounts."""
    with frozen_at(at(0)):
        provider(registry)
    with frozen_at(at(1)):
        registry.register_teacher(ADMIN, teacher())
    with frozen_at(at(2)):
        registry.register_teacher(registrar("KAE"), teacher(pin=OTHER_PIN))
    with frozen_at(at(3)):
        registry.transfer_teacher(
            registrar("KAE"),
            PIN,
            region="KG-GB",
            district="Leninsky",
            school="Lyceum 61",
            effective_on=date(2024, 9, 1),
        )
    with frozen_at(at(4)):
        registry.adopt_policy(
            ADMIN, effective_from=date(2026, 1, 1), window_years=1, required_hours=24
        )


def test_the_log_is_read_in_pages_oldest_first(registry):
    a_morning(registry)
    queries = caught_up(registry)
    head = registry.max_position()
    seen, after = [], 0
    while True:
        page = queries.events(after=after, limit=3)
        assert len(page["events"]) <= 3
        if not page["events"]:
            assert page["next"] == after == head  # the end keeps its place for polling
            break
        seen += [e["position"] for e in page["events"]]
        assert page["next"] == seen[-1]
        after = page["next"]
    assert seen == list(range(1, head + 1))
    first = queries.events(limit=1)["events"][0]
    assert set(first) == {
        "position",
        "type",
        "originator_id",
        "version",
        "recorded_at",
        "actor",
        "data",
    }


def test_the_log_is_filtered_by_type_actor_aggregate_and_recorded_time(registry):
    a_morning(registry)
    queries = caught_up(registry)
    registered = queries.events(type="Teacher.Registered")["events"]
    assert [e["data"]["pin"] for e in registered] == [PIN, OTHER_PIN]
    assert {e["type"] for e in queries.events(type="Teacher")["events"]} == {
        "Teacher.Registered",
        "Teacher.Transferred",
    }
    by_registrar = queries.events(actor="registrar-kae")["events"]
    assert {e["type"] for e in by_registrar} == {
        "Teacher.Registered",
        "PinIndex.Created",
        "Teacher.Transferred",
    }
    policy = queries.events(originator_id=str(CompliancePolicy.id_for()))["events"]
    assert [e["type"] for e in policy] == [
        "CompliancePolicy.Started",
        "CompliancePolicy.VersionAdopted",
    ]
    window = queries.events(recorded_from=at(1), recorded_to=at(2))
    assert {e["recorded_at"] for e in window["events"]} == {at(1), at(2)}
    assert queries.events(after=window["next"], recorded_to=at(2))["events"] == []


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "DROP TABLE"},
        {"originator_id": "nope"},
        {"after": -1},
        {"limit": 0},
        {"recorded_from": datetime(2025, 1, 1)},
    ],
)
def test_bad_log_requests_are_refused(registry, bad):
    queries = caught_up(registry)
    with pytest.raises(InvalidInputError):
        queries.events(**bad)


def test_policy_versions_are_listed_by_effective_date(registry):
    a_morning(registry)
    policies = caught_up(registry).policies()
    assert [(p["effective_from"], p["window_years"], p["required_hours"]) for p in policies] == [
        (date(2000, 1, 1), 5, 72),
        (date(2026, 1, 1), 1, 24),
    ]
    assert policies[1]["recorded_at"] == at(4)


def test_the_views_status_shows_position_head_and_lag(registry):
    a_morning(registry)
    from registry.queries import Queries

    head = registry.max_position()
    before = {v["name"]: v for v in Queries(registry).views_status()}
    assert before["compliance"]["lag"] == head and before["compliance"]["updated_at"] is None
    after = {v["name"]: v for v in caught_up(registry).views_status()}
    assert all(v["lag"] == 0 and v["position"] == head for v in after.values())
    assert after["workload"]["rate"] > 0 and after["workload"]["updated_at"] is not None


def test_an_unknown_actor_or_type_finds_nothing(registry):
    a_morning(registry)
    queries = caught_up(registry)
    head = registry.max_position()
    assert queries.events(actor="nobody", with_total=True) == {
        "events": [],
        "next": 0,
        "more": False,
        "order": "asc",
        "total": 0,
        "total_exact": True,
    }
    assert queries.events(type="Unicorn")["events"] == []
    assert queries.events(after=head) == {"events": [], "next": head, "more": False, "order": "asc"}
