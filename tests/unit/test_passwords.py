"""Password hashes: production's cost, and hashes checked whatever cost made them."""

from pathlib import Path

from argon2 import PasswordHasher

from registry.commands.passwords import Passwords
from registry.settings import Settings
from tests.conftest import CHEAP_PASSWORDS, make_settings

HERE = Path("/nonexistent")


def test_production_hashes_at_argon2s_default_cost_and_only_the_tests_lower_it():
    production = Settings(database_url="sqlite:///x.db", instance_path=HERE, secret_key=b"s")
    default = PasswordHasher()  # RFC 9106's low-memory profile (docs/reliability.md)
    assert (
        Passwords(production)
        .hash("correct-horse-7")
        .startswith(
            f"$argon2id$v=19$m={default.memory_cost},t={default.time_cost},p={default.parallelism}$"
        )
    )
    assert Settings.from_env({"REGISTRY_SECRET_KEY": "s"}).argon2_memory_kib == 65_536
    cheap = make_settings("sqlite:///x.db", HERE)
    assert (
        Passwords(cheap)
        .hash("correct-horse-7")
        .startswith(
            "$argon2id$v=19$m={argon2_memory_kib},t={argon2_time_cost},p={argon2_parallelism}$".format(
                **CHEAP_PASSWORDS
            )
        )
    )


def test_a_stored_hash_is_checked_at_the_cost_it_was_made_with():
    cheap = Passwords(make_settings("sqlite:///x.db", HERE))
    production = Passwords(
        Settings(database_url="sqlite:///x.db", instance_path=HERE, secret_key=b"s")
    )
    made_cheaply, made_dearly = cheap.hash("correct-horse-7"), production.hash("correct-horse-7")
    assert cheap.matches(made_dearly, "correct-horse-7")
    assert production.matches(made_cheaply, "correct-horse-7")
    assert not production.matches(made_cheaply, "correct-horse-8")
    assert not cheap.matches(None, "correct-horse-7")  # no hash: a stand-in is checked, refused
