"""pipeline_web's validate_web_pipeline_tree, in its order, with its words.

bk-sops checks a web tree in four steps and stops at the first that fails: every schema error
(sorted by their text, `a→b: message`, joined by commas), then the constants' and outputs' keys,
then constants that refer to themselves or to each other, then the engine's rules. create_task
(tree path) and fast_create_task put the text after their own prefix.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import schemas
from schemas import bksops_params
from simulator.errors import InvalidTree
from simulator.tree import validate as validate_tree

UNSAFE_NAME = re.compile(r"[<>$&'\"]+")
NODE_NAME_MAX = 50
KEY_PATTERN = re.compile(r"^(\$\{(?!_env_|_system\.)[a-zA-Z0-9_]+\})$")
# Python 3.11's text for a loop variable read after a loop that never ran (bk-sops runs 3.11):
# validate_web_pipeline_tree names the last constant key in its outputs message.
UNBOUND_KEY = "cannot access local variable 'key' where it is not associated with a value"


def web_tree_error(tree: dict[str, Any], *, engine: bool = True) -> str | None:
    """The text of the exception validate_web_pipeline_tree raises for `tree`, or None.

    Before the engine's rules, the tree must also pass common/pipeline_tree, whose few extra
    rules (PROVENANCE choice 26) keep the mock's engine from reading a malformed tree.
    """
    errors = sorted(bksops_params.web_tree_checker().iter_errors(tree), key=str)
    if errors:
        return ",".join(
            f"{'→'.join(map(str, error.absolute_path))}: {error.message}" for error in errors
        )
    problem = _key_error(tree) or _constant_reference_error(tree["constants"])
    if problem is not None:
        return problem
    failure = schemas.first_error(schemas.common_validator("pipeline_tree"), tree)
    if failure is not None:
        return f"{failure.path}: {failure.message}"
    return engine_tree_error(tree) if engine else None


def engine_tree_error(tree: dict[str, Any]) -> str | None:
    """The engine's refusal of a tree that passed the web checks (bamboo validate_pipeline_tree)."""
    try:
        validate_tree(tree, cycle_tolerate=True)
    except InvalidTree as exc:
        return str(exc)
    return None


def standardize_name(name: str, limit: int) -> str:
    return UNSAFE_NAME.sub("", name)[:limit]


def standardize_node_names(tree: dict[str, Any]) -> None:
    """bk-sops's standardize_pipeline_node_name: one level of dicts and lists below the root."""
    for value in tree.values():
        items: list[Any] = []
        if isinstance(value, dict):
            items = [*value.values(), value]
        elif isinstance(value, list):
            items = value
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                item["name"] = standardize_name(item["name"], NODE_NAME_MAX)


def task_tree_error(tree: Any, constants: dict[str, Any]) -> str | None:
    """create_task's tree path: the given constants go into the tree, names are tidied, then
    validate_web_pipeline_tree. A tree without `constants` fails on the lookup (a KeyError)."""
    if not isinstance(tree, dict):
        return _python_failure(tree, constants)
    tree = copy.deepcopy(tree)
    if constants and not isinstance(tree.get("constants"), dict):
        return "'constants'"
    for key, value in constants.items():
        constant = tree["constants"].get(key)
        if isinstance(constant, dict):
            constant["value"] = value
    standardize_node_names(tree)
    return web_tree_error(tree)


# Python's names of JSON types, for the texts of the errors a non-object tree raises in bk-sops
PY_TYPES = {dict: "dict", list: "list", str: "str", int: "int", float: "float", bool: "bool"}


def _python_failure(tree: Any, constants: dict[str, Any]) -> str:
    """What Python 3.11 says when bk-sops treats a tree that is not an object as one: the
    constants loop indexes it first (when there are constants), then the names are tidied."""
    kind = "NoneType" if tree is None else PY_TYPES[type(tree)]
    if constants:
        if kind == "list":
            return "list indices must be integers or slices, not str"
        if kind == "str":
            return "string indices must be integers, not 'str'"
        return f"'{kind}' object is not subscriptable"
    return f"'{kind}' object has no attribute 'values'"


def _key_error(tree: dict[str, Any]) -> str | None:
    found: list[str] = []
    last: str | None = None
    for key, const in tree["constants"].items():
        last = key
        if key != const.get("key"):
            found.append(f"constants {key} key property value: {const.get('key')} not matched")
        elif not KEY_PATTERN.match(key):
            found.append(f"invalid key: {key}")
    for output_key in tree["outputs"]:
        if not KEY_PATTERN.match(output_key):
            if last is None:
                return UNBOUND_KEY
            found.append(f"invalid outputs key: {last}")  # sic: bk-sops prints the constant key
    return "\n".join(found) or None


def _constant_reference_error(constants: dict[str, Any]) -> str | None:
    """gcloud/utils/pipeline.py validate_pipeline_tree_constants: no self or cyclic references."""
    values = {}
    for key, const in constants.items():
        value = const.get("value") if isinstance(const, dict) else const
        values[key] = "" if value is None else str(value)  # Python's str, as bk-sops
    graph: dict[str, set[str]] = {}
    selfish = []
    for key, value in values.items():
        if not value:
            continue
        referred = {other for other in values if other in value}
        if key in referred:
            selfish.append(key)
            referred.discard(key)
        if referred:
            graph[key] = referred
    if selfish:
        return f"常量 {', '.join(selfish)} 的值不能引用自身作为值"
    visited: set[str] = set()
    stack: list[str] = []

    def cyclic(node: str) -> bool:
        visited.add(node)
        stack.append(node)
        for neighbour in graph.get(node, set()):
            if neighbour not in visited:
                if cyclic(neighbour):
                    return True
            elif neighbour in stack:
                return True
        stack.remove(node)
        return False

    for node in graph:
        if node not in visited and cyclic(node):
            return f"检测到常量{', '.join(stack)}存在循环引用"
    return None
