"""Value rules shared by the aggregates: PINs, codes, vocabularies, names, dates."""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import date

from registry.domain import clock
from registry.domain.dates import EARLIEST_DATE, LATEST_DATE, in_supported_range
from registry.domain.errors import NotFoundError, RuleViolationError
from registry.domain.limits import MULTILINE, max_length
from registry.domain.regions import region_codes, region_of_district

PROVIDER_KINDS = (
    "academy",
    "republican_institute",
    "oblast_institute",
    "methodological_centre",
    "university",
    "scientific_organisation",
    "district_department",
    "other",
)
FORMS = ("course", "seminar", "training", "internship")
MODES = ("full_time", "distance", "correspondence", "visiting", "blended")
ASSESSMENTS = ("test", "exam", "essay", "final_work", "none")
FUNDING = ("state", "contract")
ROLES = ("admin", "registrar", "commission", "auditor", "statistician")

COURSE_MIN_HOURS = 72
MIN_HOURS, MAX_HOURS = 1, 2000

_PIN = re.compile(r"^[0-9]{14}$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")
_NUMBER = re.compile(r"^[A-Za-z0-9А-Яа-яЁёӨөҮүҢң][A-Za-z0-9А-Яа-яЁёӨөҮүҢң/_.\-]{0,63}$")
# The PIN and number rules as text, for the API's description of its paths and fields.
PIN_PATTERN, NUMBER_PATTERN = _PIN.pattern, _NUMBER.pattern


def pin_birth_date(pin: str) -> date:
    """The birth date written in a PIN (digits 2–9, DDMMYYYY); raises if there is none."""
    return date(int(pin[5:9]), int(pin[3:5]), int(pin[1:3]))


def check_pin(pin: object, field: str = "pin") -> str:
    """A PIN is 14 digits: a sex digit, a real birth date as DDMMYYYY, a 5-digit serial."""
    if not isinstance(pin, str) or not _PIN.fullmatch(pin):
        raise RuleViolationError("A PIN is exactly 14 digits.", field=field, code="invalid_pin")
    try:
        born = pin_birth_date(pin)
    except ValueError:
        raise RuleViolationError(
            "Digits 2–9 of a PIN must be a real birth date (DDMMYYYY).",
            field=field,
            code="invalid_pin",
        ) from None
    if born > clock.today() or born.year < 1900:
        raise RuleViolationError(
            "The birth date in the PIN is not plausible.", field=field, code="invalid_pin"
        )
    return pin


def check_choice(value: object, choices: tuple[str, ...], field: str) -> str:
    """A value from a closed vocabulary of the regulation."""
    if value not in choices:
        raise RuleViolationError(
            f"{field} must be one of: {', '.join(choices)}.", field=field, code=f"invalid_{field}"
        )
    return value


# C0 and C1 control characters, DEL, and lone surrogates (which no UTF-8 text can hold).
# A NUL stored in an event once stopped PostgreSQL's views: text fields refuse them all.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# Characters that show nothing or turn the text's direction around (bidi overrides and
# isolates, marks, zero-width space, a BOM) and Unicode's noncharacters: in a name or a
# title they make two records look alike, or a certificate page read otherwise than it
# is stored (the "Trojan source" trick). Refused like control characters.
_INVISIBLE = re.compile(
    "[\u061c\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufdd0-\ufdef\ufffe\uffff]"
)


def check_text(value: object, field: str, limit: int | None = None) -> str:
    """Required text: NFC-normalised and trimmed, within its named length, free of control
    characters. One-line fields have their runs of spaces folded; free text (titles,
    reasons) keeps its newlines and tabs (CRLF from a browser's textarea becomes LF)."""
    if not isinstance(value, str) or not value.strip():
        raise RuleViolationError(f"{field} is required.", field=field, code="required")
    text = unicodedata.normalize("NFC", value)
    multiline = field in MULTILINE
    if multiline:
        text = text.replace("\r\n", "\n").strip()
    if (_CONTROL_MULTILINE if multiline else _CONTROL).search(text):
        raise RuleViolationError(
            f"{field} contains a control character"
            f"{' other than a newline or tab' if multiline else ''}.",
            field=field,
            code="control_character",
        )
    invisible = _INVISIBLE.search(text)
    if invisible:
        raise RuleViolationError(
            f"{field} contains an invisible or direction-changing character "
            f"(U+{ord(invisible.group()):04X}).",
            field=field,
            code="invisible_character",
        )
    if not multiline:
        text = " ".join(text.split())
    limit = max_length(field) if limit is None else limit
    if len(text) > limit:
        raise RuleViolationError(
            f"{field} is longer than {limit} characters.", field=field, code="too_long"
        )
    return text


def check_code(value: object, field: str = "code") -> str:
    """An identifier code: letters, digits, '.', '_' or '-', at most 40 characters."""
    if not isinstance(value, str) or not _CODE.fullmatch(value):
        raise RuleViolationError(
            f"{field} must be 1–40 letters, digits, '.', '_' or '-'.",
            field=field,
            code=f"invalid_{field}",
        )
    return value


def check_certificate_number(value: object, field: str = "number") -> str:
    """A certificate number: letters, digits, '/', '.', '_' or '-', at most 64 characters."""
    if not isinstance(value, str) or not _NUMBER.fullmatch(value.strip()):
        raise RuleViolationError(
            "A certificate number is 1–64 letters, digits, '/', '.', '_' or '-'.",
            field=field,
            code="invalid_certificate_number",
        )
    return value.strip()


# The last parts of a path that name an action on the number before them, or a document
# of it: a new number may not end in one, or its own paths would read as that action.
NUMBER_SUFFIXES = frozenset(
    {"revocation", "duplicate", "credential", "credential.json", "certificate.pdf"}
)


def check_new_certificate_number(value: object, field: str = "number") -> str:
    """A number for a new certificate: the rule of `check_certificate_number`, and every
    path of it reaches it: no empty, '.' or '..' part between its '/' (clients and
    proxies rewrite those) and no last part that names an action (`NUMBER_SUFFIXES`).
    Numbers recorded before this rule stay readable."""
    number = check_certificate_number(value, field)
    parts = number.split("/")
    if any(part in ("", ".", "..") for part in parts) or (
        len(parts) > 1 and parts[-1].lower() in NUMBER_SUFFIXES
    ):
        raise RuleViolationError(
            "A certificate number may not have an empty, '.' or '..' part between its "
            f"'/', nor end in /{', /'.join(sorted(NUMBER_SUFFIXES))}.",
            field=field,
            code="invalid_certificate_number",
        )
    return number


def check_region(value: object, field: str = "region") -> str:
    """One of the nine ISO 3166-2:KG region codes."""
    if value not in region_codes():
        raise RuleViolationError(
            f"{field} must be one of {', '.join(region_codes())}.",
            field=field,
            code="invalid_region",
        )
    return value


def check_district(value: object, region: str, field: str = "district") -> str:
    """A district of the region: a listed one, or a town the reference list does not name."""
    name = check_text(value, field)
    listed_in = region_of_district(name)
    if listed_in is not None and listed_in != region:
        raise RuleViolationError(
            f"District {name} is in {listed_in}, not in {region}.",
            field=field,
            code="district_not_in_region",
        )
    return name


def check_hours(value: object, field: str = "hours") -> int:
    """Academic hours: a whole number from 1 to 2000."""
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_HOURS <= value <= MAX_HOURS:
        raise RuleViolationError(
            f"{field} must be a whole number from {MIN_HOURS} to {MAX_HOURS}.",
            field=field,
            code="hours_out_of_range",
        )
    return value


def check_course(form: str, hours: int, assessment: str | None) -> None:
    """A course has at least 72 hours and ends in an assessment (regulation)."""
    if form != "course":
        return
    if hours < COURSE_MIN_HOURS:
        raise RuleViolationError(
            f"A course must have at least {COURSE_MIN_HOURS} hours.",
            field="hours",
            code="course_too_short",
        )
    if assessment == "none":
        raise RuleViolationError(
            "A course must end in a test, exam, essay or final-work defence.",
            field="assessment",
            code="course_without_assessment",
        )


def check_date(value: object, field: str) -> date:
    """A calendar date (already parsed by the caller's schema)."""
    if not isinstance(value, date):
        raise RuleViolationError(f"{field} must be a date.", field=field, code="invalid_date")
    if not in_supported_range(value):
        raise RuleViolationError(
            f"{field} must lie between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}.",
            field=field,
            code="date_out_of_range",
        )
    return value


def check_not_future(value: object, field: str) -> date:
    """Recorded facts happened already: a date may not be after today (Bishkek time)."""
    day = check_date(value, field)
    if day > clock.today():
        raise RuleViolationError(
            f"{field} ({day.isoformat()}) is in the future.", field=field, code="date_in_future"
        )
    return day


def parse_id(value: object, what: str) -> uuid.UUID:
    """An aggregate's id from a path; anything that is not a UUID simply names nothing."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFoundError(f"No {what} {value}.", code=f"{what}_not_found") from None


LANGUAGES = ("ky", "ru")
_PHONE = re.compile(r"\+[1-9]\d{6,14}")


def check_email(value: object, field: str = "email") -> str:
    """An e-mail address by RFC 5322 syntax (checked without DNS), normalised."""
    # Imported here: a checkout whose environment predates the dependency still starts.
    from email_validator import EmailNotValidError, validate_email

    if not isinstance(value, str) or not value.strip():
        raise RuleViolationError(f"{field} is required.", field=field, code="required")
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as e:
        raise RuleViolationError(
            f"{field} is not an e-mail address: {e}", field=field, code="invalid_email"
        ) from None


def check_phone(value: object, field: str = "phone") -> str:
    """A phone number in E.164: +, the country code and the number, 7 to 15 digits."""
    if not isinstance(value, str) or not _PHONE.fullmatch(value.strip()):
        raise RuleViolationError(
            f"{field} must be a phone number in E.164 form, such as +996555123456.",
            field=field,
            code="invalid_phone",
        )
    return value.strip()
