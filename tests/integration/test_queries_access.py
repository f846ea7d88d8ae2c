"""The queries keep to their reader: given an actor, a read refuses a permission the table
does not give and narrows to the actor's scope, on both engines."""

from __future__ import annotations

from datetime import date

import pytest

from registry.access import Actor
from registry.domain.account import Account
from registry.domain.errors import ForbiddenError, NotFoundError
from registry.queries import Queries
from tests.builders import (
    ADMIN,
    OTHER_PIN,
    PIN,
    certified_teacher,
    provider,
    registrar,
    teacher,
)
from tests.readside import caught_up

CHUY = Actor(name="chuy", role="commission", region="KG-C")
OSH = Actor(name="osh", role="commission", region="KG-O")
NATIONAL = Actor(name="national", role="commission")
STATISTICIAN = Actor(name="stat", role="statistician")
ON = date(2030, 1, 1)  # both teachers overdue by then


@pytest.fixture
def two_regions(registry):
    """A certified Chüy teacher (KAE's certificate) and an Osh teacher, views caught up."""
    _, enrolment, _ = certified_teacher(registry)
    registry.register_teacher(
        ADMIN,
        teacher(
            pin=OTHER_PIN,
            full_name="Бакыт Осмонов",
            region="KG-O",
            district="Kara-Suu",
            school="School No. 12",
        ),
    )
    provider(registry, "OBL", region="KG-O")
    return caught_up(registry), enrolment["id"]


def test_a_bound_commission_reads_only_its_regions_teachers(two_regions):
    queries, _ = two_regions
    assert queries.teacher(PIN, actor=CHUY)["region"] == "KG-C"
    for read in (
        queries.teacher,
        queries.compliance,
        queries.teacher_certificates,
        queries.teacher_enrolments,
        queries.teacher_history,
    ):
        with pytest.raises(NotFoundError) as refused:
            read(PIN, actor=OSH)
        assert refused.value.code == "teacher_not_found", read
    with pytest.raises(NotFoundError) as refused:
        queries.certificate("KAE-2024-0001", actor=OSH)
    assert refused.value.code == "certificate_not_found"
    assert queries.certificate("KAE-2024-0001", actor=CHUY)["pin"] == PIN


def test_a_bound_commissions_lists_hold_only_its_region_and_refuse_another(two_regions):
    queries, _ = two_regions
    assert [t["pin"] for t in queries.search_teachers("", actor=OSH)["teachers"]] == [OTHER_PIN]
    assert [t["pin"] for t in queries.due_list(status="overdue", as_of=ON, actor=OSH)] == [
        OTHER_PIN
    ]
    with pytest.raises(ForbiddenError):
        queries.search_teachers("", region="KG-C", actor=OSH)
    with pytest.raises(ForbiddenError):
        queries.due_list(status="overdue", as_of=ON, region="KG-C", actor=OSH)
    national = {t["pin"] for t in queries.due_list(status="overdue", as_of=ON, actor=NATIONAL)}
    assert national == {PIN, OTHER_PIN}
    unscoped = {t["pin"] for t in queries.search_teachers("")["teachers"]}  # the registry itself
    assert unscoped == {PIN, OTHER_PIN}


def test_a_registrar_reads_workload_and_enrolments_of_their_own_provider_only(two_regions):
    queries, enrolment_id = two_regions
    kae, obl = registrar("KAE"), registrar("OBL")
    assert (
        queries.workload("KAE", date(2024, 1, 1), date(2024, 12, 31), actor=kae)["totals"][
            "certificates"
        ]
        == 1
    )
    with pytest.raises(ForbiddenError) as refused:
        queries.workload("KAE", date(2024, 1, 1), date(2024, 12, 31), actor=obl)
    assert refused.value.code == "other_provider"
    assert queries.enrolment(enrolment_id, actor=kae)["status"] == "certified"
    with pytest.raises(ForbiddenError):
        queries.enrolment(enrolment_id, actor=obl)


def test_a_statistician_reads_aggregates_and_pseudonyms_but_no_dossier(two_regions):
    queries, _ = two_regions
    rows = queries.pseudonymised_teachers(ON, actor=STATISTICIAN)
    assert sorted(r["region"] for r in rows) == ["KG-C", "KG-O"]
    assert all("pin" not in r and "full_name" not in r for r in rows)
    assert queries.compliance_statistics(ON, "region", actor=STATISTICIAN)
    for read in (
        lambda: queries.teacher(PIN, actor=STATISTICIAN),
        lambda: queries.search_teachers("", actor=STATISTICIAN),
        lambda: queries.due_list(status="overdue", actor=STATISTICIAN),
        lambda: queries.certificate("KAE-2024-0001", actor=STATISTICIAN),
    ):
        with pytest.raises(ForbiddenError):
            read()


def test_registrars_and_commissions_read_no_statistics(two_regions):
    queries, _ = two_regions
    for actor in (registrar("KAE"), CHUY, NATIONAL):
        with pytest.raises(ForbiddenError):
            queries.compliance_statistics(ON, "region", actor=actor)
        with pytest.raises(ForbiddenError):
            queries.activity_statistics(date(2024, 1, 1), ON, "form", actor=actor)
        with pytest.raises(ForbiddenError):
            queries.pseudonymised_teachers(ON, actor=actor)


def test_an_enrolment_is_read_as_its_events_stand_even_before_the_views_do(registry):
    _, enrolment, _ = certified_teacher(registry)
    queries = Queries(registry)  # no view has applied anything yet
    found = queries.enrolment(enrolment["id"])
    assert found["status"] == "certified" and found["certificate_number"] == "KAE-2024-0001"
    assert found["title"] == "Teaching mathematics" and found["pin"] is None
    assert caught_up(registry).enrolment(enrolment["id"])["pin"] == PIN
    with pytest.raises(NotFoundError):
        queries.enrolment("not-an-id")


def test_a_sessions_account_is_read_from_its_own_events(registry):
    registry.create_account(ADMIN, name="reader", role="auditor")
    queries = Queries(registry)
    assert queries.account(str(Account.id_for("reader"))).role == "auditor"
    assert queries.account(str(Account.id_for("nobody"))) is None
    assert queries.account("not-an-id") is None
