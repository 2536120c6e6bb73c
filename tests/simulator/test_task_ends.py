"""Task ends: what bk-sops's signal handlers turn into callback_url webhooks, with the clock
reading of each (a node failure, the pipeline finishing, the pipeline revoked)."""

from datetime import UTC, timedelta

from simulator import Engine, TaskEnd

from .builders import T0, Run, Tree, linear

FAIL = {"outcome": "fail", "duration": 2, "ex_data": "boom"}
FAIL_ONCE = {"outcome": "fail_then_succeed", "fail_times": 1, "duration": 2, "ex_data": "boom"}


def _watched(run: Run) -> Run:
    run.engine.task_ends.keep = True
    return run


def test_nothing_is_kept_unless_asked():
    run = Run(linear("a")).start().wait(10)
    assert run.state == "FINISHED"
    assert run.engine.take_task_ends() == []


def test_a_finish_at_its_clock_reading():
    run = _watched(Run(linear("a", "b")))
    run.start().wait(3)
    assert run.engine.take_task_ends() == []
    run.wait(100)  # the pipeline finished at 10 s, read later
    (end,) = run.engine.take_task_ends()
    assert end == TaskEnd(run.task_id, T0 + timedelta(seconds=10), "finished", None)
    assert run.engine.take_task_ends() == []  # taken once


def test_each_failure_of_a_node_then_the_finish():
    run = _watched(Run(linear("a", "b"), scenarios={"a": FAIL_ONCE}))
    run.start().wait(5)
    (failed,) = run.engine.take_task_ends()
    assert failed == TaskEnd(run.task_id, T0 + timedelta(seconds=2), "failed", run.ids["a"])
    run.op("a", "retry")  # at 5 s: runs 2 s, then b 5 s
    run.wait(20)
    assert [(e.how, e.at) for e in run.engine.take_task_ends()] == [
        ("finished", T0 + timedelta(seconds=12))
    ]


def test_forced_fail_and_revoke():
    run = _watched(Run(linear("a")))
    run.start().wait(1)
    run.op("a", "forced_fail", operator="u")
    run.wait(1)
    run.engine.revoke_task(run.task_id)
    ends = run.engine.take_task_ends()
    assert [(e.how, e.node_id, e.at) for e in ends] == [
        ("failed", run.ids["a"], T0 + timedelta(seconds=1)),
        ("revoked", None, T0 + timedelta(seconds=2)),
    ]


def test_a_failure_inside_a_subprocess_names_the_inner_node():
    inner = Tree().act("x").chain("start", "x", "end").build()
    tree = Tree().sub("s", inner).chain("start", "s", "end").build()
    run = _watched(Run(tree, scenarios={"x": FAIL}))
    run.start().wait(5)
    (failed,) = run.engine.take_task_ends()
    assert (failed.how, failed.node_id) == ("failed", run.ids["s/x"])


def test_a_restored_engine_does_not_report_the_past_again():
    run = _watched(Run(linear("a")))
    run.start().wait(10)
    state = run.engine.export_state()
    copy = Engine.from_state(run.clock, state)
    copy.task_ends.keep = True
    copy.import_state(state)
    assert copy.take_task_ends() == []
    assert len(run.engine.take_task_ends()) == 1


def test_a_start_logged_at_a_passed_reading():
    """A start that waited in bk-sops's queue: the engine starts the task at that reading."""
    run = Run(linear("a", "b"))
    run.wait(7)
    run.engine.start_task(run.task_id, "u", at=T0 + timedelta(seconds=4))
    info = run.engine.task(run.task_id)
    assert info.start_time == T0 + timedelta(seconds=4)
    # a (5 s) finished at 9 s: the run counts from the start, not from the call.
    assert run.states() == {"start": "FINISHED", "a": "RUNNING"}
    run.wait(2)
    assert run.node("a")["finish_time"] == "2024-05-01 08:00:09 +0000"
    record = run.engine.record(run.task_id)
    assert [op["op"] for op in record["ops"]] == ["start"]
    copy = Engine.from_state(run.clock, run.engine.export_state())
    assert copy.status_tree(run.task_id, tz=UTC) == run.status()


def test_a_start_is_never_logged_in_the_future():
    run = Run(linear("a"))
    run.engine.start_task(run.task_id, "u", at=T0 + timedelta(seconds=60))
    assert run.engine.task(run.task_id).start_time == T0
