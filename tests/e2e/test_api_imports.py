"""POST /imports: a CSV body in, a row-level report out; a re-import records nothing twice."""

from __future__ import annotations

from tests.e2e.api_support import *

PIN = "21505198512345"
TEACHER = {
    "pin": PIN,
    "full_name": "Айгүл Асанова",
    "region": "KG-C",
    "district": "Sokuluk",
    "school": "School No. 3",
    "subject": "Mathematics",
    "position": "teacher",
    "service_start": "2010-09-01",
}
CSV = (
    "pin,number,provider_code,title,form,hours,issued_on\n"
    f"{PIN},PAPER-1,KAE,Methods of teaching,seminar,36,2019-05-10\n"
    f"{PIN},PAPER-2,KAE,Assessment literacy,course,12,2019-06-10\n"
)


def post_csv(caller, text, **headers):
    return caller.post("/imports", data=text.encode(), content_type="text/csv", headers=headers)


def test_good_rows_are_recorded_and_a_bad_row_is_reported_by_line(callers):
    admin = callers["admin"]
    admin.post("/teachers", json=TEACHER)
    response = post_csv(admin, CSV)
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert (report["kind"], report["rows"], report["recorded"], report["failed"]) == (
        "legacy_certificates",
        2,
        1,
        1,
    )
    assert report["errors"][0]["line"] == 3  # a course needs 72 hours
    assert "72" in report["errors"][0]["reason"]
    assert int(response.headers["X-Registry-Position"]) == report["position"]
    certificate = admin.get(
        "/certificates/PAPER-1?min_position="
        + str(admin.client.application.extensions["registry"].registry.max_position())
    )
    assert certificate.status_code == 200
    assert admin.get("/certificates/PAPER-2").status_code == 404


def test_a_reimport_records_nothing_twice(callers):
    admin = callers["admin"]
    admin.post("/teachers", json=TEACHER)
    registry = admin.client.application.extensions["registry"].registry
    post_csv(admin, CSV)
    head = registry.max_position()
    again = post_csv(admin, CSV)
    assert again.status_code == 200
    assert (again.get_json()["recorded"], again.get_json()["skipped"]) == (0, 1)
    assert registry.max_position() == head


def test_a_file_sent_as_curl_sends_it_by_default_is_imported(callers):
    """`curl --data-binary @file.csv` labels the body a URL-encoded form: it is the file
    all the same (it was read as an empty form: 400 empty_body)."""
    admin = callers["admin"]
    admin.post("/teachers", json=TEACHER)
    response = admin.post(
        "/imports", data=CSV.encode(), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["rows"], response.get_json()["recorded"]) == (2, 1)


def test_a_retried_import_with_its_key_answers_the_first_report(callers):
    admin = callers["admin"]
    admin.post("/teachers", json=TEACHER)
    first = post_csv(admin, CSV, **{"Idempotency-Key": "import-1"})
    retry = post_csv(admin, CSV, **{"Idempotency-Key": "import-1"})
    assert (retry.status_code, retry.get_json()) == (first.status_code, first.get_json())


def test_a_write_during_an_import_is_saved_on_its_own(callers):
    import threading

    admin, registrar = callers["admin"], callers["registrar"]
    admin.post("/teachers", json=TEACHER)
    rows = "".join(f"{PIN},BULK-{i},KAE,Seminar {i},seminar,8,2019-05-10\n" for i in range(400))
    header = "pin,number,provider_code,title,form,hours,issued_on\n"
    answers = {}
    importer = threading.Thread(
        target=lambda: answers.setdefault("import", post_csv(admin, header + rows))
    )
    importer.start()
    teacher = registrar.post("/teachers", json={**TEACHER, "pin": "10203199000011"})
    importer.join()
    assert answers["import"].get_json()["recorded"] == 400
    assert teacher.status_code == 201 and teacher.headers.get("X-Registry-Position")
    history = (
        callers["auditor"]
        .get(
            "/teachers/10203199000011/history?min_position="
            + teacher.headers["X-Registry-Position"]
        )
        .get_json()
    )
    assert history["events"][0]["actor"]["name"] == "registrar"


def test_an_empty_body_or_one_not_in_the_chosen_encoding_is_a_400(callers, api_app):
    admin = callers["admin"]
    assert post_csv(admin, "").status_code == 400
    cp1251 = CSV.replace("Methods of teaching", "Методика").encode("cp1251")
    head = api_app.extensions["registry"].registry.max_position()
    for query, code in (
        ("?encoding=utf-8", "not_utf8"),
        ("?encoding=koi8-r", None),  # not an encoding on offer: the argument's 400
    ):
        response = admin.post(f"/imports{query}", data=cp1251, content_type="text/csv")
        assert response.status_code == 400, response.get_json()
        error = response.get_json()["error"]
        assert error["code"] == code if code else "encoding" in error["fields"]
    assert api_app.extensions["registry"].registry.max_position() == head


def test_a_windows_1251_csv_and_an_excel_workbook_are_imported_like_utf8(callers):
    import io
    from datetime import date

    from openpyxl import Workbook

    admin = callers["admin"]
    admin.post("/teachers", json=TEACHER)
    cp1251 = (
        "pin,number,provider_code,title,form,hours,issued_on\n"
        f"{PIN},ПАПЕР-1,KAE,Методика преподавания,seminar,36,2019-05-10\n"
    ).encode("cp1251")
    detected = admin.post("/imports", data=cp1251, content_type="text/csv").get_json()
    assert (detected["recorded"], detected["failed"]) == (1, 0)

    book = Workbook()
    book.active.append(["pin", "number", "provider_code", "title", "form", "hours", "issued_on"])
    book.active.append([PIN, "XLSX-1", "KAE", "Оценивание", "seminar", 24, date(2020, 2, 3)])
    data = io.BytesIO()
    book.save(data)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = admin.post("/imports", data=data.getvalue(), content_type=xlsx)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["recorded"] == 1
    position = response.headers["X-Registry-Position"]
    found = admin.get(f"/certificates/XLSX-1?min_position={position}").get_json()
    assert (found["issued_on"], found["hours"], found["title"]) == ("2020-02-03", 24, "Оценивание")
    title = admin.get(f"/certificates/ПАПЕР-1?min_position={position}").get_json()["title"]
    assert title == "Методика преподавания"


def test_only_admins_and_registrars_import(callers):
    for role in ("auditor", "statistician", "commission"):
        assert post_csv(callers[role], CSV).status_code == 403
    assert post_csv(callers["public"], CSV).status_code == 401
