"""A bounded schemathesis run over every control call, from the generated control document.

In process, with the app checking its own answers: no call may answer 500, every answer must
fit the document, and a refused call must be a 4xx in the control error shape.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from mockserver.app import create_app
from mockserver.control.document import build_document
from mockserver.settings import Settings

schema = schemathesis.openapi.from_dict(build_document())
schema.app = create_app(Settings(clock="virtual", validate_responses=True, seed=3))


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=12,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_control_input_makes_the_mock_fail(case):
    case.call_and_validate(
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance]
    )
