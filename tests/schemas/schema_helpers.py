"""Helpers shared by the schema tests: example lookup and JSON-pointer mutations."""

from __future__ import annotations

import copy
from typing import Any

import schemas


def example(op: str, name: str) -> Any:
    """A fresh copy of a stored example, named like its file: "response.today"."""
    kind, _, short = name.partition(".")
    for found_kind, found_name, instance in schemas.examples(op):
        if (found_kind, found_name) == (kind, short):
            return copy.deepcopy(instance)
    raise LookupError(f"{op} has no example {name}")


def _token(container: Any, token: str) -> Any:
    """A pointer token; "*" means the first key of a map (node ids are not worth spelling out)."""
    if isinstance(container, list):
        return int(token)
    if token == "*":
        return next(iter(container))
    return token.replace("~1", "/").replace("~0", "~")


REMOVE = object()


def mutate(instance: Any, pointer: str, value: Any = REMOVE) -> Any:
    """Set the value at a JSON pointer, or remove it when `value` is REMOVE."""
    *parents, last = pointer.lstrip("/").split("/")
    target = instance
    for token in parents:
        target = target[_token(target, token)]
    key = _token(target, last)
    if value is REMOVE:
        del target[key]
    else:
        target[key] = copy.deepcopy(value)
    return instance
