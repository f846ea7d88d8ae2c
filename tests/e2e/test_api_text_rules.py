"""Text a client sends is refused with the field named when it holds control characters,
and stored in composed (NFC) form otherwise; a refusal records nothing."""

from __future__ import annotations

import unicodedata

import pytest

from tests.builders import PIN, teacher
from tests.e2e.api_support import *


def _body(**overrides):
    body = teacher(**overrides)
    body["service_start"] = body["service_start"].isoformat()
    return body


@pytest.mark.parametrize(
    "field, value",
    [
        ("full_name", "Асанова\u0000Айгүл"),
        ("school", "School\u001b61"),
        ("subject", "Math\u0085"),
        ("position", "Teacher\nof maths"),
        ("full_name", "Айгүл \ud800"),
    ],
)
def test_a_control_character_in_a_teachers_details_is_refused_and_nothing_is_stored(
    api, api_app, field, value
):
    registry = api_app.extensions["registry"].registry
    before = registry.max_position()
    answer = api.post("/teachers", json=_body(**{field: value}))
    assert answer.status_code == 422, answer.get_json()
    error = answer.get_json()["error"]
    assert error["code"] == "control_character" and field in error["fields"]
    assert registry.max_position() == before


def test_a_reason_may_span_lines_but_may_not_hold_a_nul(api):
    assert api.post("/teachers", json=_body()).status_code == 201
    refused = api.post(
        f"/teachers/{PIN}/departure",
        json={"effective_on": "2024-06-30", "reason": "moved\u0000away"},
    )
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"].keys() == {"reason"}
    accepted = api.post(
        f"/teachers/{PIN}/departure",
        json={"effective_on": "2024-06-30", "reason": "moved away\r\nto Osh"},
    )
    assert accepted.status_code == 200, accepted.get_json()


def test_a_name_typed_in_decomposed_form_is_stored_composed(api):
    decomposed = unicodedata.normalize("NFD", "Айгүл Асанова")
    created = api.post("/teachers", json=_body(full_name=decomposed))
    assert created.status_code == 201, created.get_json()
    position = created.headers["X-Registry-Position"]
    read = api.get(f"/teachers/{PIN}?min_position={position}")
    assert read.get_json()["full_name"] == "Айгүл Асанова"
    assert read.get_json()["incomplete"] == []
