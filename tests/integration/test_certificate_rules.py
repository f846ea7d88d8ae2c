"""Certificates: issue, numbers, dates, revocation, re-certification, duplicates, legacy."""

from datetime import date, timedelta

import pytest

from registry.commands.base import Session
from registry.domain import clock
from registry.domain.certificate import Certificate
from registry.domain.errors import ConflictError, ForbiddenError, RuleViolationError
from tests.builders import (
    ADMIN,
    OTHER_PIN,
    PIN,
    certified_teacher,
    programme,
    provider,
    registrar,
    teacher,
)


@pytest.fixture
def enrolment(registry):
    provider(registry, "KAE")
    registry.register_teacher(ADMIN, teacher())
    prog = registry.register_programme(ADMIN, programme()).data
    return registry.enrol(ADMIN, prog["id"], PIN).data


def stored(registry, number):
    return Session(registry).find(Certificate.id_for(number))


def test_a_certificate_needs_a_passed_assessment(registry, enrolment):
    with pytest.raises(RuleViolationError) as caught:
        registry.issue_certificate(
            ADMIN, enrolment["id"], number="C-1", issued_on=date(2024, 3, 21)
        )
    assert caught.value.code == "assessment_not_passed"
    registry.assess(ADMIN, enrolment["id"], passed=False, assessed_on=date(2024, 3, 20))
    with pytest.raises(RuleViolationError):
        registry.issue_certificate(
            ADMIN, enrolment["id"], number="C-1", issued_on=date(2024, 3, 21)
        )
    assert stored(registry, "C-1") is None


def test_a_programme_without_assessment_certifies_without_one(registry):
    provider(registry, "KAE")
    registry.register_teacher(ADMIN, teacher())
    prog = registry.register_programme(
        ADMIN, programme(code="SEM", form="seminar", hours=18, assessment="none")
    ).data
    enrolment = registry.enrol(ADMIN, prog["id"], PIN).data
    data = registry.issue_certificate(
        ADMIN, enrolment["id"], number="S-1", issued_on=date(2024, 3, 2)
    ).data
    assert (data["hours"], data["form"], data["status"]) == (18, "seminar", "valid")


@pytest.mark.parametrize(
    "issued_on, code",
    [
        (date(2024, 2, 28), "certificate_before_programme"),
        (clock.today() + timedelta(days=1), "date_in_future"),
        (date(2024, 3, 19), "certificate_before_assessment"),
    ],
)
def test_a_certificate_dated_impossibly_names_the_rule_and_stores_nothing(
    registry, enrolment, issued_on, code
):
    registry.assess(ADMIN, enrolment["id"], passed=True, assessed_on=date(2024, 3, 20))
    before = registry.max_position()
    with pytest.raises(RuleViolationError) as caught:
        registry.issue_certificate(ADMIN, enrolment["id"], number="C-1", issued_on=issued_on)
    assert caught.value.code == code
    assert registry.max_position() == before


def test_a_certificate_number_is_globally_unique(registry):
    certified_teacher(registry, number="KAE-1")
    registry.register_teacher(ADMIN, teacher(pin=OTHER_PIN, full_name="B"))
    before = registry.max_position()
    with pytest.raises(ConflictError) as caught:
        registry.record_legacy_certificate(
            ADMIN,
            pin=OTHER_PIN,
            number="KAE-1",
            provider_code="KAE",
            title="Old course",
            form="course",
            hours=72,
            issued_on=date(2012, 5, 1),
        )
    assert caught.value.code == "duplicate_certificate_number"
    assert registry.max_position() == before


def test_an_enrolment_is_certified_once(registry):
    _prog, enrolment, _ = certified_teacher(registry, number="KAE-1")
    with pytest.raises(ConflictError) as caught:
        registry.issue_certificate(
            ADMIN, enrolment["id"], number="KAE-2", issued_on=date(2024, 3, 22)
        )
    assert caught.value.code == "already_certified"


def test_a_certificate_carries_the_programme_hours_and_a_verification_code(registry):
    _, _, certificate = certified_teacher(registry, number="KAE-1", hours=96)
    assert certificate["hours"] == 96
    assert len(certificate["verification_code"]) == 9
    assert certificate["verification_code"] == registry.keys.verification_code("KAE-1")


def test_revocation_reopens_the_enrolment_for_a_corrected_certificate(registry):
    _, enrolment, _ = certified_teacher(registry, number="KAE-1")
    revoked = registry.revoke_certificate(ADMIN, "KAE-1", reason="wrong hours").data
    assert revoked["status"] == "revoked"
    again = registry.issue_certificate(
        ADMIN, enrolment["id"], number="KAE-1B", issued_on=date(2024, 3, 25)
    ).data
    assert again["status"] == "valid"
    assert stored(registry, "KAE-1").status == "revoked"  # never deleted
    with pytest.raises(ConflictError):
        registry.revoke_certificate(ADMIN, "KAE-1", reason="again")


def test_a_duplicate_points_to_its_original_and_is_revoked_with_it(registry):
    certified_teacher(registry, number="KAE-1")
    duplicate = registry.issue_duplicate(
        ADMIN, "KAE-1", number="KAE-1-D", issued_on=date(2024, 6, 1)
    ).data
    assert (duplicate["kind"], duplicate["duplicate_of"]) == ("duplicate", "KAE-1")
    assert stored(registry, "KAE-1").status == "duplicate_issued"
    registry.revoke_certificate(ADMIN, "KAE-1", reason="fraud")
    assert stored(registry, "KAE-1-D").status == "revoked"


def test_a_duplicate_cannot_predate_its_original_or_copy_a_revoked_one(registry):
    certified_teacher(registry, number="KAE-1")
    with pytest.raises(RuleViolationError) as caught:
        registry.issue_duplicate(ADMIN, "KAE-1", number="D", issued_on=date(2024, 1, 1))
    assert caught.value.code == "duplicate_before_original"
    registry.revoke_certificate(ADMIN, "KAE-1", reason="error")
    with pytest.raises(ConflictError):
        registry.issue_duplicate(ADMIN, "KAE-1", number="D", issued_on=date(2024, 6, 1))


def test_revoking_a_duplicate_alone_restores_the_originals_status(registry):
    certified_teacher(registry, number="KAE-1")
    registry.issue_duplicate(ADMIN, "KAE-1", number="KAE-1-D", issued_on=date(2024, 6, 1))
    registry.revoke_certificate(ADMIN, "KAE-1-D", reason="issued in error")
    assert stored(registry, "KAE-1").status == "valid"


def test_a_registrar_revokes_only_their_providers_certificates(registry):
    certified_teacher(registry, number="KAE-1")
    provider(registry, "OTHER", kind="university", region="KG-C")
    with pytest.raises(ForbiddenError):
        registry.revoke_certificate(registrar("OTHER"), "KAE-1", reason="not mine")
    registry.revoke_certificate(registrar("KAE"), "KAE-1", reason="mine")


def test_a_legacy_paper_certificate_is_recorded_without_an_enrolment(registry):
    provider(registry, "KAE")
    registry.register_teacher(ADMIN, teacher())
    data = registry.record_legacy_certificate(
        ADMIN,
        pin=PIN,
        number="PAPER-1999-7",
        provider_code="KAE",
        title="Refresher course",
        form="course",
        hours=144,
        issued_on=date(2019, 4, 2),
    ).data
    assert (data["kind"], data["enrolment_id"], data["hours"]) == ("legacy", None, 144)


def test_a_legacy_course_under_72_hours_is_refused(registry):
    provider(registry, "KAE")
    registry.register_teacher(ADMIN, teacher())
    with pytest.raises(RuleViolationError) as caught:
        registry.record_legacy_certificate(
            ADMIN,
            pin=PIN,
            number="P-1",
            provider_code="KAE",
            title="t",
            form="course",
            hours=36,
            issued_on=date(2019, 4, 2),
        )
    assert caught.value.code == "course_too_short"
