"""Scenario tests: linear flows, parallel blocks, exclusive and conditional parallel gateways."""

import pytest

from simulator import NodeOperationError, ids

from .builders import Run, Tree, linear, parallel

FAIL_ONCE = {"outcome": "fail_then_succeed", "fail_times": 1, "duration": 5, "ex_data": "boom"}


def test_linear_flow_runs_node_after_node_in_virtual_time():
    run = Run(linear("a", "b")).start()
    assert run.state == "RUNNING"
    assert run.states() == {"start": "FINISHED", "a": "RUNNING"}
    a = run.node("a")
    assert (a["start_time"], a["finish_time"], a["name"]) == (
        "2024-05-01 08:00:00 +0000",
        None,
        "a",
    )
    run.wait(3)
    assert run.node("a")["elapsed_time"] == 3
    run.wait(2)
    assert run.states() == {"start": "FINISHED", "a": "FINISHED", "b": "RUNNING"}
    assert run.node("a")["finish_time"] == "2024-05-01 08:00:05 +0000"
    run.wait(5)
    status = run.status()
    assert status["state"] == "FINISHED" and status["finish_time"] == "2024-05-01 08:00:10 +0000"
    assert status["elapsed_time"] == 10 and status["name"] == "t"
    assert run.states() == {
        "start": "FINISHED",
        "a": "FINISHED",
        "b": "FINISHED",
        "end": "FINISHED",
    }
    assert run.node("end")["name"] == "" and run.engine.next_due() is None
    info = run.engine.task(run.task_id)
    assert info.is_finished and info.elapsed_time == 10


def test_status_tree_fields():
    run = Run(linear("a")).start()
    status = run.status()
    root = status["id"]
    assert list(status) == [
        "id", "state", "root_id:", "parent_id", "version", "loop", "retry", "skip",
        "error_ignorable", "error_ignored", "children", "start_time", "finish_time",
        "elapsed_time", "name",
    ]  # fmt: skip
    assert status["root_id:"] == root and status["parent_id"] == root
    a = run.node("a")
    assert a["root_id:"] == root and a["parent_id"] == root and a["version"].startswith("v")
    assert len(a["version"]) == 33 and (a["loop"], a["retry"], a["skip"]) == (1, 0, False)


def test_parallel_branch_failure_keeps_the_converge_waiting_until_retry():
    run = Run(parallel(3), scenarios={"b1": FAIL_ONCE}).start().wait(5)
    assert run.states() == {
        "start": "FINISHED", "a": "FINISHED", "pg": "FINISHED",
        "b0": "RUNNING", "b1": "RUNNING", "b2": "RUNNING",
    }  # fmt: skip
    run.wait(5)
    states = run.states()
    assert states["b1"] == "FAILED" and states["b0"] == states["b2"] == "FINISHED"
    assert "cg" not in states and run.state == "FAILED"
    assert run.engine.task(run.task_id).state == "RUNNING"  # the engine never fails the root
    assert run.engine.failed_ex_data(run.task_id) == {run.ids["b1"]: "boom"}
    run.wait(100)
    assert "cg" not in run.states()
    old_version = run.node("b1")["version"]
    run.op("b1", "retry")
    b1 = run.node("b1")
    assert b1["state"] == "RUNNING" and b1["retry"] == 1 and b1["version"] != old_version
    assert run.state == "RUNNING"
    run.wait(5)
    assert run.states()["cg"] == "FINISHED" and run.states()["z"] == "RUNNING"
    run.wait(5)
    assert run.state == "FINISHED"


def test_branches_run_in_outgoing_order_and_converge_runs_once():
    run = Run(parallel(2), scenarios={"b0": {"duration": 0}, "b1": {"duration": 0}}).start().wait(5)
    children = list(run.status()["children"])
    order = [run.ids[k] for k in ("start", "a", "pg", "b0", "b1", "cg", "z")]
    assert children == order
    assert run.node("cg")["loop"] == 1


def _exclusive(default=False):
    tree = Tree().act("a").act("b").act("c").eg("x").cg("m").var("n", 1)
    tree.chain("start", "x", "a", "m", "end").chain("x", "b", "m").chain("x", "c", "m")
    tree.cond("x", "a", "${n} == 1", name="one").cond("x", "b", "${n} >= 2", name="two+")
    tree.cond("x", "c", "${n} >= 3 and ${n} < 10", name="three+")
    if default:
        tree.default("x", "c")
        del tree.nodes["x"]["conditions"]["f_x_c"]
    return tree.build()


@pytest.mark.parametrize(
    ("n", "default", "taken", "ex_data"),
    [
        (1, False, "a", None),
        (2, False, "b", None),
        (0, False, None, "all conditions of branches are not meet"),
        (5, False, None, "multiple conditions meet: ['two+', 'three+']"),
        (0, True, "c", None),
        (2, True, "b", None),
    ],
)
def test_exclusive_gateway_outcomes(n, default, taken, ex_data):
    run = Run(_exclusive(default), constants={"${n}": n}).start()
    states = run.states()
    branches = {k for k in ("a", "b", "c") if k in states}
    if taken:
        assert states["x"] == "FINISHED" and branches == {taken}
        run.wait(5)
        assert run.state == "FINISHED"
    else:
        assert states["x"] == "FAILED" and branches == set() and run.state == "FAILED"
        assert run.engine.failed_ex_data(run.task_id) == {run.ids["x"]: ex_data}


def test_exclusive_gateway_evaluation_errors_fail_it_and_skip_exg_recovers():
    run = Run(_exclusive(), constants={"${n}": "two words"}).start()
    assert run.states()["x"] == "FAILED"
    (ex_data,) = run.engine.failed_ex_data(run.task_id).values()
    assert ex_data.startswith(
        'evaluate[${n} == 1] fail with data[{"n": "two words"}]：please check'
    )
    flow_to_b = ids.flow_id(run.engine.seed, run.task_id, "f_x_b")
    with pytest.raises(NodeOperationError, match="is not an outgoing flow"):
        run.op("x", "skip_exg", flow_id="lnope")
    with pytest.raises(
        NodeOperationError, match=r"can not use skip_node api for NodeType\.ExclusiveGateway"
    ):
        run.op("x", "skip")
    run.op("x", "skip_exg", flow_id=flow_to_b)
    assert run.node("x")["skip"] is True and run.states()["b"] == "RUNNING"
    run.wait(5)
    assert run.state == "FINISHED"


def test_type_errors_in_conditions_report_the_message():
    tree = Tree().act("a").act("b").eg("x").cg("m").var("n", 1)
    tree.chain("start", "x", "a", "m", "end").chain("x", "b", "m")
    tree.cond("x", "a", "(1, 2) > ${n}").cond("x", "b", "${n} == 1")
    run = Run(tree.build()).start()
    (ex_data,) = run.engine.failed_ex_data(run.task_id).values()
    assert ex_data.startswith('evaluate[(1, 2) > 1] fail with data[{"n": 1}] message: ')


def _conditional(default=False):
    tree = Tree().act("a").act("b").act("c").cpg("p").cg("m").var("n", 1)
    tree.chain("start", "p", "a", "m", "end").chain("p", "b", "m").chain("p", "c", "m")
    tree.cond("p", "a", "${n} >= 1").cond("p", "b", "${n} >= 2")
    if default:
        tree.default("p", "c")
    else:
        tree.cond("p", "c", "${n} >= 3")
    return tree.build()


@pytest.mark.parametrize(
    ("n", "default", "branches"),
    [
        (1, False, {"a"}),
        (2, False, {"a", "b"}),
        (3, False, {"a", "b", "c"}),
        (0, True, {"c"}),
        (0, False, set()),
    ],
)
def test_conditional_parallel_gateway_forks_true_branches(n, default, branches):
    run = Run(_conditional(default), constants={"${n}": n}).start()
    states = run.states()
    assert {k for k in ("a", "b", "c") if k in states} == branches
    if not branches:
        assert states["p"] == "FAILED"
        assert run.engine.failed_ex_data(run.task_id) == {
            run.ids["p"]: "all conditions of branches are not meet"
        }
        return
    run.wait(5)
    assert run.state == "FINISHED" and run.node("m")["state"] == "FINISHED"


def test_skip_cpg_forks_the_chosen_flows():
    run = Run(_conditional(), constants={"${n}": 0}).start()
    flows = [ids.flow_id(run.engine.seed, run.task_id, f) for f in ("f_p_b", "f_p_c")]
    run.op("p", "skip_cpg", flow_ids=flows)
    assert run.node("p")["skip"] is True
    assert {k for k in ("a", "b", "c") if k in run.states()} == {"b", "c"}
    run.wait(5)
    assert run.state == "FINISHED"


def test_loops_count_reentries_and_reset_counters():
    tree = Tree().act("a").eg("x").act("b").var("go", "yes")
    tree.chain("start", "a", "x", "b", "end").chain("x", "a")
    tree.cond("x", "b", "${go} == 'no'").cond("x", "a", "${go} == 'yes'")
    run = Run(tree.build(), scenarios={"a": {"duration": 1}}).start().wait(3.5)
    a = run.node("a")
    assert a["loop"] == 4 and a["state"] == "RUNNING" and run.node("x")["loop"] == 3
    assert len(run.detail("a").histories) == 3
