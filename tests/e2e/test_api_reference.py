"""The reference lists over HTTP: served to anyone, managed by administrators; teachers
registered with codes; unknown codes and districts of another region refused (422)."""

from __future__ import annotations

from tests.e2e.api_support import *  # the fixtures: api_app, callers
from tests.e2e.api_support import TEACHER

NEW = {**TEACHER, "district": "kara-suu", "region": "KG-O", "subject": "physics"}


def test_anyone_reads_a_list_with_names_in_three_languages_and_a_region_s_districts(callers):
    public = callers["public"]
    head = public.client.application.extensions["registry"].registry.max_position()
    response = public.get(f"/reference/districts?region=KG-N&min_position={head}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["list"] == "districts"
    assert [e["code"] for e in body["entries"]] == [
        "ak-talaa", "at-bashy", "jumgal", "kochkor", "naryn"
    ]  # fmt: skip
    assert body["entries"][3] == {
        "code": "kochkor",
        "name_ky": "Кочкор",
        "name_ru": "Кочкорский",
        "name_en": "Kochkor",
        "region": "KG-N",
        "retired": False,
    }
    positions = public.get(f"/reference/positions?min_position={head}").get_json()["entries"]
    assert {"code": "teacher", "name_ky": "Мугалим", "name_ru": "Учитель"}.items() <= (
        positions[0].items()
    )
    assert public.get("/reference/schools").status_code == 404
    refused = public.get("/reference/districts?region=KG-X")
    assert refused.status_code == 400 and "region" in refused.get_json()["error"]["fields"]


def test_a_teacher_registered_with_codes_answers_with_them(api):
    response = api.post("/teachers", json=NEW)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["district"], body["subject"], body["position"]) == (
        "kara-suu",
        "physics",
        "teacher",
    )


def test_an_unknown_code_is_a_422_naming_the_field_and_where_the_codes_are(api):
    before = api.client.application.extensions["registry"].registry.max_position()
    for field, value, where in (
        ("district", "atlantis", "/api/v1/reference/districts"),
        ("subject", "alchemy", "/api/v1/reference/subjects"),
        ("position", "wizard", "/api/v1/reference/positions"),
    ):
        response = api.post("/teachers", json={**NEW, field: value})
        assert response.status_code == 422
        error = response.get_json()["error"]
        assert error["code"] == "unknown_code" and field in error["fields"]
        assert where in error["message"]
    assert api.client.application.extensions["registry"].registry.max_position() == before


def test_a_district_of_another_region_is_a_422(api):
    response = api.post("/teachers", json={**NEW, "region": "KG-T"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "district_not_in_region" and "district" in error["fields"]
    assert api.post("/teachers", json=NEW).status_code == 201
    moved = api.post(
        f"/teachers/{NEW['pin']}/transfers",
        json={"region": "KG-GB", "district": "naryn", "school": "S", "effective_on": "2024-09-01"},
    )
    assert moved.status_code == 422 and moved.get_json()["error"]["code"] == (
        "district_not_in_region"
    )


def test_an_administrator_adds_renames_and_maps_spellings_and_statistics_follow(callers):
    api = callers["admin"]
    added = api.post(
        "/reference/subjects",
        json={"code": "astronomy", "name_ky": "Астр", "name_ru": "Астрономия",
              "name_en": "Astronomy"},
    )  # fmt: skip
    assert added.status_code == 201 and added.get_json()["code"] == "astronomy"
    renamed = api.client.patch(
        "/api/v1/reference/subjects/astronomy",
        json={"name_ky": "Астрономия"},
        headers=api._headers(None),
    )
    assert renamed.status_code == 200 and renamed.get_json()["name_ky"] == "Астрономия"
    bad = api.post("/reference/subjects/spellings", json={"mapping": {"Астр.": "nothing"}})
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "unknown_code"
    mapped = api.post("/reference/subjects/spellings", json={"mapping": {"Астр.": "astronomy"}})
    assert mapped.status_code == 200 and mapped.get_json()["changed"] == 1
    listed = api.get(
        f"/reference/subjects/spellings?min_position={mapped.headers['X-Registry-Position']}"
    )
    assert listed.get_json()["spellings"] == [{"spelling": "Астр.", "code": "astronomy"}]
    assert (
        callers["registrar"]
        .post("/reference/subjects/spellings", json={"mapping": {"x": "physics"}})
        .status_code
        == 403
    )


def test_the_openapi_says_where_a_teacher_s_codes_are(callers):
    spec = callers["public"].get("/openapi.json").get_json()
    teacher = spec["components"]["schemas"]["TeacherIn"]["properties"]
    for field, list_name in (
        ("district", "districts"),
        ("subject", "subjects"),
        ("position", "positions"),
    ):
        assert f"/api/v1/reference/{list_name}" in teacher[field]["description"]
        assert teacher[field]["x-reference-list"] == f"/api/v1/reference/{list_name}"
    assert "/api/v1/reference/{list_name}" in spec["paths"]


def test_statistics_over_http_count_the_unmapped_and_then_the_code(callers):
    import uuid

    from registry.domain.teacher import Teacher
    from tests.builders import teacher

    api = callers["admin"]
    registry = api.client.application.extensions["registry"].registry
    registry.save(Teacher.register(uuid.uuid4(), **teacher(district="Сокулук р-н")))
    assert api.post("/teachers", json={**TEACHER, "pin": "10203199000011"}).status_code == 201

    def districts() -> dict:
        head = registry.max_position()
        response = api.get(
            f"/statistics/compliance?group_by=district&as_of=2025-01-01&min_position={head}"
        )
        assert response.status_code == 200
        return {g["group"]: g for g in response.get_json()["groups"]}

    before = districts()
    assert before["sokuluk"]["total"] == 1
    assert before["unmapped"]["total"] == 1
    assert before["unmapped"]["spellings"] == ["Сокулук р-н"]
    mapped = api.post(
        "/reference/districts/spellings", json={"mapping": {"Сокулук р-н": "sokuluk"}}
    )
    assert mapped.status_code == 200
    after = districts()
    assert set(after) == {"sokuluk"} and after["sokuluk"]["total"] == 2
    assert "spellings" not in after["sokuluk"]


def test_a_districts_due_list_holds_the_teachers_of_a_spelling_mapped_to_it(callers):
    """A commission asks for its district's overdue teachers by the district's code: those
    recorded under an old spelling join the list (and its total) once an administrator
    ties the spelling to the code, as they join the district's statistics."""
    import uuid

    from registry.domain.teacher import Teacher
    from tests.builders import teacher

    api = callers["admin"]
    registry = api.client.application.extensions["registry"].registry
    old = teacher(pin="10203199000022", full_name="Старый Учитель", district="Сокулук р-н")
    registry.save(Teacher.register(uuid.uuid4(), **old))
    assert api.post("/teachers", json={**TEACHER, "pin": "10203199000011"}).status_code == 201
    assert api.post("/teachers", json={**NEW, "pin": "10203199000033"}).status_code == 201

    def due(district: str) -> tuple[set[str], int]:
        head = registry.max_position()
        response = callers["registrar"].get(
            f"/due?status=overdue&as_of=2025-01-01&district={district}&min_position={head}"
        )
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        return {t["pin"] for t in body["teachers"]}, body["total"]

    assert due("sokuluk") == ({"10203199000011"}, 1)
    assert due("Сокулук р-н") == ({"10203199000022"}, 1)  # the old text, asked as stored
    mapped = api.post(
        "/reference/districts/spellings", json={"mapping": {"Сокулук р-н": "sokuluk"}}
    )
    assert mapped.status_code == 200
    both = ({"10203199000011", "10203199000022"}, 2)
    assert due("sokuluk") == both
    assert due("Sokuluk") == both and due("Сокулукский") == both  # its names, as before
    assert due("Сокулук р-н") == both  # the spelling now stands for the district
    assert due("kara-suu") == ({"10203199000033"}, 1)  # other districts unchanged
    csv_text = (
        callers["registrar"]
        .get(
            f"/due?status=overdue&as_of=2025-01-01&district=sokuluk&format=csv"
            f"&min_position={registry.max_position()}"
        )
        .get_data(as_text=True)
    )
    assert "10203199000022" in csv_text and "10203199000011" in csv_text
