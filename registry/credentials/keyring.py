"""The issuer: its did:web identifier, its addresses, and its keys over time.

Every public key the registry ever signed with is in the event log with the moment it
became the signing key; it stays valid for what it signed until the next one took
over. So a credential signed in 2027 verifies in 2035 against the key of 2027, and a
signature dated after that key was replaced does not verify at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from registry.credentials.multikey import jwk

DID_CONTEXT = ("https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1")
ISSUER_NAME = (
    "Teacher qualification registry, Ministry of Education and Science of the Kyrgyz Republic"
)


def did_web(base_url: str) -> str:
    """The did:web identifier of a site (`https://host:port/path` → `did:web:host%3Aport:path`)."""
    parts = urlsplit(base_url)
    host = parts.hostname or "localhost"
    if parts.port:
        host = f"{host}%3A{parts.port}"
    path = [quote(segment, safe="") for segment in parts.path.split("/") if segment]
    return ":".join(["did:web", host, *path])


def timestamp(moment: datetime) -> str:
    """An XML Schema dateTime in UTC to the second, as proofs and credentials carry it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: str) -> datetime | None:
    """A dateTime with a time zone, or None if it is not one."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


@dataclass(frozen=True)
class Issuer:
    """Where the registry publishes what a verifier needs, from its public base URL."""

    base_url: str

    @property
    def root(self) -> str:
        return self.base_url.rstrip("/")

    @property
    def did(self) -> str:
        return did_web(self.root)

    @property
    def context_url(self) -> str:
        """The JSON-LD context of the registry's own terms (hours, form, ...)."""
        return f"{self.root}/credentials/context/v1"

    def status_list_url(self, list_number: int) -> str:
        return f"{self.root}/credentials/status/{list_number}"

    def verification_method(self, public_key: str) -> str:
        return f"{self.did}#{public_key}"

    def provider_url(self, code: str) -> str:
        return f"{self.root}/providers/{quote(code, safe='')}"


@dataclass(frozen=True)
class SigningKey:
    """One public key and when it signed: from `activated_at` until `retired_at`."""

    public_key: str  # Multikey (z6Mk…)
    activated_at: datetime
    retired_at: datetime | None = None

    def valid_at(self, moment: datetime) -> bool:
        return self.activated_at <= moment and (self.retired_at is None or moment < self.retired_at)


class KeyHistory:
    """The registry's signing keys in the order they took over."""

    def __init__(self, keys: list[tuple[str, datetime]]):
        ordered = sorted(keys, key=lambda k: k[1])
        self.keys = [
            SigningKey(public, since, ordered[i + 1][1] if i + 1 < len(ordered) else None)
            for i, (public, since) in enumerate(ordered)
        ]

    @property
    def current(self) -> SigningKey | None:
        return self.keys[-1] if self.keys else None

    def find(self, public_key: str) -> SigningKey | None:
        return next((k for k in self.keys if k.public_key == public_key), None)

    def did_document(self, issuer: Issuer) -> dict:
        """The issuer's DID document: every key it ever signed with (old signatures stay
        verifiable), each as a Multikey for assertions."""
        methods = [
            {
                "id": issuer.verification_method(k.public_key),
                "type": "Multikey",
                "controller": issuer.did,
                "publicKeyMultibase": k.public_key,
            }
            for k in self.keys
        ]
        return {
            "@context": list(DID_CONTEXT),
            "id": issuer.did,
            "verificationMethod": methods,
            "assertionMethod": [m["id"] for m in methods],
        }

    def jwks(self, issuer: Issuer) -> dict:
        """The same keys as a JWK Set; `valid_from`/`valid_until` (members a JWK consumer
        ignores, RFC 7517 §4) say when each one signed."""
        return {
            "keys": [
                {
                    **jwk(k.public_key),
                    "kid": issuer.verification_method(k.public_key),
                    "use": "sig",
                    "alg": "EdDSA",
                    "valid_from": timestamp(k.activated_at),
                    **({"valid_until": timestamp(k.retired_at)} if k.retired_at else {}),
                }
                for k in self.keys
            ]
        }
