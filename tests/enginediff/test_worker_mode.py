"""Worker mode (a real Celery worker and redis-server) agrees with the deterministic mode."""

import shutil

import pytest

from enginediff.cli import worker_scenarios
from enginediff.compare import writes_difference

from .conftest import needs_engine

pytestmark = [
    needs_engine,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed"),
]


def test_the_worker_subset_agrees_with_the_deterministic_mode():
    from enginediff.real.runner import DeterministicRun
    from enginediff.real.worker import run_worker

    scenarios = worker_scenarios()
    assert len(scenarios) >= 4
    traces = run_worker(scenarios)
    for scenario, worker in zip(scenarios, traces, strict=True):
        assert worker.transitions, scenario.name  # the worker really wrote states
        deterministic = DeterministicRun(scenario).run()
        assert writes_difference(worker, deterministic) is None, scenario.name
