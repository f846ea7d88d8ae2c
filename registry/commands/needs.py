"""Commands on training needs: a school or a district records one."""

from __future__ import annotations

from typing import Any

from registry.access import bound_region
from registry.commands.base import Actor, CommandBase, CommandResult, Session
from registry.domain.errors import ForbiddenError
from registry.domain.need import TrainingNeed


class NeedCommands(CommandBase):
    """Registry mixin: training needs."""

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
            return session.add(TrainingNeed.record({**details, "district": district})).data()

        return self.commands.run(
            actor, "record_need", details, body, idempotency_key=idempotency_key
        )
