"""The named limits of text entering the registry: one place for the domain, the API's
schemas and the pages' forms, so a rule cannot say 200 in one and 500 in another."""

from __future__ import annotations

# The longest value of each text field, in characters (after NFC normalisation).
MAX_LENGTH: dict[str, int] = {
    "full_name": 200,
    "school": 200,
    "district": 100,
    "subject": 100,
    "position": 100,
    "name": 200,  # a provider's name
    "title": 300,  # a programme's or a legacy certificate's title
    "topic": 300,  # a training need's topic
    "reason": 500,  # suspensions, departures, withdrawals, revocations, corrections
    "code": 40,
    "number": 64,  # a certificate number
    "pin": 14,
    "account_name": 64,
}

# Free text that may span lines: newline and tab are kept there (and nowhere else).
MULTILINE = frozenset({"title", "reason"})


def max_length(field: str) -> int:
    """The limit of a field, by its name (the last part of a dotted or suffixed name)."""
    if field in MAX_LENGTH:
        return MAX_LENGTH[field]
    for name, limit in MAX_LENGTH.items():
        if field.endswith(f"_{name}"):
            return limit
    return MAX_LENGTH["name"]
