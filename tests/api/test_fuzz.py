"""Every operation of the OpenAPI document, fed generated requests: none gets a 500.

Bad input must come back as a clear 4xx naming what is wrong. schemathesis generates
requests from the document the API publishes (valid ones and ones that break its
constraints) and sends them through the Flask app, as an administrator of a fresh
province with the two-step process deployed. Hypothesis runs derandomized, so a run
tries the same requests every time.
"""
from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.api.helpers import TWO_STEPS, TWO_STEPS_FORMS

EXAMPLES = 15  # per operation and backend


def test_no_request_gets_a_server_error(world: Any) -> None:
    assert world.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", world.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20, [op.label for op in operations]
    headers = world.headers("admin")
    for operation in operations:
        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        run()
