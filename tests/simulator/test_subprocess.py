"""Subprocesses: nested children, failure shown up to the root, pause/resume of a subprocess,
parameters in and outputs out."""

import pytest

from simulator import NodeOperationError

from .builders import Run, Tree


def _inner():
    tree = Tree().act("x").act("y", data={"who": "${q}"}).eg("g").act("yes").act("no").cg("m")
    tree.var("q", "default")
    tree.var("res", "", source_type="component_outputs", source_info={"y": ["result"]})
    tree.chain("start", "x", "y", "g", "yes", "m", "end").chain("g", "no", "m")
    tree.cond("g", "yes", "${q} == 'from_parent'").cond("g", "no", "${q} != 'from_parent'")
    tree.outputs.append("${res}")
    return tree.build()


def _outer():
    tree = (
        Tree()
        .act("a")
        .sub("s", _inner(), params={"${q}": "${p}"})
        .act("z")
        .eg("after")
        .act("ok")
        .act("ko")
    )
    tree.var("p", "from_parent")
    tree.var("got", "", source_type="component_outputs", source_info={"s": ["res"]})
    tree.chain("start", "a", "s", "z", "after", "ok", "end").chain("after", "ko", "end")
    tree.cond("after", "ok", "${got} == 42").cond("after", "ko", "${got} != 42")
    return tree.build()


def _run(**scenarios):
    defaults = {"y": {"duration": 5, "outputs": {"result": 42}}}
    return Run(_outer(), scenarios={**defaults, **scenarios}).start()


def test_subprocess_children_are_nested_under_the_subprocess():
    run = _run().wait(6)
    status = run.status()
    assert run.ids["s/x"] not in status["children"]
    s = status["children"][run.ids["s"]]
    assert s["state"] == "RUNNING" and s["name"] == "s"
    assert sorted(s["children"]) == sorted(run.ids[k] for k in ("s/start", "s/x"))
    x = s["children"][run.ids["s/x"]]
    assert x["parent_id"] == run.ids["s"] and x["root_id:"] == status["id"] and x["name"] == "x"


def test_parameters_flow_in_and_outputs_flow_out():
    run = _run().wait(16)  # a 0-5, x 5-10, y 10-15, yes 15-20, z 20-25, ok 25-30
    states = run.states()
    assert states["s/yes"] == "RUNNING" and "s/no" not in states
    assert run.detail("s/y").inputs == {"who": "from_parent"}
    run.wait(4)
    assert run.states()["s"] == "FINISHED"
    assert run.detail("s").outputs["res"] == 42
    run.wait(5)
    assert run.states()["ok"] == "RUNNING" and "ko" not in run.states()
    run.wait(5)
    assert run.state == "FINISHED"


def test_failure_inside_shows_up_to_the_root_and_retry_recovers():
    run = _run(x={"outcome": "fail_then_succeed", "duration": 1, "ex_data": "inner"}).wait(6)
    status = run.status()
    s = status["children"][run.ids["s"]]
    assert (status["state"], s["state"], s["children"][run.ids["s/x"]]["state"]) == ("FAILED",) * 3
    assert run.engine.task(run.task_id).state == "RUNNING"
    assert run.engine.failed_ex_data(run.task_id) == {run.ids["s/x"]: "inner"}
    with pytest.raises(NodeOperationError, match="state is not FAILED, actual RUNNING"):
        run.op("s", "retry_subprocess")
    run.op("s/x", "retry")
    assert run.state == "RUNNING" and run.node("s")["state"] == "RUNNING"
    run.wait(60)
    assert run.state == "FINISHED"


def test_subprocess_id_view_returns_the_subtree():
    run = _run().wait(6)
    view = run.status(subprocess_id=run.ids["s"])
    assert view["id"] == run.ids["s"] and view["name"] == "t"
    names = {child["name"] for child in view["children"].values()}
    assert names == {""}  # bk-sops looks the names up among the root's activities
    assert run.status(subprocess_id="nnever")["state"] == "CREATED"


def test_pause_and_resume_of_a_subprocess():
    run = _run().wait(6)
    run.op("s", "pause_subproc")
    assert run.node("s")["state"] == "SUSPENDED" and run.state == "NODE_SUSPENDED"
    run.wait(30)
    states = run.states()
    assert states["s/x"] == "FINISHED" and "s/y" not in states
    run.op("s", "resume_subproc")
    assert run.node("s")["state"] == "RUNNING" and run.states()["s/y"] == "RUNNING"
    run.wait(60)
    assert run.state == "FINISHED"
