"""The auditors' event log read both ways, jumped into, filtered by teacher, provider and
account through the event index, counted, and exported a chunk at a time."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from registry.domain.account import Account
from registry.domain.clock import frozen_at
from registry.domain.errors import InvalidInputError, NotFoundError
from registry.queries import eventlog
from tests.builders import ADMIN, OTHER_PIN, PIN, certified_teacher, provider, registrar, teacher
from tests.readside import at, caught_up


@pytest.fixture
def registry(settings):
    """Initialised before the week below, as a real registry is before what it records
    (a jump to a moment takes recorded times to grow along the log)."""
    from registry.application import Registry
    from registry.bootstrap import initialise

    with frozen_at(at(-10)):
        initialise(settings)
    app = Registry(settings)
    yield app
    app.close()


def a_week(registry) -> None:
    """Two providers, two teachers, a certificate and a revocation, an account, a policy:
    one save a day, by three accounts."""
    with frozen_at(at(0)):
        provider(registry, "KAE")
        provider(registry, "OSH", kind="oblast_institute", region="KG-O")
    with frozen_at(at(24)):
        registry.register_teacher(ADMIN, teacher())
    with frozen_at(at(48)):
        registry.register_teacher(
            registrar("OSH"), teacher(pin=OTHER_PIN, region="KG-O", district="Kara-Suu")
        )
    with frozen_at(at(72)):
        certified_teacher(registry)  # KAE's programme, enrolment and certificate for PIN
    with frozen_at(at(96)):
        registry.revoke_certificate(registrar("KAE"), "KAE-2024-0001", reason="wrong hours")
    with frozen_at(at(120)):
        registry.create_account(
            ADMIN, name="osh-clerk", role="registrar", provider_code="OSH", password="x" * 12
        )
    with frozen_at(at(144)):
        registry.adopt_policy(
            ADMIN, effective_from=date(2026, 1, 1), window_years=1, required_hours=24
        )


def every(queries, **arguments) -> list[dict]:
    """Every event a query lists, page after page of two."""
    order = arguments.get("order", "asc")
    cursor = "after" if order == "asc" else "before"
    found, page = [], queries.events(limit=2, **arguments)
    while True:
        found += page["events"]
        if not page["more"]:
            return found
        arguments = {k: v for k, v in arguments.items() if k not in ("position", "at")}
        page = queries.events(limit=2, **{**arguments, cursor: page["next"]})


def positions(events: list[dict]) -> list[int]:
    return [e["position"] for e in events]


def test_the_log_reads_newest_first_as_it_reads_oldest_first_reversed(registry):
    a_week(registry)
    queries = caught_up(registry)
    head = registry.max_position()
    assert positions(every(queries)) == list(range(1, head + 1))
    assert positions(every(queries, order="desc")) == list(range(head, 0, -1))
    first = queries.events(order="desc", limit=3)
    assert positions(first["events"]) == [head, head - 1, head - 2]
    assert first["next"] == head - 2 and first["more"] is True
    assert queries.events(order="desc", before=1)["events"] == []


def test_a_page_starts_at_a_position_either_way(registry):
    a_week(registry)
    queries = caught_up(registry)
    assert positions(queries.events(position=5, limit=3)["events"]) == [5, 6, 7]
    assert positions(queries.events(position=5, limit=3, order="desc")["events"]) == [5, 4, 3]


def test_a_page_starts_at_a_recorded_moment_either_way(registry):
    a_week(registry)
    queries = caught_up(registry)
    log = every(queries)
    on_day_three = [e for e in log if e["recorded_at"] == at(48)]
    oldest_first = queries.events(at=at(48), limit=1)["events"]
    assert oldest_first == on_day_three[:1]
    # Newest first from a moment: the last event recorded at or before it.
    newest_first = queries.events(at=at(48) + timedelta(hours=1), order="desc", limit=1)
    assert newest_first["events"] == on_day_three[-1:]
    before_anything = queries.events(at=at(-11), order="desc")
    assert before_anything["events"] == [] and before_anything["more"] is False


def test_the_teachers_events_are_their_record_pin_entries_enrolments_and_certificates(registry):
    a_week(registry)
    queries = caught_up(registry)
    found = every(queries, pin=PIN)
    assert found == queries.teacher_history(PIN)
    assert {e["type"] for e in found} >= {
        "Teacher.Registered",
        "PinIndex.Created",
        "Enrolment.Enrolled",
        "Enrolment.CertificateRevoked",
        "Certificate.Issued",
        "Certificate.Revoked",
    }
    assert all(e["data"].get("pin") != OTHER_PIN for e in found)


def test_a_providers_events_are_its_records_and_what_its_registrars_recorded(registry):
    a_week(registry)
    queries = caught_up(registry)
    osh = {e["type"] for e in every(queries, provider="OSH")}
    # Its registration, the teacher its registrar registered, its clerk's account.
    assert osh == {
        "Provider.Registered",
        "Teacher.Registered",
        "PinIndex.Created",
        "Account.Created",
    }
    kae = every(queries, provider="KAE")
    assert {e["type"] for e in kae} >= {
        "Provider.Registered",
        "Programme.Registered",
        "Enrolment.Enrolled",
        "Enrolment.Assessed",
        "Certificate.Issued",
        "Certificate.Revoked",  # no provider code in it: its certificate's
    }
    assert not {e["position"] for e in kae} & {e["position"] for e in every(queries, pin=OTHER_PIN)}


def test_an_accounts_events_are_found_by_its_name_or_its_id(registry):
    a_week(registry)
    queries = caught_up(registry)
    by_name = every(queries, actor="registrar-kae")
    assert [e["type"] for e in by_name] == ["Certificate.Revoked", "Enrolment.CertificateRevoked"]
    clerk = Account.id_for("osh-clerk")
    assert every(queries, actor="osh-clerk") == []
    created = every(queries, type="Account.Created")
    assert created[0]["originator_id"] == str(clerk)
    assert every(queries, actor="admin", type="Account") == created
    assert queries.events(actor=str(Account.id_for("admin")))["events"] == []  # never an account


def test_filters_combine_and_the_total_counts_every_match_whatever_the_page(registry):
    a_week(registry)
    queries = caught_up(registry)
    head = registry.max_position()
    assert queries.events(limit=1, with_total=True)["total"] == head
    revoked = queries.events(limit=1, type="Certificate", pin=PIN, with_total=True)
    assert revoked["total"] == 2 and revoked["total_exact"] is True
    assert positions(every(queries, type="Certificate", pin=PIN)) == positions(
        [e for e in queries.teacher_history(PIN) if e["type"].startswith("Certificate.")]
    )
    later = queries.events(after=head - 1, type="Certificate", pin=PIN, with_total=True)
    assert later["events"] == [] and later["total"] == 2
    window = queries.events(recorded_from=at(24), recorded_to=at(48), with_total=True)
    assert {e["recorded_at"] for e in window["events"]} == {at(24), at(48)}
    assert window["total"] == len(window["events"])


def test_every_total_is_the_number_of_events_listed(registry):
    a_week(registry)
    queries = caught_up(registry)
    for filters in (
        {},
        {"type": "Certificate.Issued"},
        {"type": "Teacher"},
        {"actor": "admin"},
        {"actor": "registrar-osh", "type": "Teacher.Registered"},
        {"provider": "KAE"},
        {"provider": "KAE", "type": "Enrolment"},
        {"provider": "OSH", "actor": "registrar-osh"},
        {"pin": PIN, "type": "Certificate"},
        {"recorded_from": at(24), "recorded_to": at(100), "provider": "KAE"},
    ):
        counted = queries.events(with_total=True, **filters)
        assert (counted["total"], counted["total_exact"]) == (len(every(queries, **filters)), True)


def test_a_count_beyond_its_bound_says_so(registry, monkeypatch):
    a_week(registry)
    queries = caught_up(registry)
    monkeypatch.setattr(eventlog, "COUNT_LIMIT", 3)
    counted = queries.events(recorded_from=at(0), with_total=True)
    assert (counted["total"], counted["total_exact"]) == (3, False)
    assert queries.events(with_total=True)["total"] == registry.max_position()  # summed


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_an_export_is_the_pages_one_after_another(registry, order):
    a_week(registry)
    queries = caught_up(registry)
    for filters in ({}, {"pin": PIN}, {"provider": "KAE", "type": "Certificate"}):
        exported = queries.export_events(order=order, **filters)
        assert list(exported) == every(queries, order=order, **filters)
    middle = list(queries.export_events(order=order, after=3, before=9))
    assert sorted(positions(middle)) == list(range(4, 9))


def test_an_export_reads_a_chunk_at_a_time_and_ends_where_the_log_stood(registry, monkeypatch):
    a_week(registry)
    queries = caught_up(registry)
    monkeypatch.setattr(eventlog, "EXPORT_CHUNK", 4)
    head = registry.max_position()
    exported = queries.export_events()
    first = [next(exported) for _ in range(5)]
    registry.register_teacher(ADMIN, teacher(pin="20101198800003"))  # while it runs
    caught_up(registry)
    rest = list(exported)
    assert positions(first + rest) == list(range(1, head + 1))


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"order": "sideways"}, "order"),
        ({"position": 3, "after": 2}, "position"),
        ({"position": 3, "at": at(1)}, "at"),
        ({"before": -1}, "before"),
        ({"pin": "123"}, "pin"),
        ({"provider": "K A E"}, "provider"),
        ({"actor": "Robert'); DROP TABLE"}, "actor"),
        ({"type": "DROP TABLE"}, "type"),
        ({"originator_id": "nope"}, "originator_id"),
        ({"recorded_from": at(1).replace(tzinfo=None)}, "recorded_from"),
    ],
)
def test_bad_log_requests_are_refused_naming_the_field(registry, bad, field):
    queries = caught_up(registry)
    with pytest.raises(InvalidInputError) as refused:
        queries.events(**bad)
    assert list(refused.value.fields) == [field]
    with pytest.raises(InvalidInputError):
        queries.export_events(**bad)


def test_a_pin_nobody_has_is_not_found(registry):
    queries = caught_up(registry)
    with pytest.raises(NotFoundError):
        queries.events(pin=OTHER_PIN)


def test_every_stored_event_type_is_indexed(registry):
    from tests.integration.test_storage_library import every_kind_of_event, stored_event_types

    every_kind_of_event(registry)
    queries = caught_up(registry)
    listed = every(queries)
    assert positions(listed) == list(range(1, registry.max_position() + 1))
    assert {e["type"] for e in listed} >= stored_event_types()
    for kind in stored_event_types():
        assert queries.events(type=kind, with_total=True)["total"] >= 1, kind


def test_a_moment_is_found_in_a_long_log_as_reading_it_all_would_find_it(registry):
    with registry.batch(ADMIN, size=500) as batch:
        for serial in range(150):  # 300 events, an hour apart two by two
            with frozen_at(at(serial)):
                registry.register_teacher(ADMIN, teacher(pin=f"215051985{serial:05d}"))
            batch.step()
    queries = caught_up(registry)
    log = every(queries)
    found = eventlog.EventLogQueries(registry)
    for hours in (-1, 0, 0.5, 1, 17.25, 64, 99.9, 149, 150, 400):
        moment = at(0) + timedelta(hours=hours)
        earlier = [e["position"] for e in log if e["recorded_at"] < moment]
        assert found.position_before(moment) == max(earlier, default=0), hours
