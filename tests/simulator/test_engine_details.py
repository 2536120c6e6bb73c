"""Engine details as bamboo-engine 3.0.5 / bamboo-pipeline 4.0.4 and bk-sops's dispatcher do them:
retry inputs replace the node's data, node actions before the start fail at the engine's first
lookup, callbacks look the schedule of their version up first."""

import pytest

from simulator import CallbackError, Engine, RecordMissing, VirtualClock

from .builders import Run, Tree

FAIL = {"outcome": "fail", "duration": 2, "ex_data": "disk full"}
CALLBACK = {"outcome": "callback"}


def _data_tree() -> dict:
    tree = Tree().act("a", data={"cmd": "run ${x}", "timeout": 5}).act("b").var("x", "one")
    return tree.chain("start", "a", "b", "end").build()


def _failed_a(**scenario) -> Run:
    return Run(_data_tree(), scenarios={"a": {**FAIL, **scenario}}).start().wait(2)


def test_retry_inputs_replace_the_node_inputs_and_are_rendered():
    run = _failed_a()
    assert run.detail("a").inputs == {"cmd": "run one", "timeout": 5}
    run.op("a", "retry", inputs={"cmd": "again ${x}"})
    # bamboo's set_data_inputs: the given keys are all the inputs now (timeout is gone)
    assert run.detail("a").inputs == {"cmd": "again one"}
    (earlier,) = run.detail("a").histories
    assert earlier.inputs == {"cmd": "run one", "timeout": 5}


def test_retry_inputs_stay_for_later_runs_and_escaped_keys_are_not_rendered():
    run = _failed_a()
    run.op("a", "retry", inputs={"cmd": "${x}", "raw": "${x}", "_escape_render_keys": ["raw"]})
    assert run.detail("a").inputs == {"cmd": "one", "raw": "${x}"}
    run.wait(2)  # the scenario fails again
    run.op("a", "retry")  # without inputs: the stored ones, not the component's
    assert run.detail("a").inputs == {"cmd": "one", "raw": "${x}"}
    assert len(run.detail("a").histories) == 2


def test_retry_with_empty_inputs_leaves_no_input_and_none_keeps_them():
    run = _failed_a()
    run.op("a", "retry", inputs=None)
    assert run.detail("a").inputs == {"cmd": "run one", "timeout": 5}
    run.wait(2)
    run.op("a", "retry", inputs={})  # bamboo replaces when data is not None
    assert run.detail("a").inputs == {}


def test_retry_of_a_node_without_data_fails_at_bk_sops_data_lookup():
    tree = Tree().act("c").act("d").eg("g").cg("m").var("n", 9)
    tree.chain("start", "g", "c", "m", "end").chain("g", "d", "m")
    tree.cond("g", "c", "${n} == 1").cond("g", "d", "${n} == 2")
    run = Run(tree.build()).start()
    assert run.states()["g"] == "FAILED"
    before = run.status()
    with pytest.raises(RecordMissing) as caught:
        run.op("g", "retry")  # a gateway has no Data row: bk-sops's get_data fails first
    assert (caught.value.record, str(caught.value)) == ("Data", "")
    assert run.status() == before


BEFORE_START = [
    # (action, kwargs, record, text): each action's first lookup (bk-sops dispatcher, bamboo)
    ("retry", {}, "Data", ""),
    ("retry", {"inputs": {"cmd": "x"}}, "Data", ""),
    ("skip", {}, "Node", "Node matching query does not exist."),
    ("skip_exg", {"flow_id": "f"}, "Node", "Node matching query does not exist."),
    ("skip_cpg", {"flow_ids": ["f"]}, "Node", "Node matching query does not exist."),
    ("pause", {}, "Node", "Node matching query does not exist."),
    ("resume", {}, "Node", "Node matching query does not exist."),
    ("forced_fail", {}, "Node", "Node matching query does not exist."),
    ("retry_subprocess", {}, "Node", "Node matching query does not exist."),
    ("pause_subproc", {}, "Pipeline", "node({id}) does not exist"),
    ("resume_subproc", {}, "State", "State matching query does not exist."),
]


@pytest.mark.parametrize(("action", "kwargs", "record", "text"), BEFORE_START)
def test_node_actions_before_the_start_fail_at_the_engine_first_lookup(
    action, kwargs, record, text
):
    run = Run(_data_tree())
    before = run.status()
    with pytest.raises(RecordMissing) as caught:
        run.op("a", action, **kwargs)
    assert caught.value.record == record and str(caught.value) == text.format(id=run.ids["a"])
    assert caught.value.node_id == run.ids["a"]
    assert run.status() == before and run.engine.record(run.task_id)["ops"] == []
    run.start().wait(60)
    assert run.state == "FINISHED"  # nothing was appointed or stored


def test_a_callback_before_the_start_finds_no_sleeping_process():
    run = Run(_data_tree())
    with pytest.raises(CallbackError, match="can not find sleep process with current node id"):
        run.engine.node_callback(run.task_id, run.ids["a"], {}, version="v1")


def _waiting_a() -> Run:
    return Run(_data_tree(), scenarios={"a": CALLBACK}).start()


def test_a_callback_with_an_unknown_version_fails_at_the_schedule_lookup():
    run = _waiting_a()
    with pytest.raises(RecordMissing) as caught:
        run.engine.node_callback(run.task_id, run.ids["a"], {}, version="vnope")
    assert (caught.value.record, str(caught.value)) == (
        "Schedule",
        "Schedule matching query does not exist.",
    )
    assert run.node("a")["state"] == "RUNNING"


def test_a_callback_with_an_earlier_version_finds_its_schedule_but_not_the_version():
    run = _waiting_a()
    first = run.node("a")["version"]
    run.op("a", "forced_fail", operator="ops")
    run.engine.set_node_scenario(run.task_id, run.ids["a"], CALLBACK)
    run.op("a", "retry")
    assert run.node("a")["version"] != first
    with pytest.raises(CallbackError, match=f"^node version {first} not exist$"):
        run.engine.node_callback(run.task_id, run.ids["a"], {}, version=first)
    run.engine.node_callback(run.task_id, run.ids["a"], {"ok": 1})  # the current version
    assert run.states()["a"] == "FINISHED"


def test_a_version_that_never_waited_has_no_schedule():
    run = _failed_a(duration=0)  # failed at once: bamboo never made a schedule
    version = run.node("a")["version"]
    with pytest.raises(RecordMissing, match=r"^Schedule matching query does not exist\.$"):
        run.engine.node_callback(run.task_id, run.ids["a"], {}, version=version)


def test_a_callback_on_a_run_that_failed_later_is_accepted_then_expired():
    run = _failed_a()  # failed two seconds in: its schedule is still open, as bamboo leaves it
    before = run.status()
    run.engine.node_callback(run.task_id, run.ids["a"], {"late": True})
    assert run.status() == before and "late" not in run.detail("a").outputs
    with pytest.raises(CallbackError, match=r"^schedule is already expired$"):
        run.engine.node_callback(run.task_id, run.ids["a"], {"late": True})
    run.op("a", "retry")  # the node is still a FAILED node with a sleeping process
    assert run.node("a")["state"] == "RUNNING"


def test_a_callback_on_a_paused_waiting_node_expires_its_schedule():
    run = _waiting_a()
    run.op("a", "pause")  # RUNNING -> SUSPENDED: the process sleeps on
    run.engine.node_callback(run.task_id, run.ids["a"], {"x": 1})
    assert run.node("a")["state"] == "SUSPENDED"
    with pytest.raises(CallbackError, match=r"^schedule is already expired$"):
        run.engine.node_callback(run.task_id, run.ids["a"], {"x": 1})


def test_a_callback_on_a_timed_run_leaves_it_running_to_its_time():
    run = Run(_data_tree(), scenarios={"a": {"duration": 4}}).start().wait(1)
    run.engine.node_callback(run.task_id, run.ids["a"], {"x": 1})
    assert run.node("a")["state"] == "RUNNING" and "x" not in (run.detail("a").outputs or {})
    run.wait(3)
    assert run.states()["a"] == "FINISHED"


def test_a_callback_after_the_node_finished_finds_no_sleeping_process():
    run = _waiting_a()
    version = run.node("a")["version"]
    run.engine.node_callback(run.task_id, run.ids["a"], {"x": 1})
    with pytest.raises(CallbackError, match="can not find sleep process"):
        run.engine.node_callback(run.task_id, run.ids["a"], {"x": 1}, version=version)


def test_replay_rebuilds_schedules_and_replaced_inputs():
    run = _failed_a()
    run.op("a", "retry", inputs={"cmd": "${x}!"})
    run.wait(2)
    run.engine.node_callback(run.task_id, run.ids["a"], {})
    rebuilt = Engine.from_state(VirtualClock(run.clock.now()), run.engine.export_state())
    node_id = run.ids["a"]
    assert rebuilt.node_detail(run.task_id, node_id) == run.detail("a")
    with pytest.raises(CallbackError, match=r"^schedule is already expired$"):
        rebuilt.node_callback(run.task_id, node_id, {})
