"""The real-engine runner does what bamboo-engine does, and the comparison notices differences."""

import dataclasses

import pytest

from enginediff import simside
from enginediff.compare import engine_difference, first_difference
from enginediff.gentree import build
from enginediff.kinds import KINDS
from enginediff.run import run_both
from enginediff.scenario import Action, Behaviour, Scenario
from enginediff.trace import ROOT
from enginediff.trees import activity_ids

from .conftest import needs_engine

pytestmark = needs_engine
TREE = build([("act",), ("par", [[("act",)], [("act",)]]), ("act",)])
ACTS = activity_ids(TREE)


def det(scenario):
    from enginediff.real.runner import DeterministicRun

    return DeterministicRun(scenario).run()


def test_a_retry_goes_through_ready_with_the_retry_count_raised():
    scenario = Scenario(
        "retry",
        TREE,
        {ACTS[0]: Behaviour(kind="fail", fail_times=1)},
        (Action(0, "start"), Action(2, "retry", ACTS[0], inputs={"note": "again"})),
        horizon=4,
    )
    trace = det(scenario)
    assert trace.transitions[ACTS[0]] == ["RUNNING", "FAILED", "READY", "RUNNING", "FINISHED"]
    assert trace.final[ACTS[0]] == ("FINISHED", 1, 1, False, False)
    assert trace.final[ROOT][0] == "FINISHED"


def test_revoke_leaves_a_polling_node_running_to_its_end_and_starts_nothing_after_it():
    scenario = Scenario(
        "revoke", TREE, {ACTS[0]: Behaviour(kind="poll", polls=3)},
        (Action(0, "start"), Action(1, "revoke")), horizon=8,
    )  # fmt: skip
    trace = det(scenario)
    assert trace.transitions[ROOT] == ["RUNNING", "REVOKED"]
    assert trace.final[ACTS[0]][0] == "FINISHED"  # still polled after the revoke
    assert all(a not in trace.final for a in ACTS[1:])


def test_an_exclusive_gateway_without_a_hit_fails_and_skip_exg_takes_the_given_flow():
    tree = build([("exg", [[("act",)], [("act",)]], -1)])
    gw = next(iter(tree["gateways"].values()))
    flow = sorted(gw["conditions"])[1]
    scenario = Scenario(
        "exg", tree, actions=(Action(0, "start"), Action(2, "skip_exg", gw["id"], flow)),
        horizon=4,
    )  # fmt: skip
    trace = det(scenario)
    assert trace.transitions[gw["id"]] == ["RUNNING", "FAILED", "FINISHED"]
    assert trace.final[gw["id"]] == ("FINISHED", 1, 0, True, False)
    taken = tree["flows"][flow]["target"]
    assert taken in trace.final and len([a for a in activity_ids(tree) if a in trace.final]) == 1


def test_the_comparison_reports_a_planted_difference(monkeypatch):
    # a simulator whose poll nodes take one interval longer than bamboo's
    original = simside.sim_behaviour

    def slower(spec):
        made = original(spec)
        return (
            dataclasses.replace(made, duration=made.duration + 2) if spec.kind == "poll" else made
        )

    monkeypatch.setattr(simside, "sim_behaviour", slower)
    outcome = run_both(kind("poll", 30))
    assert outcome.failed and outcome.difference is not None
    assert outcome.difference.startswith("engine: node")
    assert "real FINISHED@t=4 vs simulator FINISHED@t=6" in outcome.difference


def test_engine_and_api_levels_are_told_apart():
    scenario = kind("fail", 30)
    real, sim = det(scenario), simside.SimRun(scenario).run()
    assert first_difference(real, sim) is None
    sim.api["children"][next(iter(sim.api["children"]))]["name"] = "renamed"
    assert engine_difference(real, sim) is None
    found = first_difference(real, sim)
    assert found is not None and found.startswith("api: get_task_status /children/")


def kind(name, template_id):
    made = KINDS[name](template_id, _template(template_id))
    assert made is not None
    return made


def _template(template_id):
    from enginediff.trees import fixture_templates

    return next(tree for tid, _, tree in fixture_templates() if tid == template_id)


@pytest.mark.parametrize("name", ["callback_not_ok", "revoke_callback"])
def test_the_known_deviations_are_named_not_hidden(name):
    outcome = run_both(kind(name, 31))
    assert outcome.difference is not None and outcome.deviation is not None
    assert outcome.verdict.startswith("deviation: ")


def test_a_callback_to_a_polled_node_is_the_known_deviation_not_a_failure():
    tree = build([("act",), ("act",)])
    first = activity_ids(tree)[0]
    scenario = Scenario(
        "callback-on-poll",
        tree,
        {first: Behaviour(kind="poll", polls=2)},
        (Action(0, "start"), Action(0, "callback", first)),
        horizon=4,
    )
    outcome = run_both(scenario)
    assert outcome.real.results[1] == (f"t=0 callback {first[:8]} ok", True)  # bamboo accepts
    assert outcome.sim.results[1][1] is True  # and so does the simulator
    # bamboo's extra schedule() call is the second poll: the node finishes at once
    assert outcome.real.sequences()[first][-1] == (
        "t=0 callback " + first[:8] + " ok",
        ("FINISHED", 1, 0, False, False),
    )
    assert outcome.deviation is not None and outcome.deviation.key == "callback-on-polled-node"


def test_a_retry_of_a_gateway_is_refused_as_bk_sops_refuses_it():
    # bk-sops's retry reads the node's Data first; a gateway has none (found by the search)
    tree = build([("exg", [[("act",)], [("act",)]], -1)])
    gw = next(iter(tree["gateways"].values()))["id"]
    scenario = Scenario("retry-gw", tree, actions=(Action(0, "start"), Action(1, "retry", gw)))
    outcome = run_both(scenario)
    assert outcome.real.final[gw][0] == "FAILED"
    assert outcome.real.results[1][1] is False and outcome.difference is None
