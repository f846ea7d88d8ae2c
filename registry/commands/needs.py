"""Commands on training needs: a school or a district records one, and withdraws it."""

from __future__ import annotations

import uuid
from typing import Any

from registry.access import bound_region
from registry.commands.base import Actor, CommandBase, CommandResult, Session
from registry.domain.errors import ForbiddenError, NotFoundError
from registry.domain.need import TrainingNeed
from registry.domain.values import parse_id


class NeedCommands(CommandBase):
    """Registry mixin: training needs."""

    def find_need(self, session: Session, need_id: str | uuid.UUID) -> TrainingNeed:
        need = session.find(parse_id(need_id, "need"))
        if not isinstance(need, TrainingNeed):  # nothing, or another kind of record
            raise NotFoundError(f"No need {need_id}.", code="need_not_found")
        return need

    def record_need(
        self, actor: Actor, details: dict[str, Any], *, idempotency_key: str | None = None
    ) -> CommandResult:
        """Record a need (admins and registrars anywhere, a commission bound to a region
        for that region alone) of a listed district of its region."""
        actor.require("record_needs")
        bound = bound_region(actor)
        if bound is not None and details.get("region") != bound:
            raise ForbiddenError(
                f"This account records needs of region {bound} only.", code="other_region"
            )

        def body(session: Session) -> dict[str, Any]:
            # The district as its code (a listed name is accepted and stored as the code;
            # one of another region or not listed is refused), as a teacher's.
            district = self.resolve_reference(
                session,
                "districts",
                details.get("district"),
                "district",
                region=details.get("region"),
            )
            # The subject as its code too: a need is matched to programmes by it, and a
            # subject no list knows would stay unmet for good (a teacher's is refused).
            subject = self.resolve_reference(session, "subjects", details.get("subject"), "subject")
            return session.add(
                TrainingNeed.record({**details, "district": district, "subject": subject})
            ).data()

        return self.commands.run(
            actor, "record_need", details, body, idempotency_key=idempotency_key
        )

    def withdraw_need(
        self,
        actor: Actor,
        need_id: str,
        *,
        reason: str,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Withdraw a need (answered otherwise, or recorded in error): those who may record
        needs, a commission bound to a region for that region's alone."""
        actor.require("record_needs")
        args = {"need_id": need_id, "reason": reason}

        def body(session: Session) -> dict[str, Any]:
            need = self.find_need(session, need_id)
            bound = bound_region(actor)
            if bound is not None and need.region != bound:
                raise ForbiddenError(
                    f"This account withdraws needs of region {bound} only.", code="other_region"
                )
            need.withdraw(reason)
            return need.data()

        return self.commands.run(
            actor, "withdraw_need", args, body, idempotency_key=idempotency_key
        )
