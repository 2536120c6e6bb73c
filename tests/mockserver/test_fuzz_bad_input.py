"""Bad input over every operation and every control route (tests/mockserver/badinput.py says
what is sent and checked): no 5xx, and a refused call changes no state. The default run tries
a few hundred cases; `python bench/fuzz_bad_input.py --cases 10000` runs the long one."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from schemas.operations import OPERATIONS

from .badinput import CONTROL_TABLE, Call, Harness, calls, control_calls, operation_calls


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    made = Harness()
    yield made
    made.close()


FUZZ = settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def test_no_bad_input_fails_the_mock_or_changes_state_when_refused(harness):
    @FUZZ
    @given(call=calls(harness.baseline))
    def one(call: Call) -> None:
        harness.check(call)

    one()
    assert harness.cases >= 300 and harness.refused > harness.cases // 2


class _AllDrawn(Exception):
    """Raised by the draw that completes both sets: Hypothesis stops the search there."""


def test_the_strategies_reach_every_operation_and_control_route(harness):
    """The fuzz is only as wide as what it can draw: every operation and route is drawn within
    1,500 draws (about 800 are needed; the search ends at the one that completes both sets)."""
    want_ops = {op.name for op in OPERATIONS}
    want_routes = {path.split("/")[2] for path, _ in CONTROL_TABLE}
    seen_ops: set[str] = set()
    seen_routes: set[str] = set()

    @settings(max_examples=1500, derandomize=True, database=None, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(op=operation_calls(), control=control_calls(harness.baseline))
    def draw(op: Call, control: Call) -> None:
        seen_ops.add(op.kind)
        seen_routes.add(control.path.split("/")[2])
        if seen_ops == want_ops and seen_routes == want_routes:
            raise _AllDrawn

    with contextlib.suppress(_AllDrawn):
        draw()
    assert seen_ops == want_ops
    assert seen_routes == want_routes
