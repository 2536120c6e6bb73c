"""Task data beside the run: pipeline outputs, node inputs before a run, constants of a task
that has not started (preview of exclusion is in test_preview)."""

import pytest

from simulator import Engine, ExcludeNodeError, NodeNotFound, TaskAlreadyStarted, VirtualClock
from simulator.preview import preview_tree
from simulator.taskdata import (
    ConstantsLocked,
    TaskRow,
    node_inputs,
    set_task_constants,
    task_outputs,
    task_rows,
)

from .builders import T0, Run, Tree, spec


def _with_outputs() -> dict:
    tree = Tree().act("a", data={"cmd": "echo ${host}"})
    tree.act("b", data={"wait": "${wait}", "key": "${secret}"})
    tree.var("host", "10.0.0.1").var("wait", "${host}-w").var("secret", "s", show_type="hide")
    tree.var("rc", "", source_type="component_outputs", source_info={"a": ["rc"]})
    tree.outputs = ["${host}", "${rc}"]
    return tree.chain("start", "a", "b", "end").build()


def test_outputs_appear_once_the_pipeline_finishes():
    run = Run(_with_outputs(), scenarios={"a": {"duration": 1, "outputs": {"rc": 0}}})
    assert task_outputs(run.engine, run.task_id) == {}
    run.start().wait(1)
    assert task_outputs(run.engine, run.task_id) == {}
    run.wait(10)
    assert run.state == "FINISHED"
    assert task_outputs(run.engine, run.task_id) == {"${host}": "10.0.0.1", "${rc}": 0}


def test_inputs_of_a_node_not_run_yet_are_rendered_from_the_constants():
    run = Run(_with_outputs(), constants={"${host}": "10.0.0.9"})
    assert node_inputs(run.engine, run.task_id, run.ids["a"]) == {"cmd": "echo 10.0.0.9"}
    assert node_inputs(run.engine, run.task_id, run.ids["b"]) == {"wait": "10.0.0.9-w", "key": "s"}
    assert node_inputs(run.engine, run.task_id, run.ids["start"]) == {}
    run.start()
    assert node_inputs(run.engine, run.task_id, run.ids["a"]) == run.detail("a").inputs
    with pytest.raises(NodeNotFound):
        node_inputs(run.engine, run.task_id, "n-unknown")


def test_constants_of_a_task_not_started_can_be_changed_and_are_used_at_start():
    run = Run(_with_outputs())
    set_task_constants(run.engine, run.task_id, {"${host}": "10.1.1.1", "${nope}": 1})
    info = run.engine.task(run.task_id)
    assert info.constants["${host}"]["value"] == "10.1.1.1"
    assert "${nope}" not in info.constants
    run.start()
    assert run.detail("a").inputs == {"cmd": "echo 10.1.1.1"}
    rebuilt = Engine.from_state(VirtualClock(T0), run.engine.export_state())
    assert rebuilt.node_detail(run.task_id, run.ids["a"]).inputs == {"cmd": "echo 10.1.1.1"}


@pytest.mark.parametrize(
    ("values", "hidden", "outputs"),
    [
        ({"${secret}": "x"}, ["${secret}"], []),
        ({"${rc}": 1, "${host}": "h"}, [], ["${rc}"]),
        ({"${rc}": 1, "${secret}": "x"}, ["${secret}"], ["${rc}"]),
    ],
)
def test_hidden_constants_and_outputs_are_refused(values, hidden, outputs):
    run = Run(_with_outputs())
    with pytest.raises(ConstantsLocked) as caught:
        set_task_constants(run.engine, run.task_id, values)
    assert (caught.value.hidden, caught.value.outputs) == (hidden, outputs)
    # nothing was applied
    assert run.engine.task(run.task_id).constants["${host}"]["value"] == "10.0.0.1"


def test_constants_of_a_started_task_are_refused():
    run = Run(_with_outputs()).start()
    with pytest.raises(TaskAlreadyStarted):
        set_task_constants(run.engine, run.task_id, {"${host}": "x"})


def test_preview_drops_excluded_nodes_and_reports_unreferenced_constants():
    builder = Tree().act("a", data={"x": "${x}"}).act("b", data={"y": "${y}"}, optional=True)
    tree = builder.var("x", 1).var("y", 2).chain("start", "a", "b", "end").build()
    preview = preview_tree(tree, ["b"])
    assert set(preview["pipeline_tree"]["activities"]) == {"a"}
    assert preview["pipeline_tree"]["end_event"]["incoming"] == ["f_a_b"]
    assert list(preview["pipeline_tree"]["constants"]) == ["${x}"]
    assert preview["constants_not_referred"] == {"${y}": tree["constants"]["${y}"]}
    assert preview["pipeline_tree"]["line"] == [] and "b" in tree["activities"]
    assert preview_tree(tree, [])["constants_not_referred"] == {}


@pytest.mark.parametrize(
    ("exclude", "message"),
    [(["a"], "task node[id=a] is not optional"), (["zz"], "task node[id=zz] is not in")],
)
def test_preview_refuses_what_create_task_refuses(exclude, message):
    tree = Tree().act("a").chain("start", "a", "end").build()
    with pytest.raises(ExcludeNodeError, match=message.replace("[", r"\[").replace("]", r"\]")):
        preview_tree(tree, exclude)


def test_task_rows_agree_with_task_info_newest_first():
    run = Run(_with_outputs())
    other = run.engine.create_task(spec(_with_outputs(), project_id=2), name="o", creator="u",
                                   project_id=2)  # fmt: skip
    second = run.engine.create_task(spec(_with_outputs()), name="second", creator="v", project_id=1)
    run.start().wait(30)
    rows = task_rows(run.engine, 1)
    assert [row.id for row in rows] == [second.id, run.task_id]
    assert other.id not in {row.id for row in rows}
    for row in rows:
        info = run.engine.task(row.id)
        assert row == tuple(getattr(info, field) for field in TaskRow._fields)
    assert rows[1].is_finished and rows[1].finish_time is not None and not rows[0].is_started
