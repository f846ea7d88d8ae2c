"""`import_csv`: good rows recorded, bad rows reported by line and changing nothing, never twice."""

from __future__ import annotations

from datetime import date

import pytest

from registry.commands.base import Session
from registry.domain.certificate import Certificate
from registry.domain.enrolment import Enrolment
from registry.imports import ImportFileError, import_csv
from tests.builders import ADMIN, OTHER_PIN, PIN, programme, provider, registrar, teacher

LEGACY_HEADER = "pin,number,provider_code,title,form,hours,issued_on\n"
RESULTS_HEADER = "programme_id,pin,passed,assessed_on,number,issued_on\n"


@pytest.fixture
def registry_with_teachers(registry):
    """A provider KAE and two registered teachers."""
    provider(registry, "KAE")
    provider(registry, "RIPK", kind="republican_institute")
    registry.register_teacher(ADMIN, teacher())
    registry.register_teacher(
        ADMIN, teacher(pin=OTHER_PIN, full_name="Бакыт Осмонов", region="KG-O", district="Aravan")
    )
    return registry


def course_start(course):
    return date.fromisoformat(course["starts_on"])


def certificate(registry, number):
    return Session(registry).find(Certificate.id_for(number))


def enrolment(registry, course, pin):
    """The enrolment of the teacher with `pin` in `course`, or None."""
    return Session(registry).find(
        Enrolment.id_for(course_id(course), registry.teacher_id_for_pin(pin))
    )


def test_a_file_of_good_legacy_rows_is_recorded_in_full(registry_with_teachers):
    registry = registry_with_teachers
    report = import_csv(
        registry,
        ADMIN,
        LEGACY_HEADER
        + f"{PIN},П-2017/15,KAE,Teaching mathematics,course,72,2017-05-10\n"
        + f"{OTHER_PIN},RIPK-1,RIPK,Lesson study,seminar,18,2019-11-02\n",
    )
    assert (report.recorded, report.already_recorded, report.rejected) == (2, 0, 0)
    assert report.position == registry.max_position()
    paper = certificate(registry, "П-2017/15")
    assert (paper.kind, paper.hours, paper.issued_on, paper.provider_code) == (
        "legacy",
        72,
        date(2017, 5, 10),
        "KAE",
    )
    assert paper.teacher_id == registry.teacher_id_for_pin(PIN)


def test_a_bad_row_is_reported_with_its_line_and_reason_and_changes_nothing(registry_with_teachers):
    registry = registry_with_teachers
    head = registry.max_position()
    report = import_csv(
        registry,
        ADMIN,
        LEGACY_HEADER
        + f"{PIN},X-1,KAE,Seminar,seminar,18,2031-01-01\n"
        + f"{PIN},X-2,KAE,Course,course,40,2019-01-01\n"
        + f"{PIN},X-3,KAE,Course,course,72,01.02.2019\n"
        + f"{PIN},X-4,NOPE,Course,course,72,2019-01-01\n"
        + f"{PIN},X-5,KAE,Course,course\n",
    )
    assert [row.text() for row in report.rows] == [
        "line 2: issued_on (2031-01-01) is in the future [date_in_future]",
        "line 3: A course must have at least 72 hours [course_too_short]",
        "line 4: issued_on must be a date written YYYY-MM-DD, not '01.02.2019' [invalid_date]",
        "line 5: No provider NOPE [provider_not_found]",
        "line 6: expected 7 values, found 5 [wrong_value_count]",
    ]
    assert report.rows[0].fields == {"issued_on": ["issued_on (2031-01-01) is in the future."]}
    assert registry.max_position() == head
    assert report.position is None


def test_in_a_mixed_file_the_good_rows_are_recorded_and_the_bad_ones_are_not(
    registry_with_teachers,
):
    registry = registry_with_teachers
    report = import_csv(
        registry,
        ADMIN,
        LEGACY_HEADER
        + f"{PIN},M-1,KAE,Course,course,72,2018-03-01\n"
        + "\n"
        + "99999999999999,M-2,KAE,Course,course,72,2018-03-01\n"
        + f'{OTHER_PIN},M-3,KAE,"Seminar, with a comma",seminar,24,2018-04-01\n'
        + f"{OTHER_PIN},M-1,KAE,Course,course,72,2018-03-01\n",
    )
    statuses = [(row.line, row.status, row.code) for row in report.rows]
    assert statuses == [
        (2, "recorded", None),
        (4, "rejected", "invalid_pin"),
        (5, "recorded", None),
        (6, "rejected", "duplicate_certificate_number"),
    ]
    assert certificate(registry, "M-3").title == "Seminar, with a comma"
    assert certificate(registry, "M-2") is None


def test_reimporting_the_same_file_records_nothing_twice(registry_with_teachers):
    registry = registry_with_teachers
    text = (
        LEGACY_HEADER
        + f"{PIN},R-1,KAE,Course,course,72,2018-03-01\n"
        + f"{PIN},R-2,KAE,Seminar,seminar,12,2031-03-01\n"
        + f"{OTHER_PIN},R-3,RIPK,Seminar,seminar,36,2018-04-01\n"
    )
    first = import_csv(registry, ADMIN, text)
    head = registry.max_position()
    again = import_csv(registry, ADMIN, text.encode())
    assert (first.recorded, first.rejected) == (2, 1)
    assert [row.status for row in again.rows] == [
        "already_recorded",
        "rejected",
        "already_recorded",
    ]
    assert again.rows[0].result["number"] == "R-1"
    assert registry.max_position() == head


def test_a_row_repeated_in_one_file_is_recorded_once(registry_with_teachers):
    registry = registry_with_teachers
    row = f"{PIN},D-1,KAE,Course,course,72,2018-03-01\n"
    report = import_csv(registry, ADMIN, LEGACY_HEADER + row + row)
    assert [r.text() for r in report.rows] == [
        "line 2: recorded, certificate D-1",
        "line 3: already recorded, certificate D-1 (same as line 2)",
    ]


def test_a_certificate_recorded_by_hand_before_is_recognised_as_already_recorded(
    registry_with_teachers,
):
    registry = registry_with_teachers
    registry.record_legacy_certificate(
        ADMIN,
        pin=PIN,
        number="H-1",
        provider_code="KAE",
        title="Course",
        form="course",
        hours=72,
        issued_on=date(2018, 3, 1),
    )
    head = registry.max_position()
    report = import_csv(
        registry, ADMIN, LEGACY_HEADER + f"{PIN},H-1,KAE,Course,course,72,2018-03-01\n"
    )
    assert report.rows[0].status == "already_recorded"
    assert registry.max_position() == head


def test_programme_results_enrol_assess_and_certify(registry_with_teachers):
    registry = registry_with_teachers
    course = registry.register_programme(ADMIN, programme()).data
    report = import_csv(
        registry,
        ADMIN,
        RESULTS_HEADER
        + f"{course['id']},{PIN},true,2024-03-20,KAE-2024-7,2024-03-21\n"
        + f"{course['id']},{OTHER_PIN},false,2024-03-20,,\n",
    )
    assert (report.recorded, report.rejected) == (2, 0)
    passed, failed = enrolment(registry, course, PIN), enrolment(registry, course, OTHER_PIN)
    assert (passed.status, passed.certificate_number) == ("certified", "KAE-2024-7")
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert passed.enrolled_on == course_start(course)  # a late record dates from the start
    assert (
        report.rows[0].result["verification_code"]
        == certificate(registry, "KAE-2024-7").verification_code
    )


def test_a_result_row_that_fails_half_way_leaves_no_enrolment_behind(registry_with_teachers):
    registry = registry_with_teachers
    course = registry.register_programme(ADMIN, programme()).data
    registry.record_legacy_certificate(
        ADMIN,
        pin=PIN,
        number="TAKEN-1",
        provider_code="KAE",
        title="Course",
        form="course",
        hours=72,
        issued_on=date(2018, 3, 1),
    )
    head = registry.max_position()
    report = import_csv(
        registry,
        ADMIN,
        RESULTS_HEADER + f"{course['id']},{OTHER_PIN},true,2024-03-20,TAKEN-1,2024-03-21\n",
    )
    assert (
        report.rows[0].text()
        == "line 2: Certificate number TAKEN-1 is already used [duplicate_certificate_number]"
    )
    assert registry.max_position() == head
    assert enrolment(registry, course, OTHER_PIN) is None


def test_a_reassessment_after_a_failure_is_imported_as_a_second_row(registry_with_teachers):
    registry = registry_with_teachers
    course = registry.register_programme(ADMIN, programme()).data
    text = (
        RESULTS_HEADER
        + f"{course['id']},{PIN},false,2024-03-20,,\n"
        + f"{course['id']},{PIN},true,2024-04-02,KAE-2024-8,2024-04-03\n"
    )
    first = import_csv(registry, ADMIN, text)
    head = registry.max_position()
    again = import_csv(registry, ADMIN, text)
    assert (first.recorded, again.already_recorded) == (2, 2)
    assert registry.max_position() == head
    found = enrolment(registry, course, PIN)
    assert (found.attempts, found.certificate_number) == (2, "KAE-2024-8")


def test_a_row_reassessing_a_passed_teacher_is_refused_with_its_line(registry_with_teachers):
    """Rule 4 holds for imports too: a later row for a teacher who passed is reported
    (already_passed) and records nothing; the pass stands."""
    registry = registry_with_teachers
    course = registry.register_programme(ADMIN, programme()).data
    text = (
        RESULTS_HEADER
        + f"{course['id']},{PIN},true,2024-03-20,,\n"
        + f"{course['id']},{PIN},false,2024-04-02,,\n"
    )
    report = import_csv(registry, ADMIN, text)
    assert [(r.line, r.status, r.code) for r in report.rows][1] == (3, "rejected", "already_passed")
    found = enrolment(registry, course, PIN)
    assert (found.status, found.attempts) == ("passed", 1)


@pytest.mark.parametrize(
    "line, code",
    [
        ("{id},{pin},maybe,2024-03-20,,", "invalid_passed"),
        ("{id},{pin},true,,,", "incomplete_assessment"),
        ("{id},{pin},false,2024-03-20,N-1,2024-03-21", "certificate_without_pass"),
        ("{id},{pin},true,2024-03-20,N-1,", "incomplete_certificate"),
        ("{id},{pin},,,,", "empty_result"),
        ("not-an-id,{pin},true,2024-03-20,,", "programme_not_found"),
    ],
)
def test_bad_result_rows_name_the_problem_and_change_nothing(registry_with_teachers, line, code):
    registry = registry_with_teachers
    course = registry.register_programme(ADMIN, programme()).data
    head = registry.max_position()
    report = import_csv(
        registry, ADMIN, RESULTS_HEADER + line.format(id=course["id"], pin=PIN) + "\n"
    )
    assert (report.rows[0].line, report.rows[0].status, report.rows[0].code) == (
        2,
        "rejected",
        code,
    )
    assert registry.max_position() == head


def test_a_registrar_imports_for_its_own_provider_only(registry_with_teachers):
    registry = registry_with_teachers
    report = import_csv(
        registry,
        registrar("KAE"),
        LEGACY_HEADER
        + f"{PIN},K-1,KAE,Course,course,72,2018-03-01\n"
        + f"{PIN},K-2,RIPK,Course,course,72,2018-03-01\n",
    )
    assert [(row.status, row.code) for row in report.rows] == [
        ("recorded", None),
        ("rejected", "other_provider"),
    ]


def test_windows_line_ends_and_empty_trailing_columns_are_accepted(registry_with_teachers):
    registry = registry_with_teachers
    text = (
        "pin,number,provider_code,title,form,hours,issued_on,,\r\n"
        f"{PIN},W-1,KAE,Курс,course,72,2018-03-01,,\r\n"
        f"{PIN},W-2,KAE,Курс,course,72,2018-03-02\r\n"
    )
    report = import_csv(registry, ADMIN, text.encode("utf-8"))
    assert [(row.line, row.status) for row in report.rows] == [(2, "recorded"), (3, "recorded")]


def test_semicolons_a_byte_order_mark_and_any_column_order_are_accepted(registry_with_teachers):
    registry = registry_with_teachers
    text = (
        "\ufeffIssued_On;PIN;number;provider_code;title;form;hours\n"
        f"2018-03-01;{PIN};S-1;KAE;Курс;course;72\n"
    )
    report = import_csv(registry, ADMIN, text.encode("utf-8"))
    assert report.recorded == 1 and certificate(registry, "S-1").title == "Курс"


@pytest.mark.parametrize(
    "content, code",
    [
        (b"", "empty_file"),
        (b"  \n\n", "empty_file"),
        (LEGACY_HEADER.encode(), "empty_file"),
        (b"pin,number,colour\n1,2,3\n", "unknown_header"),
        (b"pin,pin,number,provider_code,title,form,hours,issued_on\n", "unknown_header"),
        (b"\x00\x01\x02\xff\xfe\x00garbage\x9c\x00", "unknown_encoding"),
        (b"PK\x03\x04 a ZIP signature and then nothing of a workbook", "not_xlsx"),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_whole(registry_with_teachers, content, code):
    registry = registry_with_teachers
    head = registry.max_position()
    with pytest.raises(ImportFileError) as refused:
        import_csv(registry, ADMIN, content)
    assert refused.value.code == code
    assert registry.max_position() == head


CP1251_ROWS = LEGACY_HEADER + f"{PIN},Н-1,KAE,Курс повышения квалификации,course,72,2018-03-01\n"


def test_a_windows_1251_file_is_detected_or_chosen_and_refused_when_utf8_is_chosen(
    registry_with_teachers,
):
    registry = registry_with_teachers
    data = CP1251_ROWS.encode("cp1251")
    head = registry.max_position()
    with pytest.raises(ImportFileError) as refused:
        import_csv(registry, ADMIN, data, encoding="utf-8")
    assert refused.value.code == "not_utf8" and registry.max_position() == head

    report = import_csv(registry, ADMIN, data)  # detected
    assert report.recorded == 1
    assert certificate(registry, "Н-1").title == "Курс повышения квалификации"
    again = import_csv(registry, ADMIN, data, encoding="windows-1251")  # chosen: the same rows
    assert (again.recorded, again.already_recorded) == (0, 1)


def test_a_utf8_file_with_a_damaged_byte_is_refused_not_read_as_windows_1251(
    registry_with_teachers,
):
    """UTF-8 letters around one bad byte: read as Windows-1251 the title would be stored
    garbled for good ('РљСѓСЂСЃ'); the file is refused whole, naming the byte."""
    registry = registry_with_teachers
    head = registry.max_position()
    data = (
        LEGACY_HEADER.encode()
        + f"{PIN},NX-1,KAE,Курс".encode()
        + b"\xff"
        + b",seminar,8,2021-04-01\n"
        + f"{PIN},NX-2,KAE,Семинар,seminar,8,2021-04-02\n".encode()
    )
    with pytest.raises(ImportFileError) as refused:
        import_csv(registry, ADMIN, data)
    assert refused.value.code == "not_utf8" and "0xff" in refused.value.message
    assert registry.max_position() == head


def test_a_quote_left_open_is_reported_with_the_lines_it_swallowed(registry_with_teachers):
    """An unclosed quote makes the CSV value run over the following lines: that record
    is reported (first and last line), not recorded with the next rows in its title;
    the rows after it are recorded."""
    registry = registry_with_teachers
    report = import_csv(
        registry,
        ADMIN,
        LEGACY_HEADER
        + f"{PIN},UR-3,KAE,ok,seminar,8,2021-04-01\n"
        + f'{PIN},UR-4,KAE,"unclosed,seminar,8,2021-04-01\n'
        + f'{PIN},UR-5,KAE,"ok,seminar,8,2021-04-01\n'
        + f"{PIN},UR-6,KAE,ok,seminar,8,2021-04-01\n",
    )
    assert [row.text() for row in report.rows if row.status == "rejected"] == [
        "line 3: a quoted value runs from line 3 to line 4 (a quote left open?): lines in "
        'between are part of it; close the quote, or write a quote inside a value as "" '
        "[line_break_in_value]"
    ]
    assert (report.recorded, report.rejected) == (2, 1)
    assert certificate(registry, "UR-4") is None and certificate(registry, "UR-5") is None
    assert certificate(registry, "UR-6") is not None


def workbook(rows: list[list]) -> bytes:
    """An .xlsx as Excel saves one: typed cells (dates, numbers), an empty row or two."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_excel_workbook_is_imported_as_the_same_rows_a_csv_would_hold(registry_with_teachers):
    registry = registry_with_teachers
    data = workbook(
        [
            ["PIN", "number", "provider_code", "title", "form", "hours", "issued_on"],
            [int(PIN), "X-1", "KAE", "Курс", "course", 72, date(2018, 3, 1)],
            [],
            [OTHER_PIN, "X-2", "RIPK", "Семинар", "seminar", 18.0, "2019-11-02"],
            [OTHER_PIN, "X-3", "RIPK", "Семинар", "seminar", "many", "2019-11-02"],
        ]
    )
    report = import_csv(registry, ADMIN, data)

    assert (report.recorded, report.rejected) == (2, 1)
    assert [(row.line, row.code) for row in report.rows if row.status != "recorded"] == [
        (5, "invalid_hours")
    ]
    first = certificate(registry, "X-1")
    assert (first.hours, first.issued_on, first.title) == (72, date(2018, 3, 1), "Курс")
    assert certificate(registry, "X-2").hours == 18


def test_a_workbook_that_unpacks_beyond_the_bound_is_refused_before_reading(
    registry_with_teachers, monkeypatch
):
    from registry.imports import reading

    data = workbook([["pin", "number"], *[[PIN, f"N-{i}"] for i in range(2000)]])
    monkeypatch.setattr(reading, "MAX_UNPACKED_BYTES", len(data))  # compressed < unpacked
    with pytest.raises(ImportFileError) as refused:
        import_csv(registry_with_teachers, ADMIN, data)
    assert refused.value.code == "file_too_large"


def test_an_unknown_header_names_the_unknown_and_the_missing_columns(registry):
    with pytest.raises(ImportFileError) as refused:
        import_csv(registry, ADMIN, "pin,number,provider,title,form,hours,issued_on\n1\n")
    assert "unknown column: provider" in refused.value.message
    assert "missing: provider_code" in refused.value.message


def test_many_rows_are_recorded_a_batch_at_a_time(registry_with_teachers):
    registry = registry_with_teachers
    rows = "".join(f"{PIN},B-{i},KAE,Seminar {i},seminar,8,2018-03-01\n" for i in range(120))
    head = registry.max_position()
    report = import_csv(registry, ADMIN, LEGACY_HEADER + rows, batch_size=50)
    assert report.recorded == 120
    # Each row: its certificate and the key that recognises a re-import.
    assert registry.max_position() == head + 240


def course_id(course: dict):
    import uuid

    return uuid.UUID(course["id"])


def refuse_inserts_of(registry, aggregate_id) -> None:
    """Make the database refuse one aggregate's events as a duplicate, as it would refuse
    them had a concurrent writer stored that aggregate first."""
    if registry.db.embedded:  # SQLite
        registry.db.execute(
            f"CREATE TRIGGER refuse_one BEFORE INSERT ON {registry.db.events_table} "
            f"WHEN NEW.originator_id = '{aggregate_id.hex}' "
            "BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed (a concurrent writer)'); END"
        )
    else:
        registry.db.execute(
            "CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.originator_id = '{aggregate_id}' THEN RAISE EXCEPTION "
            "'duplicate (a concurrent writer)' USING ERRCODE = 'unique_violation'; END IF; "
            "RETURN NEW; END $$"
        )
        registry.db.execute(
            f"CREATE TRIGGER refuse_one BEFORE INSERT ON "
            f"{registry.db.events_table} FOR EACH ROW "
            "EXECUTE FUNCTION refuse_one()"
        )


def test_when_a_batch_cannot_be_saved_its_rows_are_recorded_one_by_one(registry_with_teachers):
    registry = registry_with_teachers
    refuse_inserts_of(registry, Certificate.id_for("C-2"))
    report = import_csv(
        registry,
        ADMIN,
        LEGACY_HEADER
        + "".join(f"{PIN},C-{i},KAE,Seminar,seminar,8,2018-03-0{i}\n" for i in range(1, 5)),
    )
    assert [(row.line, row.status, row.code) for row in report.rows] == [
        (2, "recorded", None),
        (3, "rejected", "concurrent_update"),
        (4, "recorded", None),
        (5, "recorded", None),
    ]
    assert [certificate(registry, f"C-{i}") is not None for i in range(1, 5)] == [
        True,
        False,
        True,
        True,
    ]
    assert report.position == registry.max_position()


def test_the_importer_tells_its_progress_after_each_batch_of_rows(registry_with_teachers):
    heard: list[tuple[int, int]] = []
    text = LEGACY_HEADER + "".join(
        f"{PIN},STEP-{n},KAE,Методика,seminar,6,2016-02-02\n" for n in range(1, 8)
    )

    report = import_csv(
        registry_with_teachers, ADMIN, text, batch_size=3, on_progress=lambda *p: heard.append(p)
    )

    assert report.recorded == 7
    assert heard == [(0, 7), (3, 7), (6, 7), (7, 7)]


def test_an_import_stopped_by_its_listener_keeps_the_batches_done_and_a_rerun_ends_it(
    registry_with_teachers,
):
    registry = registry_with_teachers
    text = LEGACY_HEADER + "".join(
        f"{PIN},HALT-{n},KAE,Методика,seminar,6,2016-02-02\n" for n in range(1, 6)
    )

    def stop_after_two(done, total):
        if done >= 2:
            raise RuntimeError("the server is stopping")

    with pytest.raises(RuntimeError):
        import_csv(registry, ADMIN, text, batch_size=2, on_progress=stop_after_two)

    assert certificate(registry, "HALT-2") is not None and certificate(registry, "HALT-3") is None
    again = import_csv(registry, ADMIN, text, batch_size=2)
    assert (again.recorded, again.already_recorded) == (3, 2)


def test_the_kept_summary_of_a_report_lists_the_first_rows_not_recorded_and_counts_all(
    registry_with_teachers,
):
    text = (
        LEGACY_HEADER + f"{PIN},SHORT\n" * 5 + f"{PIN},KEPT-1,KAE,Методика,seminar,6,2016-02-02\n"
    )

    summary = import_csv(registry_with_teachers, ADMIN, text).to_summary(problems=3)

    assert (summary["rows"], summary["recorded"], summary["failed"]) == (6, 1, 5)
    assert [e["line"] for e in summary["errors"]] == [2, 3, 4]
    assert "lines" not in summary  # every row's outcome is the synchronous answer's only
