"""Providers, programmes and enrolments: the regulation's rules, each with its own error."""

from datetime import date, timedelta

import pytest

from registry.domain import clock
from registry.domain.errors import ConflictError, ForbiddenError, NotFoundError, RuleViolationError
from tests.builders import ADMIN, PIN, programme, provider, registrar, teacher


@pytest.fixture
def ready(registry):
    provider(registry, "KAE")
    registry.register_teacher(ADMIN, teacher())
    return registry


def test_a_provider_code_is_unique(registry):
    provider(registry, "KAE")
    with pytest.raises(ConflictError) as caught:
        provider(registry, "KAE")
    assert caught.value.code == "duplicate_provider"


def test_a_provider_needs_a_known_kind_and_region(registry):
    with pytest.raises(RuleViolationError) as caught:
        registry.register_provider(ADMIN, code="X", name="X", kind="school", region="KG-C")
    assert caught.value.code == "invalid_kind"


def test_only_an_admin_registers_providers(registry):
    with pytest.raises(ForbiddenError):
        registry.register_provider(registrar(), code="X", name="X", kind="other", region="KG-C")


def test_a_programme_of_an_unknown_provider_is_not_found(registry):
    with pytest.raises(NotFoundError) as caught:
        registry.register_programme(ADMIN, programme(provider_code="NOPE"))
    assert caught.value.code == "provider_not_found"


@pytest.mark.parametrize(
    "override, code",
    [
        ({"hours": 71}, "course_too_short"),
        ({"assessment": "none"}, "course_without_assessment"),
        ({"hours": 0, "form": "seminar"}, "hours_out_of_range"),
        ({"hours": 2001, "form": "internship"}, "hours_out_of_range"),
        ({"form": "lecture"}, "invalid_form"),
        ({"mode": "online"}, "invalid_mode"),
        ({"funding": "grant"}, "invalid_funding"),
        ({"ends_on": date(2024, 2, 1)}, "ends_before_start"),
    ],
)
def test_a_programme_breaking_the_regulation_names_the_rule_and_stores_nothing(
    ready, override, code
):
    before = ready.max_position()
    with pytest.raises(RuleViolationError) as caught:
        ready.register_programme(ADMIN, programme(**override))
    assert caught.value.code == code
    assert ready.max_position() == before


def test_a_seminar_may_be_short_and_unassessed(ready):
    data = ready.register_programme(
        ADMIN, programme(form="seminar", hours=8, assessment="none")
    ).data
    assert data["hours"] == 8


def test_a_registrar_records_only_for_their_own_provider(ready):
    provider(ready, "OSH-OI", kind="oblast_institute", region="KG-O")
    with pytest.raises(ForbiddenError):
        ready.register_programme(registrar("OSH-OI"), programme())
    assert ready.register_programme(registrar("KAE"), programme()).data["provider_code"] == "KAE"


def test_a_teacher_is_enrolled_in_a_programme_at_most_once(ready):
    prog = ready.register_programme(ADMIN, programme()).data
    ready.enrol(ADMIN, prog["id"], PIN)
    with pytest.raises(ConflictError) as caught:
        ready.enrol(ADMIN, prog["id"], PIN)
    assert caught.value.code == "already_enrolled"


def test_a_suspended_provider_can_record_nothing_new(ready):
    prog = ready.register_programme(ADMIN, programme()).data
    enrolment = ready.enrol(ADMIN, prog["id"], PIN).data
    ready.suspend_provider(ADMIN, "KAE", reason="licence withdrawn")
    before = ready.max_position()
    for attempt in (
        lambda: ready.register_programme(ADMIN, programme(code="OTHER")),
        lambda: ready.assess(ADMIN, enrolment["id"], passed=True, assessed_on=date(2024, 3, 20)),
        lambda: ready.record_legacy_certificate(
            ADMIN,
            pin=PIN,
            number="P-1",
            provider_code="KAE",
            title="t",
            form="seminar",
            hours=8,
            issued_on=date(2010, 1, 1),
        ),
    ):
        with pytest.raises(RuleViolationError) as caught:
            attempt()
        assert caught.value.code == "provider_suspended"
    assert ready.max_position() == before
    ready.reinstate_provider(ADMIN, "KAE", reason="licence restored")
    ready.assess(ADMIN, enrolment["id"], passed=True, assessed_on=date(2024, 3, 20))


def test_assessments_are_dated_within_reason(ready):
    prog = ready.register_programme(ADMIN, programme()).data
    enrolment = ready.enrol(ADMIN, prog["id"], PIN).data
    with pytest.raises(RuleViolationError) as caught:
        ready.assess(ADMIN, enrolment["id"], passed=True, assessed_on=date(2024, 2, 1))
    assert caught.value.code == "assessment_before_programme"
    with pytest.raises(RuleViolationError) as caught:
        ready.assess(
            ADMIN, enrolment["id"], passed=True, assessed_on=clock.today() + timedelta(days=1)
        )
    assert caught.value.code == "date_in_future"


def test_a_failed_teacher_may_be_reassessed(ready):
    prog = ready.register_programme(ADMIN, programme()).data
    enrolment = ready.enrol(ADMIN, prog["id"], PIN).data
    assert (
        ready.assess(
            ADMIN, enrolment["id"], passed=False, score=40, assessed_on=date(2024, 3, 20)
        ).data["status"]
        == "failed"
    )
    result = ready.assess(
        ADMIN, enrolment["id"], passed=True, score=81, assessed_on=date(2024, 3, 27)
    ).data
    assert (result["status"], result["attempts"]) == ("passed", 2)


def test_a_passed_teacher_is_not_reassessed_and_a_wrong_pass_is_undone_by_withdrawal(ready):
    """Rule 4: only a failed teacher may be re-assessed; before and after a certificate
    (issued, then revoked) a second assessment is a conflict and stores nothing."""
    prog = ready.register_programme(ADMIN, programme()).data
    enrolment = ready.enrol(ADMIN, prog["id"], PIN).data
    ready.assess(ADMIN, enrolment["id"], passed=True, score=90, assessed_on=date(2024, 3, 20))

    def reassess_refused() -> None:
        before = ready.max_position()
        for passed in (False, True):
            with pytest.raises(ConflictError) as caught:
                ready.assess(ADMIN, enrolment["id"], passed=passed, assessed_on=date(2024, 3, 27))
            assert caught.value.code == "already_passed"
        assert ready.max_position() == before

    reassess_refused()
    ready.issue_certificate(ADMIN, enrolment["id"], number="KAE-RA-1", issued_on=date(2024, 3, 28))
    ready.revoke_certificate(ADMIN, "KAE-RA-1", reason="the pass was recorded in error")
    reassess_refused()
    withdrawn = ready.withdraw(ADMIN, enrolment["id"], effective_on=date(2024, 3, 29), reason="x")
    assert withdrawn.data["status"] == "withdrawn"


def test_an_assessment_on_a_withdrawn_enrolment_is_a_conflict_and_stores_nothing(ready):
    prog = ready.register_programme(ADMIN, programme()).data
    enrolment = ready.enrol(ADMIN, prog["id"], PIN).data
    ready.withdraw(ADMIN, enrolment["id"], effective_on=date(2024, 3, 5), reason="illness")
    before = ready.max_position()
    with pytest.raises(ConflictError) as caught:
        ready.assess(ADMIN, enrolment["id"], passed=True, assessed_on=date(2024, 3, 20))
    assert caught.value.code == "enrolment_withdrawn"
    assert ready.max_position() == before


def test_an_unknown_enrolment_id_is_not_found(ready):
    with pytest.raises(NotFoundError):
        ready.assess(ADMIN, "not-a-uuid", passed=True, assessed_on=date(2024, 3, 20))
