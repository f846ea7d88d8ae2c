"""Reminders on each engine with a real SMTP server in-process (aiosmtpd): the right
notices on the right days over two simulated years for a small cohort, none twice across
a restart or with two runs at once, escalation, departed teachers silent, a revocation
starting the cycle again, and a server that is down then back."""

from __future__ import annotations

import socket
import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtpd.controller import Controller

from registry import reminders
from registry.application import Registry
from registry.bootstrap import open_worker
from registry.domain.reminder import reminder_id
from registry.reminders import mail
from registry.storage.schema import OUTBOX_TABLE
from tests.builders import ADMIN, provider, teacher

NOW = datetime.now(UTC)


class Inbox:
    """What the SMTP server received: (to, notice kind, subject, text, html)."""

    def __init__(self):
        self.messages: list[dict] = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=default)
        self.messages.append(
            {
                "to": envelope.rcpt_tos[0],
                "kind": message["X-Registry-Notice"],
                "subject": message["Subject"],
                "text": message.get_body(("plain",)).get_content(),
                "html": message.get_body(("html",)).get_content(),
                "date": message["Date"],
            }
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """An SMTP server on a fixed port that can be stopped and started again."""

    def __init__(self, inbox: Inbox):
        self.inbox, self.port, self.controller = inbox, _free_port(), None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    inbox = Inbox()
    server = Server(inbox)
    server.start()
    yield server, inbox
    server.stop()


@pytest.fixture
def mailing(registry, smtp):
    """The registry with the SMTP server's settings."""
    controller, _ = smtp
    registry.settings = replace(
        registry.settings, smtp_host="127.0.0.1", smtp_port=controller.port, smtp_timeout_s=5
    )
    return registry


def _pin(i: int) -> str:
    return f"2150519850{i:04d}"


def _legacy(registry, pin: str, number: str, issued_on: date) -> None:
    registry.record_legacy_certificate(
        ADMIN,
        pin=pin,
        number=number,
        provider_code="KAE",
        title="Курс",
        form="course",
        hours=72,
        issued_on=issued_on,
    )


def _cohort(registry) -> None:
    """A: due 2027-06-01, e-mail; B: departed; C: due 2028-03-01, Kyrgyz; D: compliant
    till 2031 until its newer certificate is revoked."""
    registry.start_policy()
    provider(registry, "KAE")
    people = [
        (1, "Айгүл Асанова", {"email": "aigul@mektep.kg"}),
        (2, "Бакыт Осмонов", {"email": "bakyt@mektep.kg"}),
        (3, "Нургүл Токтогулова", {"email": "nurgul@mektep.kg", "language": "ky"}),
        (4, "Данияр Бекмуратов", {"email": "daniyar@mektep.kg"}),
    ]
    for i, name, contacts in people:
        registry.register_teacher(ADMIN, teacher(pin=_pin(i), full_name=name, **contacts))
    _legacy(registry, _pin(1), "A-1", date(2022, 6, 1))
    _legacy(registry, _pin(2), "B-1", date(2022, 1, 10))
    registry.record_departure(ADMIN, _pin(2), effective_on=date(2026, 6, 1), reason="retired")
    _legacy(registry, _pin(3), "C-1", date(2023, 3, 1))
    _legacy(registry, _pin(4), "D-1", date(2022, 6, 1))
    _legacy(registry, _pin(4), "D-2", date(2026, 1, 10))
    reminders.set_recipient(
        registry, ADMIN, "school_head", "Sokuluk", "School No. 3", "Директор", "head@school3.kg"
    )
    reminders.set_recipient(
        registry, ADMIN, "district_department", "Sokuluk", None, "Райоо", "roo@sokuluk.kg"
    )
    open_worker(registry).catch_up()


def _days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def test_two_years_of_notices_each_once_on_its_day(mailing, smtp, settings):
    _, inbox = smtp
    registry = mailing
    _cohort(registry)
    sent_on: list[tuple[date, str, str]] = []
    app = registry
    second = None
    revoked_on = date(2027, 2, 1)
    for day in _days(date(2026, 12, 1), date(2028, 11, 30)):
        if day == revoked_on:
            app.revoke_certificate(ADMIN, "D-2", reason="issued in error")
            open_worker(app).catch_up()
        if day == date(2027, 8, 1):  # a restart: a new process, the same database
            second = Registry(app.settings)
            app = second
        before = len(inbox.messages)
        reminders.run(app, day, now=NOW)
        if day in (date(2027, 6, 1), date(2028, 3, 1)):  # the same day again
            reminders.run(app, day, now=NOW)
        sent_on += [(day, m["to"], m["kind"]) for m in inbox.messages[before:]]
    if second is not None:
        second.close()

    due_a, due_c = date(2027, 6, 1), date(2028, 3, 1)
    expected = [
        (due_a - timedelta(days=180), "aigul@mektep.kg", "due_in_180_days"),
        (revoked_on, "daniyar@mektep.kg", "due_in_180_days"),  # the cycle again
        (due_a - timedelta(days=60), "aigul@mektep.kg", "due_in_60_days"),
        (due_a - timedelta(days=60), "daniyar@mektep.kg", "due_in_60_days"),
        (due_a, "aigul@mektep.kg", "overdue"),
        (due_a, "daniyar@mektep.kg", "overdue"),
        (due_a + timedelta(days=30), "head@school3.kg", "overdue_30_days"),
        (due_a + timedelta(days=30), "head@school3.kg", "overdue_30_days"),
        (due_a + timedelta(days=90), "roo@sokuluk.kg", "overdue_90_days"),
        (due_a + timedelta(days=90), "roo@sokuluk.kg", "overdue_90_days"),
        (due_c - timedelta(days=180), "nurgul@mektep.kg", "due_in_180_days"),
        (due_c - timedelta(days=60), "nurgul@mektep.kg", "due_in_60_days"),
        (due_c, "nurgul@mektep.kg", "overdue"),
        (due_c + timedelta(days=30), "head@school3.kg", "overdue_30_days"),
        (due_c + timedelta(days=90), "roo@sokuluk.kg", "overdue_90_days"),
    ]
    assert sorted(sent_on) == sorted(expected)
    assert not any(m["to"] == "bakyt@mektep.kg" for m in inbox.messages)  # departed
    kyrgyz = next(m for m in inbox.messages if m["to"] == "nurgul@mektep.kg")
    assert "Квалификацияны" in kyrgyz["subject"] and "Нургүл" in kyrgyz["text"]
    assert "<p>" in kyrgyz["html"]
    russian = next(m for m in inbox.messages if m["to"] == "aigul@mektep.kg")
    assert "Через полгода" in russian["subject"]

    # The decisions are events in the teacher's history and the auditors' log (whose
    # index is a view: it lists them once the views have caught up).
    from registry.queries import Queries

    open_worker(registry).catch_up()

    history = Queries(registry).teacher_history(_pin(1))
    decided = [e for e in history if e["type"] == "Reminder.Sent"]
    assert [e["data"]["kind"] for e in decided] == [
        "due_in_180_days",
        "due_in_60_days",
        "overdue",
        "overdue_30_days",
        "overdue_90_days",
    ]
    assert decided[3]["data"]["recipient_role"] == "school_head"
    log = Queries(registry).events(type="Reminder.Sent", limit=100)["events"]
    assert len(log) == len(expected)


def test_two_runs_at_once_send_each_notice_once(mailing, smtp):
    _, inbox = smtp
    _cohort(mailing)
    other = Registry(mailing.settings)
    day = date(2027, 9, 15)  # A overdue for 106 days: three notices; C's first
    errors: list[BaseException] = []

    def tick(app):
        try:
            reminders.run(app, day, now=NOW)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=tick, args=(app,)) for app in (mailing, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    assert errors == []
    kinds = sorted((m["to"], m["kind"]) for m in inbox.messages)
    assert kinds == sorted(
        [
            ("aigul@mektep.kg", "overdue"),
            ("head@school3.kg", "overdue_30_days"),
            ("nurgul@mektep.kg", "due_in_180_days"),
            ("roo@sokuluk.kg", "overdue_90_days"),
        ]
    )


def test_a_server_down_keeps_the_rows_and_they_go_once_it_is_back(mailing, smtp):
    controller, inbox = smtp
    registry = mailing
    _cohort(registry)
    controller.stop()
    day = date(2026, 12, 3)  # A's 180-day notice
    result = reminders.run(registry, day, now=NOW)
    assert [n["outcome"] for n in result["notices"]] == ["decided"]
    assert result["delivery"]["retry"] == 1 and inbox.messages == []
    assert mail.backlog(registry.db)["pending"] == 1
    # Before the backoff ends nothing is tried; after it, the row is sent once.
    controller.start()
    assert mail.deliver(registry.db, registry.settings, NOW + timedelta(seconds=10))["sent"] == 0
    later = NOW + timedelta(minutes=5)
    assert mail.deliver(registry.db, registry.settings, later)["sent"] == 1
    assert mail.deliver(registry.db, registry.settings, later + timedelta(hours=1))["sent"] == 0
    assert [m["kind"] for m in inbox.messages] == ["due_in_180_days"]
    assert mail.backlog(registry.db)["pending"] == 0
    with registry.db.reading() as cur:
        row = cur.query_one(f"SELECT state, attempts FROM {OUTBOX_TABLE}")
    assert row == ("sent", 2)


def test_an_unknown_outcome_is_never_sent_again(mailing, smtp):
    """A message claimed by a process that stopped mid-send is left for an operator."""
    _, inbox = smtp
    registry = mailing
    _cohort(registry)
    reminders.decide(registry, date(2026, 12, 3), now=NOW)
    rid = str(
        reminder_id(registry.teacher_id_for_pin(_pin(1)), "due_in_180_days", date(2027, 6, 1))
    )
    with registry.db.transaction() as cur:  # as a sender cut off after its claim leaves it
        cur.execute(
            f"UPDATE {OUTBOX_TABLE} SET state = 'sending', attempts = 1 WHERE id = ?", (rid,)
        )
    later = NOW + timedelta(hours=1)
    assert mail.deliver(registry.db, registry.settings, later)["sent"] == 0
    assert mail.backlog(registry.db)["unknown"] == 1 and inbox.messages == []


def test_dry_run_records_and_sends_nothing(mailing, smtp):
    _, inbox = smtp
    _cohort(mailing)
    result = reminders.run(mailing, date(2026, 12, 3), dry_run=True, now=NOW)
    assert [(n["kind"], n["recipient"], n["outcome"]) for n in result["notices"]] == [
        ("due_in_180_days", "aigul@mektep.kg", "would_send")
    ]
    assert inbox.messages == [] and mail.backlog(mailing.db)["pending"] == 0


def _cli(settings, smtp_port: int, *args: str):
    import subprocess
    import sys

    env = {
        "PATH": "/usr/bin:/bin",
        "REGISTRY_SECRET_KEY": settings.secret_key.decode(),
        "REGISTRY_INSTANCE_PATH": str(settings.instance_path),
        "REGISTRY_DATABASE_URL": settings.database_url,
        "REGISTRY_SMTP_HOST": "127.0.0.1",
        "REGISTRY_SMTP_PORT": str(smtp_port),
    }
    return subprocess.run(
        [sys.executable, "-m", "registry.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_the_command_line_prints_what_would_go_out_then_sends_it(mailing, smtp, settings):
    server, inbox = smtp
    _cohort(mailing)
    dry = _cli(settings, server.port, "reminders", "run", "--date", "2026-12-03", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would_send" in dry.stdout and "due_in_180_days" in dry.stdout
    assert "aigul@mektep.kg" in dry.stdout and inbox.messages == []
    sent = _cli(settings, server.port, "reminders", "run", "--date", "2026-12-03")
    assert sent.returncode == 0, sent.stderr
    assert "sent 1" in sent.stdout and len(inbox.messages) == 1
    again = _cli(settings, server.port, "reminders", "run", "--date", "2026-12-03")
    assert "already" in again.stdout and "sent 0" in again.stdout and len(inbox.messages) == 1
    bad = _cli(
        settings,
        server.port,
        "reminders",
        "contact",
        "--role",
        "school_head",
        "--district",
        "Sokuluk",
        "--school",
        "No. 5",
        "--name",
        "Head",
        "--email",
        "x@",
    )
    assert bad.returncode != 0 and "email" in (bad.stdout + bad.stderr)


def test_the_backlog_shows_on_readyz(mailing, smtp, settings):
    from tests.e2e.api_support import build_app

    server, _ = smtp
    _cohort(mailing)
    server.stop()
    reminders.run(mailing, date(2026, 12, 3), now=NOW)
    app = build_app(mailing.settings)
    try:
        body = app.test_client().get("/readyz").get_json()
    finally:
        app.extensions["registry"].close()
    assert body["checks"]["reminders"]["pending"] == 1
    assert body["checks"]["reminders"]["ok"] is True


def _failed_after_every_retry(registry, controller) -> datetime:
    """One letter decided while the mail server is down, refused at every delivery (each
    after the previous one's backoff) until it failed; the moment after the last try."""
    _cohort(registry)
    controller.stop()
    reminders.decide(registry, date(2026, 12, 3), now=NOW)
    moment = NOW
    for _ in range(mail.MAX_ATTEMPTS):
        mail.deliver(registry.db, registry.settings, moment)
        moment += timedelta(hours=7)
    return moment


def test_a_letter_failed_after_every_retry_is_tried_again_at_an_admins_request(mailing, smtp):
    from registry.access import Actor
    from registry.domain.errors import ForbiddenError

    controller, inbox = smtp
    registry = mailing
    moment = _failed_after_every_retry(registry, controller)
    assert mail.backlog(registry.db)["failed"] == 1
    assert mail.deliver(registry.db, registry.settings, moment)["retry"] == 0  # left alone
    [row] = mail.stuck(registry.db, ADMIN)
    assert row["state"] == "failed" and row["attempts"] == mail.MAX_ATTEMPTS
    assert row["kind"] == "due_in_180_days" and row["last_error"]
    auditor = Actor(name="audit", role="auditor")
    with pytest.raises(ForbiddenError):
        mail.stuck(registry.db, auditor)
    with pytest.raises(ForbiddenError):
        mail.retry(registry.db, auditor, row["id"], moment)
    assert mail.backlog(registry.db)["failed"] == 1

    assert mail.retry(registry.db, ADMIN, row["id"], moment) is True
    assert mail.retry(registry.db, ADMIN, row["id"], moment) is False  # already queued
    assert mail.stuck(registry.db, ADMIN) == []
    controller.start()
    assert mail.deliver(registry.db, registry.settings, moment)["sent"] == 1
    assert mail.deliver(registry.db, registry.settings, moment + timedelta(days=1))["sent"] == 0
    assert [m["kind"] for m in inbox.messages] == ["due_in_180_days"]
    assert mail.retry(registry.db, ADMIN, row["id"], moment) is False  # sent: never again


def test_without_an_smtp_host_letters_wait_untried_and_go_once_one_is_set(mailing, smtp):
    """A registry whose mail server is not configured yet loses no letter: nothing is
    tried (no attempt counted, however many runs), and all go out once a host is set."""
    _, inbox = smtp
    registry = mailing
    configured = registry.settings
    registry.settings = replace(configured, smtp_host="")
    _cohort(registry)
    reminders.decide(registry, date(2026, 12, 3), now=NOW)
    moment = NOW
    for _ in range(mail.MAX_ATTEMPTS + 2):
        assert mail.deliver(registry.db, registry.settings, moment) == {
            "sent": 0,
            "retry": 0,
            "failed": 0,
            "unknown": 0,
        }
        moment += timedelta(hours=7)
    assert mail.backlog(registry.db)["pending"] == 1 and mail.backlog(registry.db)["failed"] == 0
    registry.settings = configured
    assert mail.deliver(registry.db, registry.settings, moment)["sent"] == 1
    [letter] = inbox.messages
    assert letter["kind"] == "due_in_180_days"
    assert letter["date"] is not None  # RFC 5322 asks every message for its Date


def test_a_notice_recorded_as_reminder_decided_is_still_read(registry):
    """Notices were recorded as `Reminder.Decided` before the spec's `Reminder.Sent`
    name was taken (the same fields): such a stored event still loads as a notice, and
    the log lists it as the kind it is now called."""
    from uuid import uuid4

    from registry.domain.reminder import Reminder
    from registry.queries import Queries

    notice = Reminder.decide(uuid4(), "overdue", date(2025, 1, 1), date(2025, 1, 1))
    [stored] = [registry.mapper.to_stored_event(e) for e in notice.collect_events()]
    assert stored.topic.endswith(":Reminder.Sent")
    old = replace(stored, topic=stored.topic.replace("Reminder.Sent", "Reminder.Decided"))
    registry.recorder.insert_events([old])
    loaded = registry.repository.get(notice.id)
    assert (loaded.kind, loaded.recipient_role, loaded.due_date) == (
        "overdue",
        "teacher",
        date(2025, 1, 1),
    )
    open_worker(registry).catch_up()
    [event] = Queries(registry).events(type="Reminder.Sent", limit=10)["events"]
    assert event["data"]["kind"] == "overdue" and event["originator_id"] == str(notice.id)


def test_a_letter_set_aside_is_kept_never_sent_and_no_longer_stuck(mailing, smtp):
    from registry.access import Actor
    from registry.domain.errors import ForbiddenError
    from registry.queries.readiness import readiness

    controller, inbox = smtp
    registry = mailing
    moment = _failed_after_every_retry(registry, controller)
    [row] = mail.stuck(registry.db, ADMIN)
    check = readiness(registry)
    assert not check.ready and check.checks["reminders"]["failed"] == 1
    assert check.reasons == [check.checks["reminders"]["why"]]
    with pytest.raises(ForbiddenError):
        mail.set_aside(registry.db, Actor(name="audit", role="auditor"), row["id"])
    assert mail.set_aside(registry.db, ADMIN, row["id"]) is True
    assert mail.set_aside(registry.db, ADMIN, row["id"]) is False
    assert mail.retry(registry.db, ADMIN, row["id"], moment) is False  # set aside is final
    controller.start()
    assert mail.deliver(registry.db, registry.settings, moment + timedelta(days=1))["sent"] == 0
    assert inbox.messages == [] and mail.stuck(registry.db, ADMIN) == []
    assert readiness(registry).ready
    state = registry.db.query_one("SELECT state FROM reminder_outbox WHERE id = ?", (row["id"],))
    assert state == ("set_aside",)
