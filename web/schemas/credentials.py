"""Signed credentials: the credential itself and a verification's report."""

from __future__ import annotations

from marshmallow import Schema, fields


class CredentialOut(Schema):
    """A certificate as a W3C Verifiable Credential 2.0 (Open Badges 3.0
    OpenBadgeCredential) secured with a Data Integrity proof, cryptosuite eddsa-jcs-2022.
    Save it byte for byte as received: the proof covers its JSON canonical form (RFC 8785),
    so reformatting is harmless and any change of content is not."""

    context = fields.List(fields.String(), data_key="@context", attribute="@context", required=True)
    id = fields.String(required=True, metadata={"example": "urn:uuid:7e64fd05-…"})
    type = fields.List(fields.String(), required=True)
    name = fields.String(required=True)
    issuer = fields.Dict(required=True, metadata={"description": "The registry (did:web)."})
    validFrom = fields.String(required=True)
    awardedDate = fields.String(required=True)
    credentialSubject = fields.Dict(
        required=True,
        metadata={
            "description": "AchievementSubject: the teacher by name and a subject id that "
            "leads nowhere near the PIN; the achievement is the programme (title, "
            "academicHours, courseForm, assessment); source is the provider."
        },
    )
    credentialStatus = fields.Dict(
        required=True, metadata={"description": "BitstringStatusListEntry (revocation)."}
    )
    certificateNumber = fields.String(required=True)
    certificateKind = fields.String(required=True)
    duplicateOf = fields.String()
    proof = fields.Dict(
        required=True, metadata={"description": "DataIntegrityProof, eddsa-jcs-2022."}
    )


class VerificationIn(Schema):
    """A credential to verify, as received (and, optionally, the status list to check
    revocation against instead of the registry's current one)."""

    credential = fields.Dict(required=True)
    status_list = fields.Dict(load_default=None)


class CheckOut(Schema):
    check = fields.String(
        required=True,
        metadata={
            "description": "format, context, type, issuer, proof, key, key_validity, "
            "signature or status, in this order."
        },
    )
    ok = fields.Boolean(required=True)
    detail = fields.String(required=True)


class VerifiedCredentialOut(Schema):
    """What the credential claims (read from it; confirmed only when `valid`)."""

    number = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    hours = fields.Integer(allow_none=True)
    form = fields.String(allow_none=True)
    assessment = fields.String(allow_none=True)
    provider = fields.String(allow_none=True)
    issued = fields.String(allow_none=True)
    duplicate_of = fields.String(allow_none=True)
    subject_id = fields.String(allow_none=True)


class VerificationOut(Schema):
    """Every check run, stopping at the first failure; `valid` only if all passed."""

    valid = fields.Boolean(required=True)
    failed_check = fields.String(allow_none=True, required=True)
    revoked = fields.Boolean(allow_none=True, required=True)
    digest = fields.String(
        allow_none=True,
        required=True,
        metadata={
            "description": "SHA-256 of the credential's canonical JSON, as printed on its PDF."
        },
    )
    checks = fields.List(fields.Nested(CheckOut), required=True)
    credential = fields.Nested(VerifiedCredentialOut, required=True)
