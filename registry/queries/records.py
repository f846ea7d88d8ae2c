"""Reads of one record from its own history: an enrolment as it stands, a signed-in account.

An enrolment is read where its readers record against it, so it is answered as its
events stand, never as a view a moment behind; accounts have no view at all (nothing
reads them but sign-in). Both are read-only loads through the event store's repository:
nothing here can be saved.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from eventsourcing.application import AggregateNotFoundError

from registry.domain.account import Account
from registry.domain.enrolment import Enrolment
from registry.domain.errors import NotFoundError
from registry.domain.values import parse_id
from registry.projections.codec import id_text

if TYPE_CHECKING:
    from registry.application import Registry


class RecordQueries:
    """One enrolment or one account, from its own events."""

    def __init__(self, app: Registry):
        self.app = app

    def _load(self, aggregate_id: uuid.UUID) -> Any | None:
        try:
            return self.app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def enrolment(self, enrolment_id: str) -> dict[str, Any]:
        """The enrolment's current state (the shape the enrolment commands answer), with
        the programme's title and the teacher's current PIN (None while the directory view
        has yet to see the teacher)."""
        enrolment = self._load(parse_id(enrolment_id, "enrolment"))
        if not isinstance(enrolment, Enrolment):
            raise NotFoundError(f"No enrolment {enrolment_id}.", code="enrolment_not_found")
        row = self.app.db.query_one(
            "SELECT pin FROM teachers WHERE id = ?", (id_text(enrolment.teacher_id),)
        )
        return {
            **enrolment.summary(),
            "title": enrolment.programme.get("title"),
            "pin": row[0] if row else None,
        }

    def account(self, account_id: str) -> Account | None:
        """The account with this id, or None (a malformed id names none)."""
        try:
            key = uuid.UUID(str(account_id))
        except ValueError:
            return None
        account = self._load(key)
        return account if isinstance(account, Account) else None
