"""Every fixture template x every scenario kind, real engine (deterministic mode) vs simulator."""

import pytest

from enginediff.cli import fixture_scenarios
from enginediff.run import run_both
from enginediff.trace import ROOT

from .conftest import needs_engine

SCENARIOS = fixture_scenarios()
pytestmark = needs_engine


@pytest.mark.parametrize(
    "scenario", SCENARIOS, ids=[f"{s.template_id}-{s.name}" for s in SCENARIOS]
)
def test_the_simulator_runs_the_scenario_as_bamboo_engine_does(scenario):
    outcome = run_both(scenario)
    assert not outcome.failed, outcome.difference
    # both sides really ran: the root got a state and every action got an answer
    assert ROOT in outcome.real.final and ROOT in outcome.sim.final
    assert len(outcome.real.results) == len(scenario.actions)
    # the kind's target activity really ran on the real engine
    for node, behaviour in scenario.behaviours.items():
        assert node in outcome.real.final, (node, behaviour)
        if behaviour.kind == "fail" and not behaviour.fail_times and scenario.name == "fail":
            assert outcome.real.final[node][0] == ("FINISHED" if behaviour.ignorable else "FAILED")
