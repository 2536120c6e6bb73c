"""create_task: ids, the execution tree, constants, exclude_task_nodes_id and its errors."""

import copy
import re
from datetime import UTC

import pytest

from simulator import ExcludeNodeError, InvalidOperation, TaskNotFound

from .builders import T0, Tree, engine, linear, node_ids, parallel, spec

NODE_ID = re.compile(r"^n[0-9a-f]{31}$")
FLOW_ID = re.compile(r"^l[0-9a-f]{31}$")


def _create(e, tree, **kwargs):
    kwargs.setdefault("name", "t")
    kwargs.setdefault("creator", "alice")
    kwargs.setdefault("project_id", 1)
    return e.create_task(spec(tree), **kwargs)


def _all_nodes(tree):
    return [
        tree["start_event"],
        tree["end_event"],
        *tree["activities"].values(),
        *tree["gateways"].values(),
    ]


def test_task_ids_are_sequential_and_info_is_filled():
    e, clock = engine()
    first = _create(e, linear("a"), description="d", create_info="app1", create_method="app")
    clock.advance(3)
    second = _create(e, linear("a"), flow_type="common_func", project_id=2)
    assert (first.id, second.id) == (1, 2)
    assert first.state == "CREATED" and not first.is_started and not first.is_finished
    assert (first.creator, first.executor, first.description) == ("alice", "", "d")
    assert (first.create_method, first.create_info, first.category) == ("app", "app1", "OpsTools")
    assert first.current_flow == "execute_task" and second.current_flow == "func_claim"
    assert first.create_time == T0 and second.create_time.timestamp() == T0.timestamp() + 3
    assert first.start_time is None and first.finish_time is None and first.elapsed_time == 0
    assert [t.id for t in e.tasks()] == [1, 2] and [t.id for t in e.tasks(project_id=2)] == [2]
    with pytest.raises(TaskNotFound):
        e.task(3)
    assert e.find_task(3) is None


def test_execution_tree_has_fresh_consistent_ids():
    e, _ = engine()
    template_tree = parallel(2)
    original = copy.deepcopy(template_tree)
    tree = _create(e, template_tree).pipeline_tree
    assert template_tree == original  # the template is never touched
    assert NODE_ID.match(tree["id"])
    nodes = {node["id"]: node for node in _all_nodes(tree)}
    assert all(NODE_ID.match(node_id) for node_id in nodes)
    assert all(FLOW_ID.match(flow_id) for flow_id in tree["flows"])
    assert {a["template_node_id"] for a in tree["activities"].values()} == {"a", "b0", "b1", "z"}
    for flow_id, flow in tree["flows"].items():
        assert flow["id"] == flow_id
        outgoing = nodes[flow["source"]]["outgoing"]
        incoming = nodes[flow["target"]]["incoming"]
        assert flow_id in (outgoing if isinstance(outgoing, list) else [outgoing])
        assert flow_id in (incoming if isinstance(incoming, list) else [incoming])
    assert node_ids(e, 1)["a"] in tree["activities"]


def test_ids_depend_on_seed_and_task_only():
    a, _ = engine(seed=1)
    b, _ = engine(seed=1)
    c, _ = engine(seed=2)
    trees = [_create(x, linear("a")).pipeline_tree for x in (a, b, c)]
    assert trees[0] == trees[1]
    assert trees[0]["id"] != trees[2]["id"]
    assert _create(a, linear("a")).pipeline_tree["id"] != trees[0]["id"]


def _constants_tree():
    tree = Tree().act("a", data={"cmd": "echo ${used}", "n": "${chained}"}).act("b")
    tree.var("used", "u").var("unused", "x").var("chained", "${deep}").var("deep", 1)
    tree.var("out", "", source_type="component_outputs", source_info={"b": ["result"]})
    return tree.chain("start", "a", "b", "end").build()


def test_constants_are_pruned_renumbered_and_overridden():
    e, _ = engine()
    task = _create(
        e, _constants_tree(), constants={"${used}": [1, 2], "${nope}": 3, "${unused}": 5}
    )
    constants = task.pipeline_tree["constants"]
    assert sorted(constants) == ["${chained}", "${deep}", "${out}", "${used}"]
    assert [constants[k]["index"] for k in ("${used}", "${chained}", "${deep}", "${out}")] == [
        0,
        1,
        2,
        3,
    ]
    assert constants["${used}"]["value"] == [1, 2]  # verbatim, no type check
    assert task.constants == constants
    assert task.constants_keys == ("${used}", "${nope}", "${unused}")
    b = node_ids(e, task.id)["b"]
    assert constants["${out}"]["source_info"] == {b: ["result"]}


def test_common_func_tasks_cannot_start_until_claimed():
    e, _ = engine()
    task = _create(e, linear("a"), flow_type="common_func")
    with pytest.raises(
        InvalidOperation, match="task with current_flow:func_claim cannot be started"
    ):
        e.start_task(task.id, "bob")
    assert e.task(task.id).state == "CREATED"


def _optional_line():
    tree = Tree().act("a").act("b", optional=True).act("c", optional=True).var("v", "${x}")
    tree.act("d", data={"k": "${v}"}, optional=True).var("x", 1)
    return tree.chain("start", "a", "b", "c", "d", "end").build()


def test_excluding_optional_nodes_rewires_flows():
    e, clock = engine()
    task = _create(e, _optional_line(), exclude_task_nodes_id=["b", "d"])
    tree = task.pipeline_tree
    assert sorted(a["template_node_id"] for a in tree["activities"].values()) == ["a", "c"]
    assert tree["constants"] == {}  # v and x were only used by d
    e.start_task(task.id, "u")
    clock.advance(60)
    info = e.task(task.id)
    assert info.state == "FINISHED"
    assert sorted(e.status_tree(task.id, tz=UTC)["children"]) == sorted(
        node_ids(e, task.id)[k] for k in ("start", "a", "c", "end")
    )


@pytest.mark.parametrize(
    ("exclude", "message"),
    [
        (["zzz"], "task node[id=zzz] is not in template pipeline tree"),
        (["a"], "task node[id=a] is not optional"),
        (["b", "a"], "task node[id=a] is not optional"),
        (["b", "zzz", "a"], "task node[id=zzz] is not in template pipeline tree"),
    ],
)
def test_exclude_errors(exclude, message):
    e, _ = engine()
    with pytest.raises(ExcludeNodeError) as caught:
        _create(e, _optional_line(), exclude_task_nodes_id=exclude)
    assert str(caught.value) == message
    assert e.tasks() == []


def _optional_parallel():
    tree = Tree().act("a").pg("p").cg("c").act("z")
    tree.act("b0", optional=True).act("b1", optional=True).act("b2", optional=True)
    tree.chain("start", "a", "p").chain("c", "z", "end")
    for branch in ("b0", "b1", "b2"):
        tree.chain("p", branch, "c")
    return tree.build()


def test_excluding_one_branch_drops_that_branch():
    e, _ = engine()
    tree = _create(e, _optional_parallel(), exclude_task_nodes_id=["b1"]).pipeline_tree
    (parallel_gateway,) = [g for g in tree["gateways"].values() if g["type"] == "ParallelGateway"]
    assert len(parallel_gateway["outgoing"]) == 2
    assert len(tree["flows"]) == 8


def test_excluding_every_branch_collapses_the_parallel_block():
    e, clock = engine()
    task = _create(e, _optional_parallel(), exclude_task_nodes_id=["b0", "b1", "b2"])
    tree = task.pipeline_tree
    assert tree["gateways"] == {}
    assert sorted(a["template_node_id"] for a in tree["activities"].values()) == ["a", "z"]
    ids = node_ids(e, task.id)
    (flow,) = [f for f in tree["flows"].values() if f["source"] == ids["a"]]
    assert flow["target"] == ids["z"]
    e.start_task(task.id, "u")
    clock.advance(10)
    assert e.task(task.id).state == "FINISHED"


def test_front_end_data_and_gateway_references_follow_the_new_ids():
    builder = Tree().act("a").act("b").eg("x").cg("m").var("n", 1)
    builder.chain("start", "x", "a", "m", "end").chain("x", "b", "m")
    builder.cond("x", "a", "${n} == 1").default("x", "b")
    tree = builder.build()
    tree["gateways"]["x"]["converge_gateway_id"] = "m"
    tree["line"] = [
        {"id": f, "source": {"id": v["source"]}, "target": {"id": v["target"]}}
        for f, v in tree["flows"].items()
    ]
    tree["location"] = [
        {"id": node, "x": 0, "y": 0} for node in ("start", "a", "b", "x", "m", "end")
    ]
    e, _ = engine()
    built = _create(e, tree).pipeline_tree
    ids = node_ids(e, 1)
    (gateway,) = [g for g in built["gateways"].values() if g["type"] == "ExclusiveGateway"]
    assert gateway["converge_gateway_id"] == ids["m"]
    assert gateway["default_condition"]["flow_id"] in built["flows"]
    assert set(gateway["conditions"]) <= set(built["flows"])
    assert {line["id"] for line in built["line"]} == set(built["flows"])
    assert all(
        line["source"]["id"] == built["flows"][line["id"]]["source"] for line in built["line"]
    )
    assert {loc["id"] for loc in built["location"]} == {
        ids[k] for k in ("start", "a", "b", "x", "m", "end")
    }


def test_the_fast_task_info_is_the_dataclass_itself():
    import dataclasses

    from simulator import TaskInfo

    e, _ = engine()
    info = _create(e, linear("a", "b"))
    values = {f.name: getattr(info, f.name) for f in dataclasses.fields(TaskInfo)}
    slow = TaskInfo(**values)
    assert TaskInfo.of(**values) == slow
    assert type(TaskInfo.of(**values)) is TaskInfo
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.name = "changed"
    del values["name"]
    with pytest.raises(AssertionError, match="name"):
        TaskInfo.of(**values)


def test_ids_are_the_hash_of_their_documented_text():
    """Ids are kept in state files and clients' logs: their derivation must not drift."""
    from hashlib import blake2b

    from simulator import ids

    def hexed(*parts):
        text = "\x1f".join(str(p) for p in parts)
        return blake2b(text.encode(), digest_size=16).hexdigest()

    for seed, task_id, path in [(0, 1, "n1"), (7, 123456, "sub/inner"), (-3, 2, "任务\x1fx")]:
        assert ids.node_id(seed, task_id, path) == "n" + hexed(seed, task_id, "node", path)[1:]
        assert ids.flow_id(seed, task_id, path) == "l" + hexed(seed, task_id, "flow", path)[1:]
        assert ids.pipeline_id(seed, task_id) == "n" + hexed(seed, task_id, "pipeline")[1:]
        assert ids.version(seed, task_id, path, 4) == "v" + hexed(seed, task_id, "version", path, 4)


def test_new_task_is_create_task_without_the_snapshot():
    a, _ = engine()
    b, _ = engine()
    from simulator.engine import TaskOptions

    options: TaskOptions = {
        "name": "t",
        "creator": "alice",
        "project_id": 1,
        "constants": {"${x}": 1},
    }
    made = a.new_task(spec(linear("a", "b")), **options)
    info = b.create_task(spec(linear("a", "b")), **options)
    assert made.id == info.id
    assert made.pipeline_id == info.pipeline_id == a.task(made.id).pipeline_id
    assert made.pipeline_tree == info.pipeline_tree == a.task(made.id).pipeline_tree
    assert a.task(made.id) == info  # the same task, by either road
