"""The execution tree's fast copy (marshal) gives what copy.deepcopy gives, and no more."""

import copy
import json
import marshal
import types

import pytest

import fixtures
from simulator import instance

FIXTURE = fixtures.load("default")
TEMPLATES = [*FIXTURE.get("templates", []), *FIXTURE.get("common_templates", [])]


def _refuse(value):
    raise ValueError("unmarshallable object")


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: str(t["id"]))
def test_execution_tree_is_the_same_by_either_copy(template, monkeypatch):
    tree = template["pipeline_tree"]
    before = json.dumps(tree, sort_keys=True)
    constants = {key: f"value of {key}" for key in tree.get("constants", {})}
    fast = instance.execution_tree(tree, constants, 3, 11)
    monkeypatch.setattr(marshal, "dumps", _refuse)  # every copy now takes deepcopy's road
    slow = instance.execution_tree(tree, constants, 3, 11)
    assert json.dumps(fast) == json.dumps(slow)  # same content, same key order
    assert json.dumps(tree, sort_keys=True) == before  # the template tree is untouched


def test_shared_parts_stay_shared_and_other_types_go_to_deepcopy():
    part = {"value": [1, 2]}
    copied = instance._copy({"a": part, "b": part})
    assert copied["a"] is copied["b"] and copied["a"] is not part
    assert copied == copy.deepcopy({"a": part, "b": part})
    odd = {"a": types.SimpleNamespace(x=1)}  # marshal refuses it; deepcopy copies it
    assert instance._copy(odd)["a"] is not odd["a"] and instance._copy(odd)["a"].x == 1
