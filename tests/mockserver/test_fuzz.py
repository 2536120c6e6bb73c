"""A bounded schemathesis run over every operation, in process: no answer may be a 500.

The app validates its own answers here, so a body that breaks the response schema fails too.
Marked slow (14 s of CPU): the default run's contract suite (contract_tests/test_stateless.py)
sends schemathesis cases to every operation in process too, with not_a_server_error and the
response-schema check among its checks; `pytest -m ""` and .ci/run run this one as well.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from mockserver.app import create_app
from mockserver.settings import Settings
from schemas import build_openapi

from .api import CREDENTIALS

pytestmark = pytest.mark.slow

schema = schemathesis.openapi.from_dict(build_openapi())
schema.app = create_app(Settings(clock="virtual", validate_responses=True, seed=3))
schema.config.update(headers={"X-Bkapi-Authorization": json.dumps(CREDENTIALS)})


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_makes_the_mock_fail(case):
    case.call_and_validate(checks=[not_a_server_error])
