"""Reference lists: anyone reads them; administrators add, rename and map old spellings."""

from __future__ import annotations

from flask.views import MethodView

from registry.domain.errors import InvalidInputError, NotFoundError
from registry.domain.reference import LISTS
from registry.domain.regions import region_codes
from web.api.base import Blueprint, idempotency_key, queries, registry, written
from web.auth import require_actor
from web.schemas.common import ReadArgs, ReasonSchema
from web.schemas.reference import (
    LIST_PARAMETER,
    EntryIn,
    EntryOut,
    MappedOut,
    NamesIn,
    ReferenceArgs,
    ReferenceOut,
    SpellingsIn,
    SpellingsOut,
)


def known(list_name: str) -> str:
    """A list's name from the path (404 for any other)."""
    if list_name not in LISTS:
        raise NotFoundError(
            f"No reference list {list_name}; the lists are {', '.join(LISTS)}.",
            code="reference_list_not_found",
        )
    return list_name


blp = Blueprint(
    "reference",
    __name__,
    description="Reference lists: the codes of districts, subjects and positions, with their "
    "names in Kyrgyz, Russian and English; spellings recorded before the lists, tied to codes.",
)


@blp.route("/reference/<list_name>", parameters=[LIST_PARAMETER])
class ReferenceList(MethodView):
    """One list."""

    @blp.arguments(ReferenceArgs, location="query")
    @blp.read(ReferenceOut, public=True)
    def get(self, args, list_name):
        """Anyone: a list's codes and names (?region= for a region's districts)."""
        known(list_name)
        region = args.get("region")
        if region is not None and region not in region_codes():
            raise InvalidInputError(
                f"region must be one of {', '.join(region_codes())}.",
                field="region",
                code="invalid_region",
            )
        entries = queries().reference.entries(list_name, region=region)
        return {"list": list_name, "entries": entries}

    @blp.arguments(EntryIn)
    @blp.write(201, EntryOut, permission="manage_reference")
    def post(self, body, list_name):
        """Add an entry (admin)."""
        known(list_name)
        actor = require_actor()
        names = {k: body.get(k) for k in ("name_ky", "name_ru", "name_en")}
        return written(
            registry().add_reference_entry(
                actor,
                list_name,
                code=body["code"],
                names=names,
                region=body.get("region"),
                idempotency_key=idempotency_key(),
            )
        )


@blp.route("/reference/<list_name>/<code>", parameters=[LIST_PARAMETER])
class ReferenceEntryNames(MethodView):
    """One entry's names."""

    @blp.arguments(NamesIn)
    @blp.write(200, EntryOut, permission="manage_reference")
    def patch(self, body, list_name, code):
        """Rename an entry (admin); its code stays."""
        known(list_name)
        actor = require_actor()
        return written(
            registry().rename_reference_entry(
                actor, list_name, code, names=body, idempotency_key=idempotency_key()
            )
        )


@blp.route("/reference/<list_name>/<code>/retirement", parameters=[LIST_PARAMETER])
class Retirement(MethodView):
    """Retiring an entry."""

    @blp.arguments(ReasonSchema)
    @blp.write(200, EntryOut, permission="manage_reference")
    def post(self, body, list_name, code):
        """Offer an entry no more for new records (admin); its code stays valid for history."""
        known(list_name)
        actor = require_actor()
        return written(
            registry().retire_reference_entry(
                actor, list_name, code, reason=body["reason"], idempotency_key=idempotency_key()
            )
        )


@blp.route("/reference/<list_name>/spellings", parameters=[LIST_PARAMETER])
class Spellings(MethodView):
    """Spellings recorded before the lists, tied to codes."""

    @blp.arguments(ReadArgs, location="query")
    @blp.read(SpellingsOut)
    def get(self, args, list_name):
        """The spellings tied to codes (admin, auditor, statistician)."""
        known(list_name)
        require_actor("read_spellings")
        return {"list": list_name, "spellings": queries().reference.spellings(list_name)}

    @blp.arguments(SpellingsIn)
    @blp.write(200, MappedOut, permission="manage_reference")
    def post(self, body, list_name):
        """Tie spellings to codes, all or none (admin); statistics then count them there."""
        known(list_name)
        actor = require_actor()
        return written(
            registry().map_spellings(
                actor, list_name, body["mapping"], idempotency_key=idempotency_key()
            )
        )
