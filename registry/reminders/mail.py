"""Delivering the outbox by SMTP: claimed before sending, retried with backoff when the
server is down or refuses, and never sent again when the outcome is unknown."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from registry.access import Actor, require
from registry.queries.readiness import outbox_backlog
from registry.settings import Settings
from registry.storage import Database
from registry.storage.schema import OUTBOX_STUCK_STATES, OUTBOX_TABLE, ensure_outbox_table

MAX_ATTEMPTS = 12
STUCK_AFTER = timedelta(minutes=15)  # a row claimed this long ago was cut off mid-send


class NotSent(Exception):
    """The server did not take the message (down, refused): safe to try again."""


class OutcomeUnknown(Exception):
    """The connection broke while the message was being handed over: it may have gone."""


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failed attempt, at most six hours."""
    return timedelta(minutes=min(2 ** max(0, attempts - 1), 360))


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def build(settings: Settings, row: dict[str, Any]) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = row["subject"]
    message["From"] = settings.smtp_from
    message["To"] = row["recipient"]
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=row["id"], domain="registry")
    message["X-Registry-Notice"] = row["kind"]
    message.set_content(row["body_text"])
    message.add_alternative(row["body_html"], subtype="html")
    return message


def smtp_send(settings: Settings, message: EmailMessage) -> None:
    """Send one message; NotSent or OutcomeUnknown say what a failure means."""
    if not settings.smtp_host:
        raise NotSent("no SMTP host is configured (REGISTRY_SMTP_HOST)")
    factory = smtplib.SMTP_SSL if settings.smtp_tls == "ssl" else smtplib.SMTP
    try:
        client = factory(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s)
    except (OSError, smtplib.SMTPException) as e:
        raise NotSent(f"connecting: {e}") from None
    try:
        try:
            client.ehlo()
            if settings.smtp_tls == "starttls":
                client.starttls()
                client.ehlo()
            if settings.smtp_user:
                client.login(settings.smtp_user, settings.smtp_password)
        except (OSError, smtplib.SMTPException) as e:
            raise NotSent(f"greeting: {e}") from None
        try:
            client.send_message(message)
        except (
            smtplib.SMTPRecipientsRefused,
            smtplib.SMTPSenderRefused,
            smtplib.SMTPDataError,
            smtplib.SMTPNotSupportedError,
        ) as e:
            raise NotSent(f"refused: {e}") from None
        except (OSError, smtplib.SMTPException) as e:
            raise OutcomeUnknown(f"cut off while sending: {e}") from None
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()


_COLUMNS = ("id", "kind", "recipient", "subject", "body_text", "body_html", "attempts")


def deliver(db: Database, settings: Settings, now: datetime, limit: int = 200) -> dict[str, int]:
    """Send what is waiting and due; returns counts by outcome. Without an SMTP host
    nothing is tried: the letters wait, their attempts uncounted, until one is set (a
    registry run before its mail server is configured loses no letter)."""
    ensure_outbox_table(db)
    counts = {"sent": 0, "retry": 0, "failed": 0, "unknown": 0}
    if not settings.smtp_host:
        return counts
    with db.transaction() as cur:  # claimed, then cut off (a crash mid-send): never resent
        cur.execute(
            f"UPDATE {OUTBOX_TABLE} SET state = 'unknown', last_error = ? "
            "WHERE state = 'sending' AND next_attempt_at < ?",
            ("cut off while sending (the process stopped)", _text(now - STUCK_AFTER)),
        )
    with db.reading() as cur:
        rows = [
            dict(zip(_COLUMNS, r))
            for r in cur.query(
                f"SELECT {', '.join(_COLUMNS)} FROM {OUTBOX_TABLE} WHERE state = 'pending' "
                "AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
                (_text(now), limit),
            )
        ]
    for row in rows:
        with db.transaction() as cur:  # the claim: only one sender gets the row
            cur.execute(
                f"UPDATE {OUTBOX_TABLE} SET state = 'sending', attempts = attempts + 1, "
                "next_attempt_at = ? WHERE id = ? AND state = 'pending'",
                (_text(now), row["id"]),
            )
            claimed = cur.rowcount == 1
        if not claimed:
            continue
        attempts = row["attempts"] + 1
        try:
            smtp_send(settings, build(settings, row))
        except NotSent as e:
            state = "failed" if attempts >= MAX_ATTEMPTS else "pending"
            counts["failed" if state == "failed" else "retry"] += 1
            _finish(db, row["id"], state, _text(now + backoff(attempts)), str(e)[:500], None)
            if "connecting" in str(e):
                break  # the server is down: the rest wait for the next run untouched
            continue
        except OutcomeUnknown as e:
            counts["unknown"] += 1
            _finish(db, row["id"], "unknown", _text(now), str(e)[:500], None)
            continue
        counts["sent"] += 1
        _finish(db, row["id"], "sent", _text(now), None, _text(now))
    return counts


def _finish(
    db: Database, row_id: str, state: str, next_at: str, error: str | None, sent_at: str | None
) -> None:
    with db.transaction() as cur:
        cur.execute(
            f"UPDATE {OUTBOX_TABLE} SET state = ?, next_attempt_at = ?, last_error = ?, "
            "sent_at = ? WHERE id = ? AND state = 'sending'",
            (state, next_at, error, sent_at, row_id),
        )


def backlog(db: Database) -> dict[str, Any]:
    """What waits in the outbox (`registry.queries.readiness.outbox_backlog`)."""
    return outbox_backlog(db)


# -- the administrators' view of the outbox --------------------------------------------

_STUCK_MARKS = ", ".join("?" * len(OUTBOX_STUCK_STATES))
_STUCK_COLUMNS = (
    "id",
    "kind",
    "due_date",
    "state",
    "attempts",
    "last_error",
    "created_at",
    "next_attempt_at",
)


def stuck(db: Database, actor: Actor, limit: int = 200) -> list[dict[str, Any]]:
    """The rows no delivery will take up again: failed after every retry, or cut off
    mid-send (outcome unknown), oldest first, with their last error (no addresses)."""
    require(actor, "manage_outbox")
    if not db.table_exists(OUTBOX_TABLE):
        return []
    with db.reading() as cur:
        rows = cur.query(
            f"SELECT {', '.join(_STUCK_COLUMNS)} FROM {OUTBOX_TABLE} "
            f"WHERE state IN ({_STUCK_MARKS}) ORDER BY created_at, id LIMIT ?",
            (*OUTBOX_STUCK_STATES, limit),
        )
    return [dict(zip(_STUCK_COLUMNS, r)) for r in rows]


def retry(db: Database, actor: Actor, row_id: str, now: datetime) -> bool:
    """Put a stuck row back in the queue (its attempts counted afresh, due at once), for
    the next delivery; False if it was not stuck (sent meanwhile, or no such row).

    An unknown outcome may have reached its reader: the administrator decides, having
    checked by hand that it did not (the page says so)."""
    return _unstick(
        db, actor, row_id, "state = 'pending', attempts = 0, next_attempt_at = ?", [_text(now)]
    )


def set_aside(db: Database, actor: Actor, row_id: str) -> bool:
    """Let a stuck row go unsent (an unknown outcome found to have reached its reader, or
    a letter no longer worth sending): kept with its attempts and last error, never sent,
    and no longer stuck (so `/readyz` stops naming it); False if it was not stuck."""
    return _unstick(db, actor, row_id, "state = 'set_aside'", [])


def _unstick(db: Database, actor: Actor, row_id: str, assignments: str, params: list) -> bool:
    """An administrator's change to one stuck row; whether the row was stuck."""
    require(actor, "manage_outbox")
    ensure_outbox_table(db)
    with db.transaction() as cur:
        cur.execute(
            f"UPDATE {OUTBOX_TABLE} SET {assignments} WHERE id = ? AND state IN ({_STUCK_MARKS})",
            (*params, row_id, *OUTBOX_STUCK_STATES),
        )
        return cur.rowcount == 1
