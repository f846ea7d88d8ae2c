"""A certificate as an Open Badges 3.0 `OpenBadgeCredential` (W3C VC Data Model 2.0).

Who is who: the registry is the `issuer` (its did:web holds the keys that sign); the
provider is the `source` of the subject's achievement (OB 3.0: "the organisation that
assessed the achievement on behalf of the issuer") and the `creator` of the
achievement; the achievement is the programme (title, form, hours, assessment). The
teacher appears by name (an OB `IdentityObject` of type name, not hashed) and by a
subject id that is an HMAC of the teacher's internal random id under the installation
secret: stable across a teacher's credentials, and nothing in it leads to the PIN.

The registry's own terms (hours, form, number, ...) are defined in its JSON-LD context
(`Issuer.context_url`, served by the web layer), so a JSON-LD processor reads them too.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from registry.credentials.keyring import ISSUER_NAME, Issuer
from registry.credentials.status_list import status_entry

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]

FORM_NAMES = {
    "course": "course",
    "seminar": "seminar",
    "training": "training",
    "internship": "internship",
}
ASSESSMENT_NAMES = {
    "test": "a test",
    "exam": "an examination",
    "essay": "an essay",
    "final_work": "a final work",
    "none": "no final assessment",
}


def contexts(issuer: Issuer) -> list[str]:
    """The @context of every credential the registry issues, in order."""
    return [VC_CONTEXT, OB_CONTEXT, issuer.context_url]


def registry_context(issuer: Issuer) -> dict[str, Any]:
    """The JSON-LD context of the registry's own terms (served at `issuer.context_url`)."""
    vocab = f"{issuer.root}/credentials/vocab#"
    xsd = "http://www.w3.org/2001/XMLSchema#"
    return {
        "@context": {
            "@protected": True,
            "academicHours": {"@id": f"{vocab}academicHours", "@type": f"{xsd}integer"},
            "courseForm": {"@id": f"{vocab}courseForm"},
            "studyMode": {"@id": f"{vocab}studyMode"},
            "assessment": {"@id": f"{vocab}assessment"},
            "certificateNumber": {"@id": f"{vocab}certificateNumber"},
            "certificateKind": {"@id": f"{vocab}certificateKind"},
            "duplicateOf": {"@id": f"{vocab}duplicateOf"},
        }
    }


def _day(value: date | None) -> str | None:
    return f"{value.isoformat()}T00:00:00Z" if value else None


def _description(certificate: dict[str, Any]) -> str:
    form = FORM_NAMES.get(certificate["form"], certificate["form"])
    text = f"{certificate['hours']} academic hours of qualification upgrading ({form})"
    if certificate.get("assessment"):
        text += f", completed with {ASSESSMENT_NAMES.get(certificate['assessment'], certificate['assessment'])}"
    return text + "."


def unsigned_credential(
    certificate: dict[str, Any],
    issuer: Issuer,
    *,
    subject_id: str,
    status_index: int,
) -> dict[str, Any]:
    """The credential of a certificate record (as `Queries.certificate` answers it),
    before its proof. Everything in it comes from the record, so the same record gives
    the same credential."""
    provider = {
        "id": issuer.provider_url(certificate["provider_code"]),
        "type": ["Profile"],
        "name": certificate.get("provider_name") or certificate["provider_code"],
    }
    achievement: dict[str, Any] = {
        "id": (
            f"urn:uuid:{certificate['programme_id']}"
            if certificate.get("programme_id")
            else f"urn:uuid:{certificate['id']}#achievement"
        ),
        "type": ["Achievement"],
        "achievementType": "Course",
        "name": certificate["title"],
        "description": _description(certificate),
        "criteria": {"narrative": _description(certificate)},
        "creator": provider,
        "academicHours": certificate["hours"],
        "courseForm": certificate["form"],
    }
    if certificate.get("programme_code"):
        achievement["humanCode"] = certificate["programme_code"]
    if certificate.get("mode"):
        achievement["studyMode"] = certificate["mode"]
    if certificate.get("assessment"):
        achievement["assessment"] = certificate["assessment"]
    subject: dict[str, Any] = {
        "id": subject_id,
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": False,
                "identityHash": certificate["full_name"],
            }
        ],
        "achievement": achievement,
        "source": provider,
    }
    if certificate.get("starts_on"):
        subject["activityStartDate"] = _day(certificate["starts_on"])
    if certificate.get("ends_on"):
        subject["activityEndDate"] = _day(certificate["ends_on"])
    credential: dict[str, Any] = {
        "@context": contexts(issuer),
        "id": f"urn:uuid:{certificate['id']}",
        "type": list(OB_TYPES),
        "name": certificate["title"],
        "issuer": {
            "id": issuer.did,
            "type": ["Profile"],
            "name": ISSUER_NAME,
            "url": issuer.root,
        },
        "validFrom": _day(certificate["issued_on"]),
        "awardedDate": _day(certificate["issued_on"]),
        "credentialSubject": subject,
        "credentialStatus": status_entry(issuer, status_index),
        "certificateNumber": certificate["number"],
        "certificateKind": certificate["kind"],
    }
    if certificate.get("duplicate_of"):
        credential["duplicateOf"] = certificate["duplicate_of"]
    return credential
