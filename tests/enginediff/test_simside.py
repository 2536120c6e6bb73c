"""The simulator runner on its own: what it records (no real engine needed)."""

from enginediff.gentree import build
from enginediff.scenario import Action, Behaviour, Scenario
from enginediff.simside import SimRun
from enginediff.trace import ROOT
from enginediff.trees import activity_ids

TREE = build([("act",), ("act",)])
A, B = activity_ids(TREE)


def run(behaviours, *actions, horizon=10):
    return SimRun(Scenario("s", TREE, behaviours, (Action(0, "start"), *actions), horizon)).run()


def test_a_failed_node_and_a_retry_show_in_the_sequences_and_the_status_tree():
    trace = run({A: Behaviour(kind="fail", fail_times=1)}, Action(3, "retry", A))
    seq = trace.sequences()
    assert [row for _, row in seq[A]] == [
        ("FAILED", 1, 0, False, False),
        ("FINISHED", 1, 1, False, False),
    ]
    assert seq[ROOT] == [
        ("t=0 start", ("FAILED", 1, 0, False, False)),
        (f"t=3 retry {A[:8]}", ("FINISHED", 1, 0, False, False)),
    ]
    assert B not in [n for n, _ in trace.samples[0][1].items()]
    assert trace.results == [("t=0 start", True), (f"t=3 retry {A[:8]}", True)]
    assert trace.api["state"] == "FINISHED" and trace.api["children"][A]["retry"] == 1


def test_a_refused_action_is_recorded_as_refused():
    trace = run({}, Action(2, "skip", A))  # A finished: nothing to skip
    assert trace.results[-1] == (f"t=2 skip {A[:8]}", False)


def test_a_poll_node_runs_for_its_polls_and_pause_stops_the_next_node():
    trace = run({A: Behaviour(kind="poll", polls=3)}, Action(1, "pause"), horizon=8)
    at = dict(trace.samples)
    assert at["t=3"][A][0] == "RUNNING" and at["t=4"][A][0] == "FINISHED"
    assert B not in at["t=8"] and at["t=8"][ROOT][0] == "SUSPENDED"
