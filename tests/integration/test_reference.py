"""Reference lists as data: seeded once, teachers carry their codes, old spellings mapped."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from registry.bootstrap import initialise
from registry.domain.errors import ConflictError, ForbiddenError, RuleViolationError
from registry.domain.reference import UNMAPPED, seed_entries
from registry.domain.teacher import Teacher
from tests.builders import ADMIN, OTHER_PIN, registrar, teacher
from tests.readside import caught_up

ON = date(2025, 1, 1)


def stored_before_the_lists(registry, **details) -> None:
    """A teacher as recorded before the lists existed: free text in the event."""
    registry.save(Teacher.register(uuid.uuid4(), **teacher(**details)))


def test_init_seeds_the_lists_once_and_again_adds_nothing(registry):
    queries = caught_up(registry)
    lists = queries.reference.all_entries()
    assert len(lists["districts"]) == 45
    assert sum(map(len, lists.values())) == len(seed_entries())
    sokuluk = next(e for e in lists["districts"] if e["code"] == "sokuluk")
    assert sokuluk == {
        "list": "districts",
        "code": "sokuluk",
        "name_ky": "Сокулук",
        "name_ru": "Сокулукский",
        "name_en": "Sokuluk",
        "region": "KG-C",
        "retired": False,
    }
    head = registry.max_position()
    assert registry.seed_reference().data == {"added": 0}
    initialise(registry.settings)
    assert registry.max_position() == head


def test_a_teacher_is_stored_with_codes_given_as_codes_or_listed_names(registry):
    by_code = registry.register_teacher(
        ADMIN, teacher(district="sokuluk", subject="mathematics", position="senior_teacher")
    ).data
    assert (by_code["district"], by_code["subject"], by_code["position"]) == (
        "sokuluk",
        "mathematics",
        "senior_teacher",
    )
    by_name = registry.register_teacher(
        ADMIN, teacher(pin=OTHER_PIN, district="Сокулукский", subject="Математика")
    ).data
    assert (by_name["district"], by_name["subject"]) == ("sokuluk", "mathematics")


@pytest.mark.parametrize(
    ("field", "value", "list_name"),
    [("district", "Atlantis", "districts"), ("subject", "alchemy", "subjects"),
     ("position", "wizard", "positions")],
)  # fmt: skip
def test_an_unknown_code_is_refused_naming_the_field_and_where_the_codes_are(
    registry, field, value, list_name
):
    head = registry.max_position()
    with pytest.raises(RuleViolationError) as refused:
        registry.register_teacher(ADMIN, teacher(**{field: value}))
    assert field in refused.value.fields and refused.value.code == "unknown_code"
    assert f"/api/v1/reference/{list_name}" in str(refused.value)
    assert registry.max_position() == head


def test_a_district_of_another_region_is_refused_on_registration_transfer_and_correction(
    registry,
):
    with pytest.raises(RuleViolationError) as refused:
        registry.register_teacher(ADMIN, teacher(region="KG-N", district="sokuluk"))
    assert refused.value.code == "district_not_in_region" and "district" in refused.value.fields
    registry.register_teacher(ADMIN, teacher())
    pin = teacher()["pin"]
    with pytest.raises(RuleViolationError, match="not in KG-O"):
        registry.transfer_teacher(
            ADMIN, pin, region="KG-O", district="kochkor", school="S", effective_on=ON
        )
    with pytest.raises(RuleViolationError, match="not in KG-T"):
        registry.correct_teacher(ADMIN, pin, {"region": "KG-T"})
    moved = registry.transfer_teacher(
        ADMIN, pin, region="KG-O", district="Кара-Сууский", school="S", effective_on=ON
    ).data
    assert moved["district"] == "kara-suu"


def test_only_an_administrator_manages_the_lists(registry):
    with pytest.raises(ForbiddenError):
        registry.add_reference_entry(
            registrar(), "subjects", code="astronomy", names={"name_en": "Astronomy"}
        )
    names = {"name_ky": "Астрономия", "name_ru": "Астрономия", "name_en": "Astronomy"}
    registry.add_reference_entry(ADMIN, "subjects", code="astronomy", names=names)
    with pytest.raises(ConflictError):
        registry.add_reference_entry(ADMIN, "subjects", code="astronomy", names=names)
    with pytest.raises(RuleViolationError) as refused:
        registry.add_reference_entry(ADMIN, "districts", code="new-one", names=names)
    assert "region" in refused.value.fields
    registry.rename_reference_entry(
        ADMIN, "subjects", "astronomy", names={"name_ky": "Асман илими"}
    )
    assert registry.register_teacher(ADMIN, teacher(subject="astronomy")).data["subject"] == (
        "astronomy"
    )
    entries = caught_up(registry).reference.entries("subjects")
    assert entries[-1]["name_ky"] == "Асман илими"


def test_a_retired_code_is_refused_for_new_records_and_still_names_history(registry):
    registry.register_teacher(ADMIN, teacher(subject="fine_arts"))
    registry.retire_reference_entry(ADMIN, "subjects", "fine_arts", reason="merged")
    with pytest.raises(RuleViolationError) as refused:
        registry.register_teacher(ADMIN, teacher(pin=OTHER_PIN, subject="fine_arts"))
    assert refused.value.code == "retired_code" and "subject" in refused.value.fields
    with pytest.raises(ConflictError):
        registry.retire_reference_entry(ADMIN, "subjects", "fine_arts", reason="again")
    queries = caught_up(registry)
    subjects = {g["group"]: g["total"] for g in queries.compliance_statistics(ON, "subject")}
    assert subjects == {"fine_arts": 1}
    retired = [e for e in queries.reference.entries("subjects") if e["retired"]]
    assert [e["code"] for e in retired] == ["fine_arts"]


def test_statistics_group_old_spellings_under_their_code_and_count_the_unmapped(registry):
    registry.register_teacher(ADMIN, teacher())  # sokuluk, mathematics
    stored_before_the_lists(
        registry, pin="21505198500001", district="Сокулукский район", subject="Математика"
    )
    stored_before_the_lists(registry, pin="21505198500002", district="SOKULUK", subject="матем.")
    stored_before_the_lists(registry, pin="21505198500003", district="Сокулук р-н", subject="Матем")
    queries = caught_up(registry)
    districts = {g["group"]: g for g in queries.compliance_statistics(ON, "district")}
    assert districts["sokuluk"]["total"] == 2  # the code and a name in capitals
    assert districts["sokuluk"]["region"] == "KG-C"
    assert districts[UNMAPPED]["total"] == 2
    assert districts[UNMAPPED]["spellings"] == ["Сокулук р-н", "Сокулукский район"]
    assert list(districts)[-1] == UNMAPPED  # after the codes

    registry.map_spellings(
        ADMIN, "districts", {"Сокулукский район": "sokuluk", "сокулук Р-Н": "sokuluk"}
    )
    registry.map_spellings(ADMIN, "subjects", {"Матем": "mathematics"})
    queries = caught_up(registry)
    districts = {g["group"]: g for g in queries.compliance_statistics(ON, "district")}
    assert set(districts) == {"sokuluk"} and districts["sokuluk"]["total"] == 4
    subjects = {g["group"]: g["total"] for g in queries.compliance_statistics(ON, "subject")}
    assert subjects == {"mathematics": 4}  # "матем." folds to "матем" as well
    opened = {g["group"]: g for g in queries.open_data(ON, "district")}
    assert opened["sokuluk"]["suppressed"] is True  # 4 < 5, judged after the merge
    assert queries.reference.spellings("subjects") == [{"spelling": "Матем", "code": "mathematics"}]


def test_a_mapping_refuses_an_unknown_code_and_changes_nothing(registry):
    head = registry.max_position()
    with pytest.raises(RuleViolationError) as refused:
        registry.map_spellings(ADMIN, "districts", {"A": "sokuluk", "B": "atlantis"})
    assert refused.value.code == "unknown_code"
    assert registry.max_position() == head
    registry.map_spellings(ADMIN, "districts", {"A": "sokuluk"})
    assert registry.map_spellings(ADMIN, "districts", {"a": "sokuluk"}).data["changed"] == 0
    assert registry.map_spellings(ADMIN, "districts", {"a": "kemin"}).data["changed"] == 1


def test_a_due_list_of_a_district_finds_its_teachers_recorded_by_code_or_by_name(registry):
    registry.register_teacher(ADMIN, teacher(district="alamudun", service_start=date(2000, 9, 1)))
    stored_before_the_lists(
        registry,
        pin="21505198500001",
        district="Аламудунский",
        service_start=date(2000, 9, 1),
    )
    queries = caught_up(registry)
    for district in ("Alamüdün", "alamudun", "Аламудунский"):
        due = queries.due_list(status="overdue", as_of=ON, district=district)
        assert len(due) == 2, district
