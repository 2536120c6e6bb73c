"""Stateless conformance of every operation: schemathesis cases, judged as bk-sops answers.

Each case is checked for server errors, status code, content type, response schema, the bk-sops
envelope (result/code/message, trace id header) and the handling of its input: invalid input is
refused the bk-sops way (HTTP 200, result false, 3540000/3540400), valid input never is.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from .client import ContractClient
from .exchange import ContractFailure, judge_case, operation_of
from .report import Recorder

read_only = schemathesis.pytest.from_fixture("read_only_schema")
mutating = schemathesis.pytest.from_fixture("mutating_schema")


def run_case(test: str, case: Any, client: ContractClient, recorder: Recorder) -> None:
    op = operation_of(case)
    judged = judge_case(client, case)
    recorder.case(test, op.name, judged.exchange.fingerprint())
    if judged.failures:
        first = judged.failures[0]
        curl = judged.exchange.curl()
        recorder.fail(test, op.name, first.check, first.message, curl)
        raise ContractFailure(first, curl)


@read_only.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None)
def test_read_only_operation(case, aimed_client, contract_recorder):
    run_case("stateless", case, aimed_client, contract_recorder)


@pytest.mark.destructive
@mutating.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None)
def test_mutating_operation(case, aimed_client, contract_recorder):
    run_case("stateless", case, aimed_client, contract_recorder)
