"""Signed credentials and what verifiers need, from the views and the signing keys.

A credential is signed when asked for, and always the same way for the same record:
its proof's `created` is when the certificate was recorded, or when the current key
took over if later (Ed25519 signatures are deterministic), so a download, the digest
printed on its PDF and a download next year agree until the record or the key changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.application import AggregateNotFoundError

from registry.credentials import keyfile
from registry.credentials import proof as di
from registry.credentials.document import registry_context, unsigned_credential
from registry.credentials.keyring import Issuer, KeyHistory, SigningKey, timestamp
from registry.credentials.multikey import multibase_public
from registry.credentials.status_list import LIST_SIZE, unsigned_list
from registry.credentials.verify import Report, StatusLists, parse, verify_credential
from registry.domain.certificate import Certificate
from registry.domain.errors import ConflictError, NotFoundError
from registry.domain.signing_key import SigningKeyring
from registry.projections.codec import id_text, time_value

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from registry.application import Registry


class CredentialQueries:
    """Credentials, status lists, the issuer's keys, and verification."""

    def __init__(self, app: Registry):
        self.app = app
        self.issuer = Issuer(app.settings.public_base_url)

    # -- keys ------------------------------------------------------------------------
    def key_history(self) -> KeyHistory:
        """Every signing key with its period, from the event log (always current)."""
        try:
            keyring: SigningKeyring = self.app.repository.get(SigningKeyring.id_for())
        except AggregateNotFoundError:
            return KeyHistory([])
        return KeyHistory(list(keyring.keys))

    def did_document(self) -> dict[str, Any]:
        return self.key_history().did_document(self.issuer)

    def jwks(self) -> dict[str, Any]:
        return self.key_history().jwks(self.issuer)

    def context(self) -> dict[str, Any]:
        return registry_context(self.issuer)

    def _signer(self) -> tuple[Ed25519PrivateKey, SigningKey]:
        """The private key and the key record it must match; a clear error otherwise."""
        current = self.key_history().current
        if current is None:
            raise ConflictError(
                "The registry has no signing key yet: run `registry init`.",
                code="no_signing_key",
            )
        path = self.app.settings.signing_key_path
        try:
            key = keyfile.load(path)
        except keyfile.KeyFileError as error:
            raise ConflictError(
                f"The signing key cannot be read ({error}): restore it from the backup, "
                "or make a new one with `registry credentials rotate-key`.",
                code="signing_key_unavailable",
            ) from None
        if multibase_public(key) != current.public_key:
            raise ConflictError(
                f"The signing key in {path} is not the registry's current key: restore the "
                "right file, or make a new one with `registry credentials rotate-key`.",
                code="signing_key_mismatch",
            )
        return key, current

    def _sign(self, document: dict[str, Any], since: datetime | None) -> dict[str, Any]:
        key, record = self._signer()
        moment = max(since, record.activated_at) if since else record.activated_at
        return di.sign(
            document,
            key,
            self.issuer.verification_method(record.public_key),
            timestamp(moment),
        )

    # -- credentials -----------------------------------------------------------------
    def credential(self, certificate: dict[str, Any]) -> dict[str, Any]:
        """The signed credential of a certificate record (as `Queries.certificate` gives
        it; the caller has checked who may read it)."""
        certificate_id = id_text(Certificate.id_for(certificate["number"]))
        row = self.app.read_db.query_one(
            "SELECT status_index FROM credential_status WHERE id = ?", (certificate_id,)
        )
        if row is None:
            raise TimeoutError(
                f"The views have not yet given certificate {certificate['number']} its "
                "place in the revocation list; try again in a moment."
            )
        document = unsigned_credential(
            {**certificate, "id": certificate_id},
            self.issuer,
            subject_id=f"urn:uuid:{self.app.keys.credential_subject(certificate['teacher_id'])}",
            status_index=row[0],
        )
        return self._sign(document, certificate.get("recorded_at"))

    def status_list(self, list_number: int) -> dict[str, Any]:
        """Revocation list `list_number`, signed; NotFoundError past the lists in use."""
        db = self.app.read_db  # a view: read where the other views are read
        with db.reading() as cur:
            lists = cur.query_one(
                "SELECT next_index FROM credential_status_next WHERE name = 'index'"
            )
            used = -(-(lists[0] if lists else 0) // LIST_SIZE)
            if not 0 <= list_number < max(used, 1):
                raise NotFoundError(f"No status list {list_number}.", code="status_list_not_found")
            revoked = cur.query(
                "SELECT status_index, revoked_at FROM credential_status "
                "WHERE list_number = ? AND revoked_at IS NOT NULL",
                (list_number,),
            )
        last = max((time_value(at) for _, at in revoked), default=None)
        record = self._signer()[1]
        valid_from = timestamp(max(last, record.activated_at) if last else record.activated_at)
        bits = [index - list_number * LIST_SIZE for index, _ in revoked]
        return self._sign(unsigned_list(self.issuer, list_number, bits, valid_from), last)

    # -- verification ----------------------------------------------------------------
    def own_status_lists(self, url: str) -> dict[str, Any] | None:
        """The registry's own status list at `url`, as it stands in the views (None if
        `url` names none)."""
        prefix = self.issuer.root + "/credentials/status/"
        tail = url[len(prefix) :] if url.startswith(prefix) else ""
        if not tail.isdigit() or len(tail) > 9:
            return None
        try:
            return self.status_list(int(tail))
        except NotFoundError:
            return None

    def verify(self, raw: bytes | str, status_list: bytes | str | None = None) -> Report:
        """Verify a credential file's content against the registry's keys and, unless a
        status list file is given, its own status lists."""
        lists: StatusLists = self.own_status_lists
        if status_list is not None:
            try:
                given: Any = parse(status_list)
            except ValueError as error:
                given = f"the status list file is {error}"
            lists = lambda _url: given  # noqa: E731  (the one list given answers every URL)
        return verify_credential(raw, self.key_history(), self.issuer, lists)
