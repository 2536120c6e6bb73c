"""Stateful conformance: schemathesis's state machine over the OpenAPI links, judged per answer.

The links of the operation table (create_task -> start_task, operate_task, get_task_status)
drive the scenarios. Every answer gets the stateless checks plus the lifecycle invariants of
`lifecycle.TaskWatch`; at the end of a scenario query_task_count must have moved by exactly
the tasks it created. Against a mock with a control API the virtual clock moves before each
status read, so tasks progress; a real deployment moves on its own.
"""

from __future__ import annotations

from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase
from schemathesis import Response

from schemas import OPERATIONS, operation

from .client import ContractClient
from .exchange import NAME_PREFIX, ContractFailure, judge_case, operation_of
from .generation import STATEFUL_STEPS
from .lifecycle import TaskWatch, count_disagreement, status_counts
from .report import Recorder

TEST = "stateful"
# Virtual seconds the mock's clock moves before each status read.
STEP_SECONDS = 30


def linked_operations() -> list[str]:
    """Operations that start or end an OpenAPI link: the state machine's playground."""
    names = {op.name for op in OPERATIONS if op.links}
    names |= {link.operation for op in OPERATIONS for link in op.links}
    return sorted(names)


def task_counts(client: ContractClient) -> tuple[dict[str, int] | None, str]:
    """The project's task counts by status, narrowed to the suite's tasks, and the curl of it.

    None when the target cannot count (the API gateway does not publish query_task_count).
    """
    if client.target.family == "gateway" and not operation("query_task_count").on_gateway:
        return None, ""
    exchange = client.call(
        "query_task_count",
        params={"group_by": "status", "conditions": {"name__startswith": NAME_PREFIX}},
    )
    return status_counts(exchange.body()), exchange.curl()


def settle_starts(client: ContractClient) -> None:
    """Run the starts earlier tests queued, on a virtual clock (until idle), before counting."""
    if client.virtual_clock():
        client.run_until_idle()


def earlier_starts(client: ContractClient, before: dict[str, int] | None) -> int:
    """How many tasks counted CREATED in `before` may start while a run counts: a start that
    earlier tests queued runs when the worker gets to it. After `settle_starts` on a virtual
    clock none; elsewhere any earlier CREATED task may start."""
    return 0 if client.virtual_clock() else (before or {}).get("CREATED", 0)


def run_workflow(
    schema: Any, client: ContractClient, recorder: Recorder, seed: int, scenarios: int
) -> None:
    """Run `scenarios` state-machine scenarios against the client's target."""
    # Only a virtual clock is moved (a queued start then runs as a worker would run it).
    moves_clock = client.virtual_clock()

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            self.watch = TaskWatch()
            settle_starts(client)
            self.before, _ = task_counts(client)
            self.carried = earlier_starts(client, self.before)

        def before_call(self, case: Any) -> None:
            op = operation_of(case)
            if op.name == "get_task_status" and moves_clock:
                client.advance(STEP_SECONDS)

        def call(self, case: Any, **kwargs: Any) -> Any:
            self.judged = judge_case(client, case)
            return Response.from_any(self.judged.exchange.response)

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            judged = self.judged
            op = operation_of(case)
            recorder.case(TEST, op.name, judged.exchange.fingerprint())
            failures = list(judged.failures)
            params = judged.wire.params
            if judged.exchange.status == 200 and params is not None:
                failures += self.watch.observe(op.name, params, params, judged.exchange.body())
            if failures:
                curl = judged.exchange.curl()
                recorder.fail(TEST, op.name, failures[0].check, failures[0].message, curl)
                raise ContractFailure(failures[0], curl)

        def teardown(self) -> None:
            after, curl = task_counts(client)
            if self.before is None or after is None:
                return
            message = count_disagreement(self.before, after, self.watch, self.carried)
            if message:
                recorder.case(TEST, "query_task_count")
                recorder.fail(TEST, "query_task_count", "task_count_agrees", message, curl)
                raise AssertionError(f"task_count_agrees: {message}\n\n{curl}")

    settings = hypothesis.settings(
        max_examples=scenarios,
        stateful_step_count=STATEFUL_STEPS,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    hypothesis.seed(seed)(Workflow)
    Workflow.run(settings=settings)
