"""Node operations: retry, skip, error_ignorable, callback, forced_fail, pause appointments,
with the engine's preconditions and messages."""

import pytest

from simulator import (
    CallbackError,
    IllegalTransition,
    InvalidOperation,
    NodeNotFound,
    NodeOperationError,
    RecordMissing,
)

from .builders import Run, Tree, linear

FAIL = {"outcome": "fail", "duration": 2, "ex_data": "disk full"}


def test_retry_reruns_with_new_inputs_and_keeps_history():
    run = (
        Run(linear("a", "b"), scenarios={"a": {**FAIL, "outcome": "fail_then_succeed"}})
        .start()
        .wait(2)
    )
    failed = run.node("a")
    assert failed["state"] == "FAILED" and failed["finish_time"] == "2024-05-01 08:00:02 +0000"
    run.wait(10)
    run.op("a", "retry", inputs={"cmd": "again"})
    a = run.node("a")
    assert (a["state"], a["retry"], a["start_time"], a["finish_time"]) == (
        "RUNNING", 1, "2024-05-01 08:00:12 +0000", None,
    )  # fmt: skip
    assert a["version"] != failed["version"]
    detail = run.detail("a")
    assert detail.inputs == {"cmd": "again"}
    (earlier,) = detail.histories
    assert (earlier.version, earlier.retry, earlier.ex_data) == (failed["version"], 0, "disk full")
    run.wait(2)
    assert run.states()["a"] == "FINISHED" and run.states()["b"] == "RUNNING"


def test_skip_finishes_a_failed_node_without_outputs():
    tree = (
        Tree()
        .act("a")
        .act("b")
        .var("o", "", source_type="component_outputs", source_info={"a": ["x"]})
    )
    tree.chain("start", "a", "b", "end")
    run = Run(tree.build(), scenarios={"a": {**FAIL, "outputs": {"x": 1}}}).start().wait(2)
    run.op("a", "skip")
    a = run.node("a")
    assert a["state"] == "FINISHED" and a["skip"] is True
    assert run.engine._tasks[run.task_id].runtime.contexts[-1]["o"] == ""  # not extracted
    run.wait(5)
    assert run.state == "FINISHED"


def test_error_ignorable_nodes_finish_with_error_ignored():
    tree = (
        Tree()
        .act("a", error_ignorable=True, skippable=False)
        .act("b")
        .chain("start", "a", "b", "end")
    )
    run = Run(tree.build(), scenarios={"a": FAIL}).start().wait(2)
    a = run.node("a")
    assert a["state"] == "FINISHED" and a["error_ignored"] is True and a["error_ignorable"] is True
    assert run.states()["b"] == "RUNNING" and run.state == "RUNNING"
    assert run.detail("a").ex_data == "disk full"
    assert run.engine.failed_ex_data(run.task_id) == {}


NOT_FAILED = "{id} state is not FAILED, actual RUNNING"
NOT_EXCLUSIVE = "{id} is not exclusive gateway, actual: ServiceActivity"
NOT_CONDITIONAL = "{id} is not conditional parallel gateway, actual: ServiceActivity"
NOT_RUNNING = "{id} state is not RUNNING, actual: FAILED"
PAUSE_FAILED = "can't not transit node({id}) state from FAILED to SUSPENDED"
PRECONDITIONS = [
    # (node option, scenario, when, action, kwargs, error, message template)
    ({"retryable": False}, FAIL, 2, "retry", {}, NodeOperationError,
     "can not retry node({id}) with can_retry(False)"),
    ({"skippable": False}, FAIL, 2, "skip", {}, NodeOperationError, "can not skip this node"),
    ({}, FAIL, 1, "retry", {}, NodeOperationError, NOT_FAILED),
    ({}, FAIL, 1, "skip", {}, NodeOperationError, NOT_FAILED),
    ({}, FAIL, 2, "forced_fail", {}, NodeOperationError, NOT_RUNNING),
    ({}, FAIL, 2, "skip_exg", {"flow_id": "l1"}, NodeOperationError, NOT_EXCLUSIVE),
    ({}, FAIL, 2, "skip_cpg", {"flow_ids": []}, NodeOperationError, NOT_CONDITIONAL),
    ({}, FAIL, 2, "retry_subprocess", {}, NodeOperationError, "node({id}) type is not SubProcess"),
    ({}, FAIL, 2, "pause", {}, IllegalTransition, PAUSE_FAILED),
    ({}, FAIL, 2, "resume_subproc", {}, InvalidOperation, "pipeline({id}) state is: FAILED"),
    ({}, FAIL, 1, "jump", {}, InvalidOperation, "task command is invalid"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("options", "scenario", "when", "action", "kwargs", "error", "message"), PRECONDITIONS
)
def test_node_operation_preconditions(options, scenario, when, action, kwargs, error, message):
    tree = Tree().act("a", **options).chain("start", "a", "end").build()
    run = Run(tree, scenarios={"a": scenario}).start().wait(when)
    before = run.status()
    with pytest.raises(error) as caught:
        run.op("a", action, **kwargs)
    assert str(caught.value) == message.format(id=run.ids["a"])
    assert run.status() == before


def test_unknown_node_and_unreached_node():
    run = Run(linear("a", "b")).start()
    with pytest.raises(NodeNotFound):
        run.engine.operate_node(run.task_id, "nnope", "retry")
    with pytest.raises(RecordMissing, match=r"^State matching query does not exist\.$"):
        run.op("b", "retry")
    with pytest.raises(CallbackError, match="can not find sleep process with current node id"):
        run.engine.node_callback(run.task_id, run.ids["b"])


def _callback_tree():
    return Tree().act("a", "pause_node").act("b").chain("start", "a", "b", "end").build()


def test_callback_completes_a_waiting_node_with_version_check():
    run = Run(_callback_tree()).start().wait(3600)
    a = run.node("a")
    assert a["state"] == "RUNNING" and a["elapsed_time"] == 3600 and run.engine.next_due() is None
    # an unknown version fails at bamboo's schedule lookup, before the version check
    with pytest.raises(RecordMissing, match=r"^Schedule matching query does not exist\.$"):
        run.engine.node_callback(run.task_id, run.ids["a"], {"ok": 1}, version="vstale")
    run.engine.node_callback(run.task_id, run.ids["a"], {"approved": True}, version=a["version"])
    assert run.states()["a"] == "FINISHED" and run.states()["b"] == "RUNNING"
    assert run.detail("a").outputs["approved"] is True
    with pytest.raises(CallbackError, match="can not find sleep process"):
        run.engine.node_callback(run.task_id, run.ids["a"])


def test_callback_through_operate_node_without_version():
    run = Run(_callback_tree()).start()
    run.op("a", "callback", data={"x": 1})
    assert run.states()["a"] == "FINISHED"


def test_forced_fail_then_retry():
    run = Run(_callback_tree()).start()
    version = run.node("a")["version"]
    run.engine.operate_node(run.task_id, run.ids["a"], "forced_fail", operator="ops")
    a = run.node("a")
    assert a["state"] == "FAILED" and a["version"] != version
    assert run.engine.failed_ex_data(run.task_id) == {
        run.ids["a"]: "The node has been terminated by ops."
    }
    with pytest.raises(CallbackError, match=f"node version {version} not exist"):
        run.engine.node_callback(run.task_id, run.ids["a"], version=version)
    run.op("a", "retry")
    assert run.node("a")["state"] == "RUNNING" and run.node("a")["retry"] == 1


def test_forced_fail_of_a_timed_node_expires_its_schedule():
    run = Run(linear("a", "b")).start().wait(1)
    run.op("a", "forced_fail")
    run.wait(60)
    assert run.states()["a"] == "FAILED" and "b" not in run.states()


def test_pause_appointment_stops_before_the_node_and_resume_runs_it():
    run = Run(linear("a", "b", "c")).start()
    run.op("b", "pause")  # while a runs: b has no state row yet
    run.wait(5)
    states = run.states()
    assert (
        states["b"] == "SUSPENDED" and states["a"] == "FINISHED" and run.state == "NODE_SUSPENDED"
    )
    assert run.engine.task(run.task_id).state == "RUNNING"
    run.wait(60)
    assert run.node("b")["start_time"] is None
    run.op("b", "resume")
    assert run.states()["b"] == "RUNNING" and run.state == "RUNNING"
    run.wait(10)
    assert run.state == "FINISHED"


def test_an_appointed_node_is_not_listed_before_it_is_reached():
    run = Run(linear("a", "b")).start()
    run.op("b", "pause")
    assert "b" not in run.states() and run.state == "RUNNING"
    with pytest.raises(IllegalTransition):
        run.op("b", "pause")


def test_subprocess_nodes_cannot_be_appointed():
    tree = Tree().sub("s", linear("x")).chain("start", "s", "end").build()
    run = Run(tree).start()
    with pytest.raises(
        NodeOperationError, match=r"can not use pause_node_appoint api for NodeType\.SubProcess"
    ):
        run.op("s", "pause")


def test_poll_scenarios_finish_after_enough_status_reads():
    run = Run(
        linear("a", "b"), scenarios={"a": {"outcome": "poll", "polls": 3, "duration": 10}}
    ).start()
    run.wait(20)
    assert run.states()["a"] == "RUNNING"  # 1st read
    assert run.states()["a"] == "RUNNING"  # 2nd
    assert run.states()["a"] == "FINISHED"  # 3rd read completes it
    assert run.node("a")["finish_time"] == "2024-05-01 08:00:20 +0000"
    polls = [op for op in run.engine.record(run.task_id)["ops"] if op["op"] == "poll"]
    assert len(polls) == 3


def test_poll_scenarios_wait_for_their_duration_too():
    run = Run(linear("a"), scenarios={"a": {"outcome": "poll", "polls": 1, "duration": 10}}).start()
    assert run.states()["a"] == "RUNNING"
    run.wait(10)
    assert run.states()["a"] == "FINISHED"
    assert run.node("a")["finish_time"] == "2024-05-01 08:00:10 +0000"


def test_rerun_limit_fails_a_node_looping_forever():
    tree = Tree().act("a").eg("x").act("b")
    tree.chain("start", "a", "x", "b", "end").chain("x", "a")
    tree.cond("x", "b", "1 == 2").cond("x", "a", "1 == 1")
    run = Run(tree.build(), scenarios={"a": {"duration": 0}}).start()
    a = run.node("a")
    assert a["state"] == "FAILED" and a["loop"] == 101
    assert run.engine.failed_ex_data(run.task_id) == {
        run.ids["a"]: "node execution exceed rerun limit 100"
    }


def test_set_node_scenario_changes_the_next_run():
    run = Run(linear("a"), scenarios={"a": FAIL}).start().wait(2)
    run.engine.set_node_scenario(run.task_id, run.ids["a"], {"duration": 1, "outputs": {"k": "v"}})
    run.op("a", "retry")
    run.wait(1)
    assert run.state == "FINISHED" and run.detail("a").outputs["k"] == "v"
    ops = [op["op"] for op in run.engine.record(run.task_id)["ops"]]
    assert ops == ["start", "scenario", "node"]
    with pytest.raises(NodeOperationError, match="is not an activity"):
        run.engine.set_node_scenario(run.task_id, run.ids["start"], {"duration": 1})


def test_more_preconditions_on_unreached_and_wrong_nodes():
    run = Run(linear("a", "b")).start()
    with pytest.raises(NodeOperationError, match=r"is not activity, actual: EmptyStartEvent"):
        run.op("start", "forced_fail")
    with pytest.raises(RecordMissing, match=r"^State matching query does not exist\.$"):
        run.op("b", "forced_fail")
    with pytest.raises(RecordMissing, match=r"^node\(n[0-9a-f]+\) does not exist$"):
        run.op("b", "pause_subproc")
    with pytest.raises(RecordMissing, match=r"^State matching query does not exist\.$"):
        run.op("b", "resume_subproc")
    run.op("b", "resume")  # creates a READY row nobody sees yet; the node then runs as usual
    run.wait(10)
    assert run.state == "FINISHED"


def test_skip_cpg_needs_flows():
    tree = Tree().act("a").act("b").cpg("p").cg("m").var("n", 0)
    tree.chain("start", "p", "a", "m", "end").chain("p", "b", "m")
    tree.cond("p", "a", "${n} == 1").cond("p", "b", "${n} == 2")
    run = Run(tree.build()).start()
    with pytest.raises(NodeOperationError, match="flow_ids is empty"):
        run.op("p", "skip_cpg", flow_ids=[])
    with pytest.raises(NodeOperationError, match="flow_ids is required"):
        run.op("p", "skip_cpg")


def test_the_root_row_carries_the_error_flags_of_the_last_row_reached():
    # bamboo's get_pipeline_states copies error_ignorable/error_ignored onto the root from the
    # last state row it iterated (found by the engine-diff search against bamboo-engine 3.0.5)
    tree = Tree().act("a").act("b", error_ignorable=True).chain("start", "a", "b", "end")
    run = Run(tree.build(), scenarios={"a": {"duration": 2}, "b": FAIL}).start().wait(2)
    top = run.engine.status_tree(run.task_id, poll=False)
    assert top["state"] == "RUNNING" and top["children"]
    assert (top["error_ignorable"], top["error_ignored"]) == (False, False)  # a is last: running
    run.wait(2)  # b fails, ignored: its row is now the last one, until the end event gets one
    top = run.engine.status_tree(run.task_id, poll=False)
    b = run.node("b")
    assert b["error_ignored"] is True
    assert top["state"] == "FINISHED"
    assert (top["error_ignorable"], top["error_ignored"]) == (False, False)  # end event is last


def test_the_root_shows_error_ignored_while_an_ignored_node_is_the_last_reached():
    tree = (
        Tree()
        .pg("pg")
        .cg("cg")
        .act("a")
        .act("w")
        .act("b", error_ignorable=True)
        .chain("start", "pg", "a", "cg", "end")
        .chain("pg", "w", "b", "cg")
    )
    scenarios = {"a": {"outcome": "callback"}, "w": {"duration": 1}, "b": {**FAIL, "duration": 0}}
    run = Run(tree.build(), scenarios=scenarios).start().wait(1)
    # b ignored its failure and its branch waits at the converge gateway (no row), a waits for
    # a callback: b's row is the last one, so the root shows b's flags
    top = run.engine.status_tree(run.task_id, poll=False)
    assert run.node("b")["error_ignored"] is True and run.node("a")["state"] == "RUNNING"
    assert (top["state"], top["error_ignorable"], top["error_ignored"]) == ("RUNNING", True, True)
    run.op("a", "callback")
    top = run.engine.status_tree(run.task_id, poll=False)
    assert top["state"] == "FINISHED" and top["error_ignored"] is False  # end event is last
