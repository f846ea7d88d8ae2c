"""Dashboards with server-drawn charts, workload, open data and their CSV downloads."""

from __future__ import annotations

import csv
import io

from tests.e2e.conftest import PIN


def rows_of(response) -> list[dict[str, str]]:
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_compliance_dashboard_draws_a_chart_and_a_table_by_region(as_role):
    page = as_role("statistician").text("/statistics?lang=en")
    # Each region's bar of shares is named, status by status, with the counts.
    assert 'class="share-bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img"' in page
    assert 'aria-label="Chüy: Compliant 100% (1); Due soon 0% (0)' in page
    assert ("Chüy" in page and "Osh Region" in page) or "Osh" in page
    assert 'href="/statistics/compliance.csv?' in page


def test_every_share_has_one_denominator_said_on_the_page(as_role):
    page = as_role("statistician").text("/statistics?as_of=2026-01-31&lang=en")
    assert "Every share on this page is of the 3 teachers in service on January 31, 2026." in page
    # The headline and the total row are the same share of the same teachers: 2 of 3.
    assert (
        '<span class="value">66.7%</span><span class="caption">Meet the requirement: 2</span>'
        in (page)
    )
    assert '<strong>66.7%</strong> <span class="share">2</span>' in page
    assert page.count('class="region-tile') == 9
    assert "<strong>100%</strong> 1 of 1" in page  # a region's share with its count


def test_the_trend_covers_24_months_for_a_region_or_the_country(as_role):
    statistician = as_role("statistician")
    page = statistician.text("/statistics?as_of=2026-01-31&trend_region=KG-O&lang=en")
    assert "Compliance over the last 24 months" in page
    assert 'aria-label="Share meeting the requirement by month: Osh"' in page
    assert '<option value="KG-O" selected>' in page
    response = statistician.get("/statistics?trend_region=KG-ZZ&lang=en")
    assert response.status_code == 400 and "is not one of the choices" in response.get_data(
        as_text=True
    )


def test_the_compliance_csv_has_the_same_numbers(as_role):
    response = as_role("statistician").get("/statistics/compliance.csv?group_by=region")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = {row["group"]: row for row in rows_of(response)}
    assert rows["KG-C"]["total"] == "1" and rows["KG-C"]["compliant"] == "1"
    assert rows["KG-O"]["overdue"] == "1"


def test_grouping_by_subject_and_a_bad_grouping(as_role):
    statistician = as_role("statistician")
    assert "Mathematics" in statistician.text("/statistics?group_by=subject&lang=en")
    assert "Математика" in statistician.text("/statistics?group_by=subject&lang=ru")
    response = statistician.get("/statistics?group_by=shoe_size&lang=en")
    assert response.status_code == 400
    assert "is not one of the choices" in response.get_data(as_text=True)
    assert statistician.get("/statistics/compliance.csv?group_by=shoe_size").status_code == 400


def test_the_activity_dashboard_draws_activity_over_time_and_forms(as_role):
    page = as_role("auditor").text("/statistics/activity?from=2022-01-01&to=2024-12-31&lang=en")
    assert 'aria-label="Certificates per month by form"' in page
    assert 'aria-label="Academic hours by form"' in page
    assert "2024-03" in page


def test_the_activity_csv_downloads(as_role):
    response = as_role("auditor").get(
        "/statistics/activity.csv?from=2022-01-01&to=2024-12-31&group_by=form"
    )
    rows = {row["group"]: row for row in rows_of(response)}
    assert int(rows["course"]["certificates"]) >= 2


def test_a_providers_workload_by_form_and_month(as_role):
    page = as_role("registrar").text("/providers/KAE?from=2024-01-01&to=2024-12-31&lang=en")
    assert "By form" in page and "By month" in page and "2024-03" in page
    assert '<svg role="img" aria-label="Enrolments and certificates by month"' in page
    response = as_role("registrar").get("/providers/KAE/workload.csv?from=2024-01-01&to=2024-12-31")
    months = {row["month"]: row for row in rows_of(response)}
    assert months["2024-03"]["certificates"] == "1"


def test_a_period_that_ends_before_it_starts_is_a_clear_error(as_role):
    response = as_role("auditor").get("/providers/KAE?from=2024-12-31&to=2024-01-01&lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "The period is reversed" in page
    assert 'value="2024-12-31"' in page and 'value="2024-01-01"' in page  # as typed
    assert "from=2024-01-01&amp;to=2024-12-31" in page and "By month" not in page


def test_open_data_is_public_and_suppresses_small_groups(visitor):
    page = visitor.text("/open-data?lang=en")
    assert "fewer than 5 teachers" in page
    assert PIN not in page and "Асанова" not in page
    rows = rows_of(visitor.get("/open-data.csv"))
    assert rows and all(row["suppressed"] in ("True", "true", "1") for row in rows)
    assert all(row["total"] == "" for row in rows)


def test_numbers_are_written_the_readers_way(as_role):
    page = as_role("auditor").text("/statistics/activity?from=2022-01-01&to=2024-12-31&lang=ru")
    assert "Академические часы" in page


def test_statisticians_get_pseudonymised_teacher_records_without_names_or_pins(as_role):
    statistician = as_role("statistician")
    page = statistician.text("/statistics/teachers?lang=en")
    assert "Pseudonym" in page and "School No. 3" in page
    assert PIN not in page and "Асанова" not in page
    rows = rows_of(statistician.get("/statistics/teachers.csv"))
    assert len(rows) >= 3 and all(len(row["key"]) >= 16 for row in rows)
    assert not any(PIN in value for row in rows for value in row.values())


def test_a_csv_cell_that_looks_like_a_formula_is_written_as_text(as_role, site):
    from tests.builders import ADMIN, teacher

    registry = site[1].registry
    result = registry.register_teacher(
        ADMIN, teacher(pin="21010198000077", full_name="Formula Test", school='=HYPERLINK("x")')
    )
    site[0].extensions["registry"].queries.wait_for(result.position, timeout=10)
    rows = rows_of(as_role("statistician").get("/statistics/teachers.csv"))
    assert '\'=HYPERLINK("x")' in {row["school"] for row in rows}


def test_a_reversed_activity_period_is_said_and_kept_as_typed_not_swapped(as_role):
    response = as_role("statistician").get(
        "/statistics/activity?from=2024-12-31&to=2024-01-01&group_by=region&lang=en"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The period is reversed" in page and 'role="alert"' in page
    assert 'value="2024-12-31"' in page and 'value="2024-01-01"' in page  # as typed
    assert page.count('aria-invalid="true"') == 2
    assert "from=2024-01-01&amp;to=2024-12-31" in page  # the swapped period, one click away
    assert "Activity from" not in page  # no figures of some other period
