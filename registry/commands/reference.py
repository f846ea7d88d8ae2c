"""Commands on the reference lists (admin only): entries, their names, the spellings' mapping;
the seeding `registry init` runs; and how a teacher's district, subject or position is
checked against the lists."""

from __future__ import annotations

from typing import Any

from registry.commands.base import Actor, CommandBase, CommandResult, Session
from registry.domain.errors import ConflictError, RuleViolationError
from registry.domain.reference import (
    ReferenceEntry,
    Spelling,
    check_entry_code,
    check_in_region,
    check_list,
    seed_entries,
    seed_spellings,
    spelling_key,
    unknown_code,
)
from registry.domain.values import check_text


def entry_data(entry: ReferenceEntry) -> dict[str, Any]:
    """An entry as a plain result."""
    return {
        "list": entry.list_name,
        "code": entry.code,
        "region": entry.region,
        "retired": entry.retired,
        **entry.names,
    }


class ReferenceCommands(CommandBase):
    """Registry mixin: the reference lists' writes and the check of a teacher's codes."""

    def seed_reference(self) -> CommandResult:
        """Record the entries the registry starts with that are not recorded yet (so it is
        safe to run again: `registry init` runs it every time)."""
        actor = Actor.system()

        def body(session: Session) -> dict[str, Any]:
            seeds = seed_entries()
            session.preload([ReferenceEntry.id_for(s.list_name, s.code) for s in seeds])
            added = 0
            for seed in seeds:
                if session.find(ReferenceEntry.id_for(seed.list_name, seed.code)) is None:
                    session.add(
                        ReferenceEntry.add(seed.list_name, seed.code, seed.names, seed.region)
                    )
                    added += 1
            return {"added": added}

        return self.commands.run(actor, "seed_reference", {}, body)

    def reference_entry(self, session: Session, list_name: str, code: str) -> ReferenceEntry:
        """A recorded entry, or a NotFoundError naming it."""
        return session.get(ReferenceEntry.id_for(list_name, code), "reference entry", code)

    def resolve_reference(
        self,
        session: Session,
        list_name: str,
        value: object,
        field: str,
        *,
        region: object = None,
    ) -> object:
        """A teacher's value as the code of a recorded entry: a code as given, or a name of
        an entry the registry started with (any of its three languages, case and Kyrgyz
        letters aside), stored as its code. Anything else is refused (422, naming the
        field and where the valid codes are); a district must be of the region given.
        A value that is not text is returned as it is, for the domain to refuse."""
        if not isinstance(value, str) or not value.strip():
            return value
        text = check_text(value, field)  # a control character is named as such, not unknown
        entry = session.find(ReferenceEntry.id_for(list_name, text))
        if entry is None:
            code = seed_spellings().get((list_name, spelling_key(text)))
            entry = None if code is None else session.find(ReferenceEntry.id_for(list_name, code))
        if entry is None:
            raise unknown_code(list_name, value, field)
        entry.check_current(field)
        if list_name == "districts":
            check_in_region(entry, region, field)
        return entry.code

    def add_reference_entry(
        self,
        actor: Actor,
        list_name: str,
        *,
        code: str,
        names: dict[str, Any],
        region: str | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Add an entry to a list under a code no other entry of the list has."""
        actor.require("manage_reference")
        args = {"list": list_name, "code": code, "names": names, "region": region}

        def body(session: Session) -> dict[str, Any]:
            entry = ReferenceEntry.add(list_name, code, names, region)
            if session.find(entry.id) is not None:
                raise ConflictError(
                    f"The {list_name} list has an entry {code} already.",
                    field="code",
                    code="duplicate_code",
                )
            return entry_data(session.add(entry))

        return self.commands.run(
            actor, "add_reference_entry", args, body, idempotency_key=idempotency_key
        )

    def rename_reference_entry(
        self,
        actor: Actor,
        list_name: str,
        code: str,
        *,
        names: dict[str, Any],
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Give an entry new names (its code stays, so nothing recorded with it changes)."""
        actor.require("manage_reference")
        args = {"list": list_name, "code": code, "names": names}

        def body(session: Session) -> dict[str, Any]:
            entry = self.reference_entry(session, check_list(list_name), code)
            entry.rename(names)
            return entry_data(entry)

        return self.commands.run(
            actor, "rename_reference_entry", args, body, idempotency_key=idempotency_key
        )

    def retire_reference_entry(
        self,
        actor: Actor,
        list_name: str,
        code: str,
        *,
        reason: str,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Offer an entry no more for new records (its code stays valid for history)."""
        actor.require("manage_reference")
        args = {"list": list_name, "code": code, "reason": reason}

        def body(session: Session) -> dict[str, Any]:
            entry = self.reference_entry(session, check_list(list_name), code)
            entry.retire(reason)
            return entry_data(entry)

        return self.commands.run(
            actor, "retire_reference_entry", args, body, idempotency_key=idempotency_key
        )

    def map_spellings(
        self,
        actor: Actor,
        list_name: str,
        mapping: dict[str, str],
        *,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Tie spellings to codes of a list, all or none (a CSV upload is one call): each
        code must be listed; a spelling already tied to the same code is left as it is."""
        actor.require("manage_reference")
        args = {"list": list_name, "mapping": mapping}

        def body(session: Session) -> dict[str, Any]:
            check_list(list_name)
            if not mapping:
                raise RuleViolationError("No spellings given.", field="mapping", code="required")
            changed = 0
            seen: dict[str, str] = {}
            for spelling, code in mapping.items():
                key = spelling_key(spelling) if isinstance(spelling, str) else ""
                if key in seen and seen[key] != code:
                    raise RuleViolationError(
                        f"{spelling!r} and {seen[key]!r} are one spelling given two codes.",
                        field="spelling",
                        code="conflicting_spellings",
                    )
                check_entry_code(code)
                if session.find(ReferenceEntry.id_for(list_name, code)) is None:
                    raise unknown_code(list_name, code, "code")
                existing = session.find(Spelling.id_for(list_name, spelling)) if key else None
                if existing is None:
                    session.add(Spelling.map(list_name, spelling, code))
                    changed += 1
                else:
                    changed += existing.remap(code)
                seen[key] = code
            return {"list": list_name, "mapped": len(mapping), "changed": changed}

        return self.commands.run(
            actor, "map_spellings", args, body, idempotency_key=idempotency_key
        )
