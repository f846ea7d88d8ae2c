"""The registry's error codes as sentences in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from registry.domain.errors import RegistryError

MESSAGES = {
    "invalid_pin": _l(
        "A PIN is 14 digits: the sex digit, the birth date as DDMMYYYY and a 5-digit serial number."
    ),
    "duplicate_pin": _l("A teacher with this PIN is already registered."),
    "teacher_not_found": _l("No teacher is registered with this PIN."),
    "teacher_departed": _l("The teacher has left service."),
    "service_before_birth": _l("The start of service is before the birth date in the PIN."),
    "before_service_start": _l("The date is before the teacher began teaching."),
    "required": _l("This field is required."),
    "too_long": _l("The text is too long."),
    "invalid_code": _l("A code is 1–40 letters, digits, “.”, “_” or “-”."),
    "invalid_region": _l("Choose one of the nine regions."),
    "district_not_in_region": _l("This district is not in the chosen region."),
    "unknown_code": _l("Choose an entry of the list."),
    "retired_code": _l("This entry of the list is retired: choose a current one."),
    "invalid_certificate_number": _l(
        "A certificate number is 1–64 letters, digits, “/”, “.”, “_” or “-”."
    ),
    "duplicate_certificate_number": _l("This certificate number is already used."),
    "hours_out_of_range": _l("Hours must be a whole number from 1 to 2000."),
    "invalid_email": _l("This is not an e-mail address (such as name@example.kg)."),
    "invalid_phone": _l(
        "Enter the phone in international form: +, the country code and the number, such as +996555123456."
    ),
    "invalid_capacity": _l("Places must be a whole number from 1 to 100,000, or left blank."),
    "course_too_short": _l("A course must have at least 72 academic hours."),
    "course_without_assessment": _l(
        "A course must end in a test, exam, essay or final-work defence."
    ),
    "ends_before_start": _l("The programme ends before it starts."),
    "invalid_date": _l("Enter a valid date."),
    "date_in_future": _l("The date is in the future."),
    "duplicate_provider": _l("A provider with this code is already registered."),
    "provider_not_found": _l("No provider has this code."),
    "provider_suspended": _l("The provider is suspended and can record nothing new."),
    "already_suspended": _l("The provider is already suspended."),
    "not_suspended": _l("The provider is not suspended."),
    "duplicate_programme": _l("This provider already has a programme with this code."),
    "programme_not_found": _l("No such programme."),
    "already_enrolled": _l("The teacher is already enrolled in this programme."),
    "enrolment_not_found": _l("No such enrolment."),
    "enrolment_withdrawn": _l("The teacher was withdrawn from this programme."),
    "already_certified": _l("A certificate was already issued on this enrolment."),
    "assessment_not_passed": _l("A certificate needs a passed assessment."),
    "assessment_before_programme": _l("The assessment date is before the programme starts."),
    "assessment_before_previous": _l("The assessment date is before the previous assessment."),
    "programme_without_assessment": _l("This programme has no assessment."),
    "invalid_score": _l("The score must be a number from 0 to 100."),
    "certificate_before_programme": _l(
        "A certificate cannot be issued before the programme starts."
    ),
    "certificate_before_assessment": _l("A certificate cannot be issued before the assessment."),
    "certificate_not_found": _l("No certificate has this number."),
    "already_revoked": _l("The certificate is already revoked."),
    "duplicate_of_duplicate": _l(
        "A duplicate is issued for the original certificate, not for another duplicate."
    ),
    "duplicate_before_original": _l("A duplicate cannot be dated before the original."),
    "no_change": _l("Nothing would change."),
    "unknown_field": _l("This detail cannot be corrected."),
    "invalid_window_years": _l("The window must be a whole number of years from 1 to 10."),
    "invalid_required_hours": _l("Required hours must be a whole number from 1 to 2000."),
    "invalid_effective_from": _l("Enter a valid date from which the version applies."),
    "duplicate_account": _l("An account with this name already exists."),
    "invalid_name": _l("An account name is 2–64 lower-case letters, digits, “.”, “_”, “@” or “-”."),
    "password_too_short": _l("A password has at least 8 characters."),
    "registrar_without_provider": _l("A registrar account must be bound to a provider."),
    "provider_not_allowed": _l("Only a registrar account is bound to a provider."),
    "region_not_allowed": _l("Only a commission account is bound to a region."),
    "forbidden_role": _l("Your role may not do this."),
    "other_provider": _l("A registrar may record only for their own provider."),
    "concurrent_update": _l("The record changed while this was being saved; try again."),
    "invalid_form": _l("Choose one of the forms: course, seminar, training, internship."),
    "invalid_mode": _l("Choose one of the modes of study."),
    "invalid_assessment": _l("Choose one of the kinds of assessment."),
    "invalid_funding": _l("Choose state or contract funding."),
    "invalid_kind": _l("Choose one of the kinds of provider."),
    "invalid_role": _l("Choose one of the roles."),
    "invalid_provider_code": _l("A provider code is 1–40 letters, digits, “.”, “_” or “-”."),
    # Import files as a whole (registry.imports.reading).
    "not_utf8": _l("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again."),
    "not_windows_1251": _l("The file is not Windows-1251 text: choose another encoding."),
    "unknown_encoding": _l(
        "The file is neither UTF-8 nor Windows-1251 text. Save it as “CSV UTF-8” or as an "
        "Excel workbook (.xlsx) and upload it again."
    ),
    "not_xlsx": _l("The file is not a readable Excel workbook (.xlsx): save it again from Excel."),
    "file_too_large": _l("The workbook is too large for one import: split it into several files."),
    "empty_file": _l("The file is empty: a header row and at least one row of data are needed."),
    "unknown_header": _l(
        "The header row does not name the columns of either layout (see “File format”)."
    ),
    "query_too_short": _l(
        "Type at least 2 letters or digits of a name or a school, or a whole PIN."
    ),
    "query_too_long": _l("Type at most 200 characters to search."),
    "invalid_query": _l("Type a name, a school or a PIN."),
}


def error_message(error: RegistryError) -> str:
    """The reader's sentence for an error; the registry's own English one if none is known."""
    text = MESSAGES.get(error.code)
    return str(text) if text is not None else error.message
