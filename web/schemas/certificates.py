"""Certificates: issue, legacy, duplicate, revocation, reading and public verification."""

from __future__ import annotations

from marshmallow import Schema, fields

from registry.domain.values import FORMS
from registry.queries.certificates import (
    CERTIFICATE_KINDS,
    CERTIFICATE_SORTS,
    CERTIFICATE_STATUSES,
)
from web.schemas.common import (
    NUMBER_DOC,
    CsvArgs,
    IsoDate,
    IsoDateTime,
    KnownAtArgs,
    ListOut,
    PageArgs,
    QueryText,
    ReadArgs,
    StrictInteger,
    choice,
    number_text,
    pin_text,
    sort_field,
    text,
)


def duplicates_field() -> fields.List:
    """A certificate's link to its duplicates (the same in every answer that shows one)."""
    return fields.List(
        fields.String(),
        metadata={"description": "Every duplicate issued for it, revoked or not, oldest first."},
    )


def replaced_by_field() -> fields.List:
    """A certificate's link to what replaces it."""
    return fields.List(
        fields.String(),
        metadata={
            "description": "What replaces it now: its duplicates in force, or (revoked) the "
            "certificate its enrolment was issued again."
        },
    )


class CertificateIn(Schema):
    """Issue the certificate of an enrolment whose assessment passed."""

    number = number_text()
    issued_on = IsoDate(required=True)


class DuplicateIn(CertificateIn):
    """Replace a lost original with a duplicate under a new number."""


class LegacyIn(Schema):
    """Record a paper certificate issued before the registry existed."""

    pin = pin_text()
    number = number_text()
    provider_code = text("code")
    title = text("title")
    form = choice(FORMS)
    hours = StrictInteger(required=True, metadata={"minimum": 1, "maximum": 2000})
    issued_on = IsoDate(required=True)


class IssuedOut(Schema):
    """A certificate as recorded (the answer to a certificate write)."""

    number = fields.String()
    kind = fields.String(metadata={"enum": ["issued", "legacy", "duplicate"]})
    status = fields.String(metadata={"enum": ["valid", "revoked", "duplicate_issued"]})
    teacher_id = fields.String()
    provider_code = fields.String()
    title = fields.String()
    form = fields.String()
    hours = fields.Integer()
    issued_on = IsoDate()
    verification_code = fields.String()
    enrolment_id = fields.String(allow_none=True)
    duplicate_of = fields.String(allow_none=True)
    replaced_by = fields.List(fields.String())
    revocation_reason = fields.String(allow_none=True)


class CertificateOut(Schema):
    """A certificate with its status and links."""

    number = fields.String()
    kind = fields.String(metadata={"enum": ["issued", "legacy", "duplicate"]})
    status = fields.String(metadata={"enum": ["valid", "revoked", "duplicate_issued"]})
    teacher_id = fields.String()
    pin = fields.String()
    full_name = fields.String()
    provider_code = fields.String()
    provider_name = fields.String(allow_none=True)
    provider_name_ky = fields.String(allow_none=True)
    provider_name_ru = fields.String(allow_none=True)
    programme_id = fields.String(allow_none=True)
    programme_code = fields.String(allow_none=True)
    enrolment_id = fields.String(allow_none=True)
    title = fields.String()
    form = fields.String()
    mode = fields.String(allow_none=True)
    funding = fields.String(allow_none=True)
    hours = fields.Integer()
    issued_on = IsoDate()
    starts_on = IsoDate(allow_none=True)
    ends_on = IsoDate(allow_none=True)
    assessment = fields.String(allow_none=True)
    assessed_on = IsoDate(allow_none=True)
    score = fields.Float(allow_none=True)
    passed = fields.Boolean(allow_none=True)
    verification_code = fields.String()
    duplicate_of = fields.String(allow_none=True)
    duplicates = duplicates_field()
    replaced_by = replaced_by_field()
    revoked_at = IsoDateTime(allow_none=True)
    revocation_reason = fields.String(allow_none=True)
    recorded_at = IsoDateTime(allow_none=True)


class NumberArgs(KnownAtArgs):
    """A certificate number in the query (any number the rule allows)."""

    number = QueryText(64, required=True, metadata=NUMBER_DOC)


class VerifyArgs(ReadArgs):
    """The code printed on the certificate."""

    code = QueryText(
        40,
        required=True,
        metadata={"description": "The verification code printed on the certificate (XXXX-XXXX)."},
    )


class VerifiedOut(Schema):
    """What the public may see of a certificate: never a PIN."""

    number = fields.String()
    status = fields.String(metadata={"enum": ["valid", "revoked", "duplicate_issued"]})
    provider_code = fields.String()
    provider_name = fields.String(allow_none=True)
    provider_name_ky = fields.String(allow_none=True)
    provider_name_ru = fields.String(allow_none=True)
    title = fields.String()
    form = fields.String()
    hours = fields.Integer()
    issued_on = IsoDate()
    starts_on = IsoDate(allow_none=True)
    ends_on = IsoDate(allow_none=True)
    assessment = fields.String(allow_none=True)
    passed = fields.Boolean(allow_none=True)
    full_name = fields.String()
    duplicate_of = fields.String(allow_none=True)
    duplicates = duplicates_field()
    replaced_by = replaced_by_field()
    revoked_at = IsoDateTime(allow_none=True)


class ProviderCertificateArgs(PageArgs, CsvArgs):
    """A provider's certificates issued in a period, of a form, status and kind."""

    from_ = IsoDate(data_key="from", metadata={"description": "Issued on or after."})
    to = IsoDate(metadata={"description": "Issued on or before."})
    form = QueryText(20, metadata={"enum": list(FORMS)})
    status = QueryText(20, metadata={"enum": list(CERTIFICATE_STATUSES)})
    kind = QueryText(20, metadata={"enum": list(CERTIFICATE_KINDS)})
    sort = sort_field(CERTIFICATE_SORTS.choices, CERTIFICATE_SORTS.default)


class CertificateList(ListOut):
    """A page of certificates and how many match."""

    certificates = fields.List(fields.Nested(CertificateOut))
