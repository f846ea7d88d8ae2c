"""Fuzzing of the writes (every method but GET): see tests/e2e/fuzz/support.py."""

from __future__ import annotations

import pytest
import schemathesis

from tests.e2e.fuzz.support import FUZZING, send_to_every_target

schema = schemathesis.pytest.from_fixture("published_schema").exclude(method="GET")


@pytest.mark.postgres
@schema.parametrize()
@FUZZING
def test_no_request_gets_a_server_error_or_an_undocumented_answer_or_writes_when_refused(
    case, targets
):
    send_to_every_target(case, targets)
