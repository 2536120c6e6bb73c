"""Reads the package's schema files once: the documents by `$id` and the referencing registry.

Files are read through importlib.resources, so an installed wheel or a zip archive works. Nothing
is fetched over the network: a `$ref` that is not in the registry is an error.
"""

from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ID_PREFIX = "urn:sops-mock:"


def schema_id(folder: str, name: str) -> str:
    """The `$id` of `<folder>/<name>.schema.json`, e.g. urn:sops-mock:common/envelope."""
    return f"{ID_PREFIX}{folder}/{name}"


def package() -> Traversable:
    """The package's own files, wherever it is installed."""
    return resources.files("schemas")


def read_json(entry: Traversable) -> Any:
    return json.loads(entry.read_text(encoding="utf-8"))


@functools.cache
def documents() -> dict[str, dict[str, Any]]:
    """Every `*.schema.json` one folder down, keyed by its `$id` (checked against its path)."""
    found: dict[str, dict[str, Any]] = {}
    for folder in sorted(package().iterdir(), key=lambda entry: entry.name):
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".schema.json"):
                continue
            contents = read_json(entry)
            expected = schema_id(folder.name, entry.name.removesuffix(".schema.json"))
            if contents.get("$id") != expected:
                raise ValueError(f"{folder.name}/{entry.name}: $id must be {expected!r}")
            found[expected] = contents
    return found


def schema_ids() -> tuple[str, ...]:
    """Every `$id` in the package, sorted."""
    return tuple(sorted(documents()))


def schema_by_id(uri: str) -> dict[str, Any]:
    """A copy of the schema with this `$id` (copies keep the cached originals intact)."""
    try:
        return copy.deepcopy(documents()[uri])
    except KeyError:
        raise LookupError(f"no schema with $id {uri!r}") from None


@functools.cache
def registry() -> Registry:
    """All schemas of the package, keyed by `$id`, ready for `$ref` resolution."""
    resources_ = [
        (uri, Resource.from_contents(contents, default_specification=DRAFT202012))
        for uri, contents in documents().items()
    ]
    return Registry().with_resources(resources_).crawl()


@functools.cache
def schema_bases() -> dict[int, str]:
    """id() of every subschema object in the package -> the $id of the document holding it."""
    bases: dict[int, str] = {}

    def walk(node: Any, uri: str) -> None:
        if isinstance(node, dict):
            bases[id(node)] = uri
            for value in node.values():
                walk(value, uri)
        elif isinstance(node, list):
            for value in node:
                walk(value, uri)

    for uri, document in documents().items():
        walk(document, uri)
    return bases
