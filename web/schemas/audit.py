"""The auditor's reads, policies, imports and who-am-I."""

from __future__ import annotations

from marshmallow import Schema, fields, post_dump

from web.schemas.common import (
    IsoDate,
    IsoDateTime,
    QueryInteger,
    QueryText,
    ReadArgs,
    StrictInteger,
)
from web.schemas.teachers import HistoryEvent


class EventsArgs(ReadArgs):
    """Where to start, how many, and optional filters."""

    after = QueryInteger(load_default=0, minimum=0)
    limit = QueryInteger(load_default=100, minimum=1, maximum=1000)
    type = QueryText(
        100, metadata={"description": "Only events of this type, e.g. Certificate.Revoked."}
    )
    actor = QueryText(100, metadata={"description": "Only events recorded by this account."})
    originator_id = fields.UUID()
    recorded_from = IsoDateTime()
    recorded_to = IsoDateTime()


class EventsOut(Schema):
    """A page of the global event log."""

    events = fields.List(fields.Nested(HistoryEvent))
    next = fields.Integer(
        allow_none=True, metadata={"description": "Pass as `after` for the next page."}
    )


class LedgerOut(Schema):
    """The head of the tamper-evident hash chain, for auditors to publish."""

    algorithm = fields.String()
    genesis = fields.String()
    position = fields.Integer(
        allow_none=True, metadata={"description": "The last sealed position."}
    )
    hash = fields.String(metadata={"description": "The chain's link at `position`."})
    events = fields.Integer()
    log_position = fields.Integer()
    unsealed_events = fields.Integer()
    checkpoint_events = fields.Integer()
    checkpoint_count = fields.Integer()
    checkpoints = fields.List(fields.Dict())
    verified_at = IsoDateTime(allow_none=True)
    last_verification = fields.Dict(allow_none=True)


class PolicyIn(Schema):
    """Adopt a compliance policy version effective from a date."""

    effective_from = IsoDate(required=True)
    window_years = StrictInteger(required=True, metadata={"minimum": 1, "maximum": 10})
    required_hours = StrictInteger(required=True, metadata={"minimum": 1, "maximum": 2000})


class PolicyOut(Schema):
    """One policy version."""

    effective_from = IsoDate()
    window_years = fields.Integer()
    required_hours = fields.Integer()
    recorded_at = IsoDateTime(allow_none=True)


class PolicyList(Schema):
    """Every policy version, by effective date."""

    policies = fields.List(fields.Nested(PolicyOut))


class ImportLine(Schema):
    """The outcome of one data row."""

    line = fields.Integer(metadata={"description": "Line number in the file (header = 1)."})
    status = fields.String(metadata={"description": "recorded, already_recorded or rejected"})
    code = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    fields_ = fields.Dict(data_key="fields", attribute="fields", allow_none=True)
    result = fields.Dict(allow_none=True)


class ImportReportOut(Schema):
    """The row-level report of a CSV import."""

    kind = fields.String(metadata={"description": "legacy_certificates or programme_results"})
    rows = fields.Integer(metadata={"description": "Data rows read."})
    recorded = fields.Integer()
    skipped = fields.Integer(metadata={"description": "Already recorded (a re-import)."})
    failed = fields.Integer()
    position = fields.Integer(allow_none=True)
    errors = fields.List(
        fields.Nested(ImportLine),
        metadata={"description": "The rejected rows: line number and reason."},
    )
    lines = fields.List(fields.Nested(ImportLine), metadata={"description": "Every row's outcome."})

    @post_dump(pass_original=True)
    def keep_the_whole_report(self, data, original, **kwargs):
        """The importer's report has more to say than is documented here: keep it all."""
        return {**original, **data} if isinstance(original, dict) else data


class MeOut(Schema):
    """The signed-in account."""

    name = fields.String()
    role = fields.String()
    account_id = fields.String(allow_none=True)
    provider_code = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    via = fields.String()
