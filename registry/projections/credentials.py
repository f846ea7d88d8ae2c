"""Where each certificate's revocation bit is, and which bits are set.

A certificate gets the next status index as it is recorded, in the order of the log, so
a rebuilt view gives every certificate the index its credentials already carry. A
revocation sets the bit; the status list served to verifiers is built from these rows
(registry/queries/credentials.py), so it changes within one cycle of the views.
"""

from __future__ import annotations

from registry.credentials.status_list import locate
from registry.projections.base import View
from registry.projections.codec import id_text, time_text
from registry.projections.rows import Batch
from registry.storage.facts import Fact
from registry.storage.tables import Table

CREDENTIAL_STATUS = Table(
    "credential_status",
    (
        ("id", "TEXT"),  # the certificate's id
        ("number", "TEXT"),
        ("status_index", "INTEGER"),
        ("list_number", "INTEGER"),
        ("recorded_at", "TEXT"),
        ("revoked_at", "TEXT"),
    ),
    key=("id",),
    indexes=(("number",), ("list_number", "revoked_at", "WHERE revoked_at IS NOT NULL")),
)
# One row: the next index to give.
CREDENTIAL_STATUS_NEXT = Table(
    "credential_status_next", (("name", "TEXT"), ("next_index", "INTEGER")), key=("name",)
)


class CredentialStatusView(View):
    """Every certificate's status index, and its revocation."""

    name = "credential_status"
    weight = 10.0  # µs of CPU per event of a rebuild of it alone, less the shared read
    tables = (CREDENTIAL_STATUS, CREDENTIAL_STATUS_NEXT)
    handlers = {
        "Certificate.Issued": "recorded",
        "Certificate.LegacyRecorded": "recorded",
        "Certificate.DuplicateIssued": "recorded",
        "Certificate.Revoked": "revoked",
    }
    loads = {"Certificate.Revoked": ("credential_status",)}

    def recorded(self, batch: Batch, fact: Fact) -> None:
        """A new certificate: the next index is its own."""
        counter = batch["credential_status_next"]
        row = counter.get("index") or {"name": "index", "next_index": 0}
        index = row["next_index"]
        counter.put({"name": "index", "next_index": index + 1})
        batch["credential_status"].put(
            {
                "id": id_text(fact.originator_id),
                "number": fact.data["number"],
                "status_index": index,
                "list_number": locate(index)[0],
                "recorded_at": time_text(fact.recorded_at),
                "revoked_at": None,
            }
        )

    def revoked(self, batch: Batch, fact: Fact) -> None:
        """A revocation sets the certificate's bit."""
        batch["credential_status"].update(
            id_text(fact.originator_id), revoked_at=time_text(fact.recorded_at)
        )
