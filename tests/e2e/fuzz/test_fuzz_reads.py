"""Fuzzing of the reads (GET): see tests/e2e/fuzz/support.py."""

from __future__ import annotations

import schemathesis

from tests.e2e.fuzz.support import fuzzing_test

test_no_request_gets_a_server_error_or_an_undocumented_answer_or_writes_when_refused = fuzzing_test(
    schemathesis.pytest.from_fixture("published_schema").include(method="GET")
)
