"""Validation of web pipeline trees: each rule, the node it names, and converge matching."""

import pytest

from simulator import InvalidTree
from simulator.tree import validate

from .builders import Tree, engine, linear, parallel, spec


def _no_flows():
    tree = linear("a")
    del tree["flows"]
    return tree


def _bad_type():
    tree = Tree().act("a").gateway("g", "WeirdGateway").chain("start", "a", "g", "end").build()
    return tree


def _dangling_flow():
    tree = linear("a")
    tree["activities"]["a"]["outgoing"] = "nope"
    return tree


def _two_outgoing():
    return (
        Tree()
        .act("a")
        .act("b")
        .act("c")
        .chain("start", "a", "b", "end")
        .chain("a", "c", "end")
        .build()
    )


def _isolated():
    return Tree().act("a").act("x").act("y").chain("start", "a", "end").chain("x", "y", "x").build()


def _start_to_end():
    return Tree().chain("start", "end").build()


def _missing_condition():
    tree = Tree().act("a").act("b").eg("g").cg("c")
    tree.chain("start", "g", "a", "c", "end").chain("g", "b", "c").cond("g", "a", "1 == 1")
    return tree.build()


def _parallel_to_end():
    tree = Tree().act("a").act("b").pg("p").cg("c")
    return tree.chain("start", "p", "a", "c", "end").chain("p", "b", "end").build()


def _two_converges():
    tree = Tree().act("a").act("b").pg("p").cg("c1").cg("c2").act("z")
    return (
        tree.chain("start", "p", "a", "c1", "z")
        .chain("p", "b", "c2", "z")
        .chain("z", "end")
        .build()
    )


def _exclusive_ends_inside_parallel():
    tree = Tree().act("a").act("b").act("d").pg("p").eg("x").cg("c")
    tree.chain("start", "p", "a", "c", "end").chain("p", "x", "b", "c").chain("x", "d", "end")
    return tree.cond("x", "b", "1 == 1").cond("x", "d", "1 == 2").build()


def _subprocess_without_pipeline():
    tree = Tree().sub("s", linear("inner")).chain("start", "s", "end").build()
    del tree["activities"]["s"]["pipeline"]
    return tree


def _broken_subprocess():
    inner = linear("inner")
    inner["activities"]["inner"]["outgoing"] = "nope"
    return Tree().sub("s", inner).chain("start", "s", "end").build()


INVALID = [
    (_no_flows, "", "structure"),
    (_bad_type, "g", "node_type"),
    (_dangling_flow, "a", "flow_reference"),
    (_two_outgoing, "a", "connection"),
    (_start_to_end, "start", "connection"),
    (_isolated, "x", "isolated_node"),
    (_missing_condition, "g", "conditions"),
    (_parallel_to_end, "p", "converge_match"),
    (_two_converges, "p", "converge_match"),
    (_exclusive_ends_inside_parallel, "x", "converge_match"),
    (_subprocess_without_pipeline, "s", "subprocess"),
    (_broken_subprocess, "inner", "flow_reference"),
]


@pytest.mark.parametrize(
    ("build", "node_id", "rule"), INVALID, ids=[b.__name__ for b, _, _ in INVALID]
)
def test_invalid_trees_name_node_and_rule(build, node_id, rule):
    with pytest.raises(InvalidTree) as caught:
        validate(build())
    assert (caught.value.node_id, caught.value.rule) == (node_id, rule)
    e, _ = engine()
    with pytest.raises(InvalidTree):
        e.create_task(spec(build()), name="t", creator="u", project_id=1)
    assert e.tasks() == []


def _loop():
    tree = Tree().act("a").eg("g").act("b")
    tree.chain("start", "a", "g", "b", "end").chain("g", "a")
    return tree.cond("g", "b", "1 == 1").cond("g", "a", "1 == 2").build()


def test_cycles_are_legal_only_when_tolerated():
    assert validate(_loop()) == {}
    with pytest.raises(InvalidTree) as caught:
        validate(_loop(), cycle_tolerate=False)
    assert caught.value.rule == "cycle"
    e, _ = engine()
    with pytest.raises(InvalidTree):
        e.create_task(spec(_loop()), name="t", creator="u", project_id=1, cycle_tolerate=False)


def test_parallel_gateways_are_matched_with_their_converge():
    assert validate(parallel(3)) == {"pg": "cg"}


def test_nested_blocks_and_shared_converge():
    tree = Tree().act("a").act("b").act("d").act("e").pg("p").eg("x").cg("c").cg("cx")
    tree.chain("start", "p", "a", "c", "end")
    tree.chain("p", "x", "b", "cx", "e", "c").chain("x", "d", "cx")
    tree.cond("x", "b", "1 == 1").cond("x", "d", "1 == 2")
    assert validate(tree.build()) == {"p": "c", "x": "cx"}
    shared = Tree().act("a").act("b").act("d").pg("p").eg("x").cg("c")
    shared.chain("start", "p", "a", "c", "end").chain("p", "x", "b", "c").chain("x", "d", "c")
    shared.cond("x", "b", "1 == 1").cond("x", "d", "1 == 2")
    assert validate(shared.build()) == {"p": "c", "x": "c"}


def _renamed(tree, path, value):
    *keys, last = path
    node = tree
    for key in keys:
        node = node[key]
    node[last] = value
    return tree


MORE_INVALID = [
    (lambda: _renamed(linear("a"), ["start_event", "type"], "Timer"), "start", "node_type"),
    (lambda: _renamed(linear("a"), ["end_event", "type"], "Boom"), "end", "node_type"),
    (lambda: _renamed(linear("a"), ["activities", "a", "type"], "Script"), "a", "node_type"),
    (lambda: _renamed(linear("a"), ["activities", "a", "id"], "b"), "a", "structure"),
    (lambda: _renamed(linear("a"), ["flows", "f_start_a", "target"], "end"),
     "start", "flow_reference"),
    (lambda: _renamed(linear("a"), ["flows", "f_x"], {"id": "f_x", "source": "a", "target": "end"}),
     "a", "flow_reference"),
]  # fmt: skip


@pytest.mark.parametrize(("build", "node_id", "rule"), MORE_INVALID)
def test_more_invalid_trees(build, node_id, rule):
    with pytest.raises(InvalidTree) as caught:
        validate(build())
    assert (caught.value.node_id, caught.value.rule) == (node_id, rule)


def test_condition_rules():
    tree = _missing_condition()
    tree["gateways"]["g"]["conditions"]["f_g_b"] = {"evaluate": 1}
    with pytest.raises(InvalidTree, match="has no evaluate text"):
        validate(tree)
    tree["gateways"]["g"]["conditions"] = {"f_zzz": {"evaluate": "1 == 1"}}
    with pytest.raises(InvalidTree, match="foreign flow"):
        validate(tree)
    tree = _missing_condition()
    tree["gateways"]["g"]["default_condition"] = {"flow_id": "f_a_c"}
    with pytest.raises(InvalidTree, match="default flow"):
        validate(tree)


def test_converge_rules():
    two = Tree().act("a").act("b").act("c").act("d").pg("p").pg("q").cg("m")
    two.chain("start", "p", "a", "m").chain("p", "b", "m").chain("m", "q", "c", "m").chain(
        "q", "d", "end"
    )
    with pytest.raises(InvalidTree) as caught:
        validate(two.build())
    assert caught.value.rule == "converge_match"
    loose = Tree().act("a").act("b").act("c").eg("x").cg("m1").cg("m2")
    loose.chain("start", "x", "a", "m1", "end").chain("x", "b", "m2", "c", "m1")
    loose.cond("x", "a", "1 == 1").cond("x", "b", "1 == 2")
    with pytest.raises(InvalidTree, match="same converge"):
        validate(loose.build())


def test_a_start_event_cannot_be_a_target():
    tree = Tree().act("a").eg("x").chain("start", "a", "x", "end").chain("x", "start")
    tree.cond("x", "end", "1 == 1").cond("x", "start", "1 == 2")
    built = tree.build()
    built["start_event"]["incoming"] = "f_x_start"
    with pytest.raises(InvalidTree) as caught:
        validate(built)
    assert (caught.value.node_id, caught.value.rule) == ("start", "connection")
