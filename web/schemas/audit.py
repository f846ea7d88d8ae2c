"""The auditor's reads, policies, imports and who-am-I."""

from __future__ import annotations

from marshmallow import Schema, fields, post_dump, validate

from registry.imports.reading import ENCODINGS
from registry.queries.eventlog import COUNT_LIMIT, ORDERS
from web.schemas.common import (
    PIN_DOC,
    IsoDate,
    IsoDateTime,
    QueryInteger,
    QueryText,
    ReadArgs,
    StrictInteger,
)
from web.schemas.teachers import HistoryEvent


class EventFilterArgs(ReadArgs):
    """Which events: filters, bounds, order, and where to start."""

    after = QueryInteger(
        minimum=0,
        metadata={
            "description": "Only events after this position (the `next` of a page "
            "read oldest first)."
        },
    )
    before = QueryInteger(
        minimum=0,
        metadata={
            "description": "Only events before this position (the `next` of a page "
            "read newest first)."
        },
    )
    order = fields.String(
        load_default="asc",
        validate=validate.OneOf(ORDERS),
        metadata={"description": "asc: oldest first; desc: newest first."},
    )
    position = QueryInteger(
        minimum=0,
        metadata={"description": "Start at this position (instead of after/before)."},
    )
    at = IsoDateTime(
        metadata={
            "description": "Start at this recorded moment (instead of after/before): "
            "oldest first from it, newest first up to it. A bare date is that day's end."
        },
    )
    type = QueryText(
        100,
        metadata={
            "description": "Only events of this type (Certificate.Revoked) or "
            "aggregate (Certificate)."
        },
    )
    actor = QueryText(
        100, metadata={"description": "Only events recorded by this account (name or id)."}
    )
    pin = QueryText(
        14,
        metadata={
            **PIN_DOC,
            "description": "Only events about the teacher with this "
            "(current or former) PIN: their record, PIN entries, enrolments, certificates.",
        },
    )
    provider = QueryText(
        40,
        metadata={
            "description": "Only events concerning this provider (code): it, its "
            "programmes, accounts, enrolments and certificates, or recorded by its registrars."
        },
    )
    originator_id = fields.UUID(metadata={"description": "Only events of this aggregate."})
    recorded_from = IsoDateTime(metadata={"description": "Only events recorded from then."})
    recorded_to = IsoDateTime(
        metadata={"description": "Only events recorded up to then (the log as known at it)."}
    )


class EventsArgs(EventFilterArgs):
    """A page of the event log."""

    limit = QueryInteger(load_default=100, minimum=1, maximum=1000)
    total = fields.Boolean(
        load_default=False,
        metadata={"description": "Also count every event the filters match (`total`)."},
    )


class EventsExportArgs(EventFilterArgs):
    """Every event the filters match, between the bounds, as a download."""

    format = fields.String(
        load_default="jsonl",
        validate=validate.OneOf(["jsonl", "csv"]),
        metadata={
            "description": "jsonl: one JSON event per line, as the pages give them; "
            "csv: one row per event (data as JSON)."
        },
    )


class EventsExportLine(HistoryEvent):
    """One line of the JSON Lines export: an event as a page of `GET /events` gives it
    (the CSV has one row per event: position, recorded_at, type, originator_id, version,
    account, role, account_provider, via, data as JSON). Streamed, in order, as the log
    stood when the export began."""


class EventsOut(Schema):
    """A page of the global event log."""

    events = fields.List(fields.Nested(HistoryEvent))
    next = fields.Integer(
        allow_none=True,
        metadata={
            "description": "The cursor of the next page: pass it as `after` (oldest "
            "first) or `before` (newest first)."
        },
    )
    more = fields.Boolean(metadata={"description": "Whether more events match beyond this page."})
    order = fields.String(metadata={"enum": list(ORDERS)})
    total = fields.Integer(
        allow_none=True,
        metadata={
            "description": f"With total=true: how many events the filters match "
            f"(whatever the bounds), counted exactly up to {COUNT_LIMIT:,}."
        },
    )
    total_exact = fields.Boolean(
        allow_none=True,
        metadata={"description": "false when more events match than `total` says."},
    )


class LedgerCheckpoint(Schema):
    """One checkpoint: a run of sealed events and the chain's link at its end."""

    seq = fields.Integer(metadata={"description": "The checkpoint's number, from 1."})
    first_position = fields.Integer(metadata={"description": "Its first event's position."})
    position = fields.Integer(metadata={"description": "Its last event's position."})
    events = fields.Integer(metadata={"description": "How many events it seals."})
    hash = fields.String(metadata={"description": "The chain's link at `position` (hex)."})
    recorded_at = fields.String(metadata={"description": "When it was last extended (UTC)."})


class LedgerVerification(Schema):
    """One verification of the whole log against the ledger."""

    verified_at = fields.String(metadata={"description": "When it ended (UTC, ISO 8601)."})
    requested_by = fields.String(
        allow_none=True,
        metadata={"description": "The account that asked for it, or `cli:USER` for the CLI."},
    )
    ok = fields.Boolean(metadata={"description": "Every sealed event matched the ledger."})
    events = fields.Integer(metadata={"description": "Stored events read and chained."})
    sealed_events = fields.Integer(
        allow_none=True, metadata={"description": "Of which sealed, so vouched for."}
    )
    unsealed_events = fields.Integer(
        allow_none=True,
        metadata={"description": "Of which after the last checkpoint: not vouched for."},
    )
    first_position = fields.Integer(
        allow_none=True, metadata={"description": "The first position found changed."}
    )
    finding = fields.String(allow_none=True, metadata={"description": "What changed there."})
    position = fields.Integer(allow_none=True, metadata={"description": "The last stored row."})
    hash = fields.String(
        allow_none=True, metadata={"description": "The recomputed link at `position`."}
    )
    seconds = fields.Float(allow_none=True)


class LedgerOut(Schema):
    """The head of the tamper-evident hash chain, for auditors to publish."""

    algorithm = fields.String(metadata={"description": "The link format, `sha256-chain-v1`."})
    genesis = fields.String(metadata={"description": "The link before the first event."})
    position = fields.Integer(
        allow_none=True,
        metadata={"description": "The last sealed position (null before the first seal)."},
    )
    hash = fields.String(
        metadata={"description": "The chain's link at `position`: publish it with `position`."}
    )
    events = fields.Integer(metadata={"description": "Events sealed in the checkpoints."})
    log_position = fields.Integer(metadata={"description": "The log's last position."})
    unsealed_events = fields.Integer(
        metadata={
            "description": "Events stored after `position`, not sealed yet: nothing vouches "
            "for them until a follower (or `registry ledger seal`) seals them. 0 once every "
            "writer has finished and the followers have caught up."
        }
    )
    checkpoint_events = fields.Integer(metadata={"description": "Events per full checkpoint."})
    checkpoint_count = fields.Integer()
    checkpoints = fields.List(
        fields.Nested(LedgerCheckpoint), metadata={"description": "The newest ten, newest first."}
    )
    verified_at = IsoDateTime(allow_none=True)
    last_verification = fields.Nested(LedgerVerification, allow_none=True)


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


class ImportArgs(Schema):
    """How to read an import's CSV body (an .xlsx body is recognised by its content)."""

    encoding = fields.String(
        load_default="auto",
        validate=validate.OneOf(ENCODINGS),
        metadata={
            "description": "The CSV's encoding: utf-8, windows-1251 (what Excel saves in "
            "Russian and Kyrgyz locales), or auto (detected between the two)."
        },
    )


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
