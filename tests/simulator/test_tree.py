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
