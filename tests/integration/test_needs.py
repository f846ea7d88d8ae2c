"""Training needs: recorded by those the access table allows, each rule with its own
error, matched to the programmes of their subject starting in their period (with their
places when known), on each engine."""

from __future__ import annotations

from datetime import date

import pytest

from registry.access import Actor
from registry.bootstrap import open_worker
from registry.domain.errors import ForbiddenError, InvalidInputError, RuleViolationError
from registry.queries import Queries
from tests.builders import ADMIN, programme, provider, registrar

NEED = {
    "region": "KG-C",
    "district": "Sokuluk",
    "school": "School No. 3",
    "subject": "Physics",
    "topic": "Laboratory work",
    "teachers": 12,
    "period_from": "2027-01",
    "period_to": "2027-06",
}
CHUY = Actor(name="chuy", role="commission", account_id="chuy", region="KG-C")


def _course(registry, code: str, starts_on: date, capacity: int | None, subject="physics"):
    registry.register_programme(
        ADMIN,
        programme(
            code=code,
            subject=subject,
            capacity=capacity,
            starts_on=starts_on,
            ends_on=date(starts_on.year, starts_on.month, 28),
        ),
    )


def test_needs_are_matched_to_programmes_of_their_subject_and_period(registry):
    provider(registry, "KAE")
    met = registry.record_need(ADMIN, NEED).data
    short = registry.record_need(
        CHUY, {**NEED, "school": None, "teachers": 40, "topic": "Astronomy"}
    ).data
    unmet = registry.record_need(
        registrar(), {**NEED, "region": "KG-O", "district": "Kara-Suu", "subject": "History"}
    ).data
    late = registry.record_need(ADMIN, {**NEED, "period_from": "2028-01", "period_to": "2028-02"})
    _course(registry, "PHY-1", date(2027, 3, 1), 10)  # "physics": the subject folded
    _course(registry, "PHY-2", date(2027, 6, 20), 5)
    _course(registry, "PHY-3", date(2026, 12, 1), 99)  # before every period
    _course(registry, "HIS-1", date(2027, 3, 1), 30, subject="Geography")
    _course(registry, "PHY-4", date(2028, 2, 1), None)  # places not known
    open_worker(registry).catch_up()
    queries = Queries(registry)
    found = {n["id"]: n for n in queries.training_needs()}
    assert found[met["id"]]["status"] == "met" and found[met["id"]]["places"] == 15
    assert [p["code"] for p in found[met["id"]]["programmes"]] == ["PHY-1", "PHY-2"]
    assert found[short["id"]]["status"] == "short" and found[short["id"]]["school"] is None
    assert found[unmet["id"]]["status"] == "unmet" and found[unmet["id"]]["programmes"] == []
    late_need = found[late.data["id"]]
    assert (late_need["status"], late_need["places_unknown"]) == ("met", 1)
    unmet_ids = {n["id"] for n in queries.training_needs(status="unmet")}
    assert unmet_ids == {unmet["id"]}
    assert {n["id"] for n in queries.training_needs(region="KG-O")} == {unmet["id"]}
    with pytest.raises(InvalidInputError):
        queries.training_needs(status="lost")


def test_a_need_breaking_a_rule_is_refused_naming_the_field(registry):
    before = registry.max_position()
    cases = {
        "teachers": [0, -1, 1.5, "3", True, 10_001],
        "period_from": ["2027-13", "27-01", "2027-1", None],
        "period_to": ["2026-12", "2032-01"],  # before the start; more than 60 months
        "district": ["Kara-Suu"],  # in Osh, not Chüy
        "region": ["KG-X"],
        "subject": ["", None],
        "topic": ["  "],
    }
    for field, values in cases.items():
        for value in values:
            with pytest.raises(RuleViolationError) as caught:
                registry.record_need(ADMIN, {**NEED, field: value})
            assert field in caught.value.fields, (field, value)
    assert registry.max_position() == before  # nothing was recorded


def test_who_may_record_a_need(registry):
    for role in ("auditor", "statistician"):
        with pytest.raises(ForbiddenError):
            registry.record_need(Actor(name=role, role=role, account_id=role), NEED)
    with pytest.raises(ForbiddenError):  # Chüy's commission, for Osh
        registry.record_need(CHUY, {**NEED, "region": "KG-O", "district": "Kara-Suu"})
    national = Actor(name="national", role="commission", account_id="national")
    assert registry.record_need(national, {**NEED, "region": "KG-O", "district": "Kara-Suu"})
