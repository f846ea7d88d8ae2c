"""The commands' rules on the in-memory engine, in a few seconds.

The scenarios are the engine tests' own, imported: tests/integration/test_teacher_rules.py,
test_programme_rules.py, test_certificate_rules.py, test_command_guarantees.py and
test_idempotency_races.py, so each rule is written once. Here `registry` is a registry on
the library's in-memory store (POPO) with our own tables in an in-memory SQLite database
(registry/storage/popo.py); the engine modules run the same scenarios on a real SQLite
file and a real PostgreSQL database.
"""

from pathlib import Path

import pytest

from tests.integration.test_certificate_rules import *
from tests.integration.test_command_guarantees import *
from tests.integration.test_idempotency_races import *
from tests.integration.test_programme_rules import *
from tests.integration.test_teacher_rules import *
from tests.integration.test_teacher_rules import (  # named here to be left out below
    test_a_correction_stored_before_effective_on_existed_is_upcast_on_reading,
)

# It reads the stored rows with SQL (EventLog.about), which needs the events in a table.
del test_a_correction_stored_before_effective_on_existed_is_upcast_on_reading


@pytest.fixture
def registry(memory_registry):
    return memory_registry


def test_each_in_memory_registry_is_its_own_and_says_what_needs_a_real_database(registry):
    from registry.application import Registry
    from tests.conftest import make_settings

    start = registry.max_position()
    registry.register_teacher(ADMIN, teacher())
    other = Registry(make_settings("memory:", Path("/nonexistent/instance")))
    try:
        assert other.max_position() is None and registry.max_position() == start + 2
    finally:
        other.close()
    with pytest.raises(NotImplementedError, match="views, queries, the ledger"):
        registry.db.events_table  # noqa: B018  (the property refuses)
