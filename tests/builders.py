"""Valid example inputs for tests, so each test states only what it is about."""

from __future__ import annotations

from datetime import date
from typing import Any

from registry.commands.base import Actor, Session
from registry.domain.provider import Provider

ADMIN = Actor(name="admin", role="admin", account_id="admin")


def registrar(provider_code: str = "KAE") -> Actor:
    return Actor(
        name=f"registrar-{provider_code.lower()}",
        role="registrar",
        account_id=f"registrar-{provider_code}",
        provider_code=provider_code,
    )


PIN = "21505198512345"  # born 15.05.1985
OTHER_PIN = "10203199000011"  # born 02.03.1990


def teacher(**overrides: Any) -> dict[str, Any]:
    details = {
        "pin": PIN,
        "full_name": "Айгүл Асанова",
        "region": "KG-C",
        "district": "Sokuluk",
        "school": "School No. 3",
        "subject": "Mathematics",
        "position": "teacher",
        "service_start": date(2010, 9, 1),
    }
    details.update(overrides)
    return details


def programme(**overrides: Any) -> dict[str, Any]:
    details = {
        "provider_code": "KAE",
        "code": "MATH-72",
        "title": "Teaching mathematics",
        "form": "course",
        "mode": "full_time",
        "hours": 72,
        "assessment": "exam",
        "funding": "state",
        "starts_on": date(2024, 3, 1),
        "ends_on": date(2024, 3, 20),
    }
    details.update(overrides)
    return details


def provider(registry, code: str = "KAE", kind: str = "academy", region: str = "KG-GB"):
    return registry.register_provider(
        ADMIN, code=code, name=f"Provider {code}", kind=kind, region=region
    )


def certified_teacher(
    registry,
    number: str = "KAE-2024-0001",
    pin: str = PIN,
    issued_on: date = date(2024, 3, 21),
    **programme_overrides: Any,
):
    """A provider, a teacher and a programme, with the teacher enrolled, passed, certified."""
    if registry.teacher_id_for_pin(pin) is None:
        registry.register_teacher(ADMIN, teacher(pin=pin))
    code = programme_overrides.get("provider_code", "KAE")
    if Session(registry).find(Provider.id_for(code)) is None:
        provider(registry, code)
    prog = registry.register_programme(ADMIN, programme(**programme_overrides)).data
    enrolment = registry.enrol(ADMIN, prog["id"], pin).data
    registry.assess(ADMIN, enrolment["id"], passed=True, assessed_on=issued_on)
    certificate = registry.issue_certificate(
        ADMIN, enrolment["id"], number=number, issued_on=issued_on
    ).data
    return prog, enrolment, certificate


def store_malformed_transfer(registry, pin: str = PIN) -> None:
    """Store a transfer whose date is not a date, as an older version without today's
    rules could have: straight through the aggregate's event method. No view can apply
    it, on either engine (a poison event for the dead-letter tests)."""
    teacher_id = registry.repository.get(registry.keys.pin_index_id(pin)).teacher_id
    found = registry.repository.get(teacher_id)
    found._transferred(
        region="KG-GB", district="Leninsky", school="Lyceum 1", effective_on=20240901
    )
    registry.save(found)
