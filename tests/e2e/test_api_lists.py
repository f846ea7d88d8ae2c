"""The API's long lists over HTTP on each engine: a page with the total, the filters and
sorts each list offers (anything else a clear 400 naming the field), the same page as
CSV and .xlsx, and the OpenAPI documenting all of it."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.e2e.api_support import *
from tests.e2e.api_support import PIN, PROGRAMME, TEACHER

OSH_PIN = "10203199000011"


@pytest.fixture
def listed(callers):
    """Six KAE programmes over three years and three certificates: two of a Chüy teacher,
    one of an Osh teacher (one of the three revoked); the position of the last write."""
    registrar, admin = callers["registrar"], callers["admin"]
    assert registrar.post("/teachers", json=TEACHER).status_code == 201
    osh = {**TEACHER, "pin": OSH_PIN, "full_name": "Бакыт Осмонов", "region": "KG-O"}
    assert registrar.post("/teachers", json={**osh, "district": "Aravan"}).status_code == 201
    ids = {}
    for n, (form, year) in enumerate(
        [("course", 2022), ("course", 2023), ("seminar", 2023), ("course", 2024)]
        + [("seminar", 2024), ("training", 2024)]
    ):
        course = form == "course"
        body = {
            **PROGRAMME,
            "code": f"P-{n}",
            "title": f"Programme {n}",
            "form": form,
            "hours": 72 if course else 12 + n,
            "assessment": "exam" if course else "none",
            "starts_on": f"{year}-0{n + 1}-01",
            "ends_on": f"{year}-0{n + 1}-20",
        }
        created = registrar.post("/programmes", json=body)
        assert created.status_code == 201, created.get_json()
        ids[n] = created.get_json()["id"]
    for pin, number, issued_on in (
        (PIN, "KAE-2022-1", "2022-01-21"),
        (PIN, "KAE-2024-4", "2024-04-21"),
        (OSH_PIN, "KAE-2024-5", "2024-04-22"),
    ):
        programme_id = ids[0] if issued_on.startswith("2022") else ids[3]
        enrolment = registrar.post(f"/programmes/{programme_id}/enrolments", json={"pin": pin})
        enrolment_id = enrolment.get_json()["id"]
        registrar.post(
            f"/enrolments/{enrolment_id}/assessments",
            json={"passed": True, "assessed_on": issued_on},
        )
        issued = registrar.post(
            f"/enrolments/{enrolment_id}/certificate",
            json={"number": number, "issued_on": issued_on},
        )
        assert issued.status_code == 201
    revoked = admin.post("/certificates/KAE-2022-1/revocation", json={"reason": "error"})
    return revoked.headers["X-Registry-Position"]


def page(caller, path, position):
    response = caller.get(f"{path}{'&' if '?' in path else '?'}min_position={position}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_programmes_answer_a_page_with_the_total_by_year_and_form_in_an_order(callers, listed):
    reader = callers["commission"]

    first = page(reader, "/programmes?limit=4", listed)
    rest = page(reader, "/programmes?limit=4&offset=4", listed)
    in_2024 = page(reader, "/programmes?year=2024&form=course&sort=code", listed)

    assert (first["total"], first["total_capped"], first["limit"], first["offset"]) == (
        6,
        False,
        4,
        0,
    )
    assert first["sort"] == "-starts_on"
    assert [p["code"] for p in first["programmes"]] == ["P-5", "P-4", "P-3", "P-2"]
    assert [p["code"] for p in rest["programmes"]] == ["P-1", "P-0"]
    assert (in_2024["total"], [p["code"] for p in in_2024["programmes"]]) == (1, ["P-3"])
    by_hours = page(reader, "/programmes?sort=-hours&limit=2", listed)
    assert [p["hours"] for p in by_hours["programmes"]] == [72, 72] and by_hours["total"] == 6
    words = page(reader, "/programmes?q=programme%205", listed)
    assert words["sort"] is None and words["programmes"][0]["code"] == "P-5"


def test_providers_answer_a_page_with_the_total_filtered_and_sorted(callers, listed):
    reader = callers["statistician"]

    every = page(reader, "/providers?sort=-code", listed)
    osh = page(reader, "/providers?kind=oblast_institute", listed)
    active = page(reader, "/providers?suspended=false&region=KG-GB", listed)

    assert every["total"] == 2 and [p["code"] for p in every["providers"]] == ["OBL", "KAE"]
    assert [p["code"] for p in osh["providers"]] == ["OBL"]
    assert [p["code"] for p in active["providers"]] == ["KAE"]


def test_a_providers_certificates_answer_a_page_a_commission_sees_its_region_of(callers, listed):
    auditor = page(callers["auditor"], "/providers/KAE/certificates?sort=issued_on", listed)
    chuy = page(callers["commission"], "/providers/KAE/certificates", listed)
    valid = page(callers["auditor"], "/providers/KAE/certificates?status=valid", listed)
    span = page(
        callers["auditor"], "/providers/KAE/certificates?from=2024-01-01&to=2024-04-21", listed
    )

    assert auditor["total"] == 3
    assert [c["number"] for c in auditor["certificates"]] == [
        "KAE-2022-1",
        "KAE-2024-4",
        "KAE-2024-5",
    ]
    assert [c["status"] for c in auditor["certificates"]] == ["revoked", "valid", "valid"]
    assert [c["number"] for c in chuy["certificates"]] == ["KAE-2024-4", "KAE-2022-1"]
    assert [c["number"] for c in valid["certificates"]] == ["KAE-2024-5", "KAE-2024-4"]
    assert [c["number"] for c in span["certificates"]] == ["KAE-2024-4"]
    assert callers["auditor"].get("/providers/NOPE/certificates").status_code == 404


REFUSED = [
    ("/programmes?sort=starts_on;DROP", "sort"),
    ("/programmes?sort=search_key", "sort"),
    ("/programmes?year=20240", "year"),
    ("/programmes?limit=0", "limit"),
    ("/programmes?form=lecture", "form"),
    ("/providers?sort=name%20DESC", "sort"),
    ("/providers?kind=school", "kind"),
    ("/providers?suspended=perhaps", "suspended"),
    ("/providers/KAE/certificates?sort=pin", "sort"),
    ("/providers/KAE/certificates?status=lost", "status"),
    ("/providers/KAE/certificates?from=2024-05-01&to=2024-01-01", "from"),
]


def test_a_list_refuses_a_filter_or_sort_it_does_not_offer_naming_the_field(callers):
    for path, field in REFUSED:
        response = callers["auditor"].get(path)

        assert response.status_code in (400, 422), (path, response.get_json())
        assert field in response.get_json()["error"]["fields"], path


def test_each_list_downloads_its_page_as_csv_and_xlsx(callers, listed):
    auditor = callers["auditor"]
    auditor.get(f"/providers?min_position={listed}")
    for path, first_column in (
        ("/programmes?sort=code", "id"),
        ("/providers?sort=code", "code"),
        ("/providers/KAE/certificates?sort=number", "number"),
    ):
        text = auditor.get(f"{path}&format=csv")
        assert text.status_code == 200 and text.content_type.startswith("text/csv")
        rows = list(csv.reader(io.StringIO(text.get_data(as_text=True).lstrip("\ufeff"))))
        as_json = auditor.get(path).get_json()
        assert rows[0][0] == first_column and len(rows) == 1 + as_json["total"]
        book = load_workbook(io.BytesIO(auditor.get(f"{path}&format=xlsx").data), read_only=True)
        sheet = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        assert sheet[0] == rows[0] and len(sheet) == len(rows)
    certificates = auditor.get("/providers/KAE/certificates?format=csv").get_data(as_text=True)
    assert "verification_code" not in certificates  # a file anyone could verify with


def test_the_openapi_documents_each_lists_total_filters_and_sorts(callers):
    spec = callers["public"].get("/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    for path, listed_as in (
        ("/api/v1/programmes", "ProgrammeList"),
        ("/api/v1/providers", "ProviderList"),
        ("/api/v1/providers/{code}/certificates", "CertificateList"),
    ):
        get = spec["paths"][path]["get"]
        parameters = {p["name"]: p for p in get["parameters"]}
        assert {"limit", "offset", "sort", "format"} <= set(parameters), path
        assert "-" + parameters["sort"]["schema"]["enum"][0] in parameters["sort"]["schema"]["enum"]
        assert {"total", "total_capped", "limit", "offset", "sort"} <= set(
            schemas[listed_as]["properties"]
        ), listed_as


def test_due_lists_and_the_statisticians_table_answer_their_totals(callers, listed):
    registrar = callers["registrar"]
    for n, region in ((1, "KG-C"), (2, "KG-C"), (3, "KG-O")):
        teacher = {
            **TEACHER,
            "pin": f"1010119700000{n}",
            "full_name": f"Overdue {n}",
            "region": region,
            "district": "Sokuluk" if region == "KG-C" else "Aravan",
            "service_start": "2001-09-01",
        }
        created = registrar.post("/teachers", json=teacher)
        assert created.status_code == 201, created.get_json()
    position = created.headers["X-Registry-Position"]

    due = page(callers["auditor"], "/due?status=overdue&sort=-name&limit=2", position)
    chuy = page(callers["commission"], "/due?status=overdue", position)
    table = page(callers["statistician"], "/statistics/teachers?region=KG-C&limit=1", position)

    assert (due["total"], due["total_capped"], due["sort"], due["limit"]) == (3, False, "-name", 2)
    assert [t["full_name"] for t in due["teachers"]] == ["Overdue 3", "Overdue 2"]
    assert chuy["total"] == 2 and {t["region"] for t in chuy["teachers"]} == {"KG-C"}
    assert table["total"] == 3 and len(table["teachers"]) == 1 and table["sort"] == "key"
    assert callers["auditor"].get("/due?status=overdue&sort=pin").status_code == 400
    # An unknown region or status is refused (400, naming it), not answered with nobody.
    for wrong in ("region=AAA", "status=sleeping"):
        refused = callers["statistician"].get(f"/statistics/teachers?{wrong}")
        assert refused.status_code == 400, refused.get_json()
        assert wrong.split("=")[0] in str(refused.get_json())
