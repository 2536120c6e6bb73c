"""Turns jsonschema errors into the one failure worth reporting: where, what, which field.

The pick starts from jsonschema's relevance order (best_match) but looks for the error in the
oneOf/anyOf branch the instance was meant to take, and renders the location as a JSON path in
which declared fields are dotted and map keys (node ids) are bracketed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, relevance

from schemas.store import registry, schema_bases

if TYPE_CHECKING:
    from referencing._core import Resolver

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_BRANCHING = frozenset({"oneOf", "anyOf"})


@dataclass(frozen=True)
class ValidationFailure:
    """The one error worth showing: where it is, what is wrong, which keyword and field."""

    path: str
    message: str
    validator: str
    field: str | None


def first_error(checker: Draft202012Validator, instance: Any) -> ValidationFailure | None:
    """The most relevant error of `instance`, or None when it is valid.

    Starts from jsonschema's relevance order (best_match). Where a oneOf/anyOf failed, the error
    is looked for in the branch the instance was meant to take (see _intended_branch) rather
    than in whichever branch happens to fail deepest.
    """
    error = _pick(checker.iter_errors(instance))
    if error is None:
        return None
    return ValidationFailure(
        path=_json_path(error),
        message=error.message,
        # jsonschema leaves `validator` None for a `false` subschema.
        validator=error.validator if isinstance(error.validator, str) else "false",
        field=_field(error),
    )


def _rank(error: ValidationError) -> tuple[Any, ...]:
    """jsonschema's relevance without its path order, so ties go to the first error found."""
    key: tuple[Any, ...] = relevance(error)  # type: ignore[assignment]
    return key[:1] + key[2:]


def _pick(errors: Iterable[ValidationError]) -> ValidationError | None:
    best = max(errors, key=_rank, default=None)
    while best is not None and best.context:
        branch = _intended_branch(best) if best.validator in _BRANCHING else None
        if branch is not None:
            best = max(branch, key=_rank)
            continue
        smallest = sorted(best.context, key=relevance)[:2]
        if len(smallest) == 2 and relevance(smallest[0]) == relevance(smallest[1]):
            return best
        best = smallest[0]
    return best


def _intended_branch(error: ValidationError) -> list[ValidationError] | None:
    """The errors of the oneOf/anyOf branch the instance was meant to take, if one stands out.

    A property that two or more branches pin with `const` (result, state ...) tells the
    branches apart: a branch pinning it to another value is ruled out. Among the rest the
    branch with more matching pins wins, then the one with fewer errors.
    """
    instance = error.instance
    base = schema_bases().get(id(error.schema))
    if base is None or not isinstance(instance, dict):
        return None
    resolver = registry().resolver(base_uri=base)
    branches: Any = error.validator_value
    pins = [_pins(branch, resolver) for branch in branches]
    pinned = Counter(name for branch in pins for name in branch)
    telling = {name for name, count in pinned.items() if count > 1}
    failing: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        failing.setdefault(int(sub.relative_schema_path[0]), []).append(sub)

    def closeness(index: int) -> tuple[bool, int, int]:
        branch = pins[index]
        matches = {
            name for name, value in branch.items() if _same(instance.get(name, _ABSENT), value)
        }
        ruled_out = any(name in branch and name not in matches for name in telling)
        return ruled_out, -len(matches), len(failing[index])

    ranked = sorted(failing, key=closeness)
    if len(ranked) > 1 and closeness(ranked[0]) == closeness(ranked[1]):
        return None
    return failing[ranked[0]]


_ABSENT = object()


def _same(value: Any, const: Any) -> bool:
    # JSON equality: true is not 1.
    return isinstance(value, bool) == isinstance(const, bool) and value == const


def _pins(schema: Any, resolver: Resolver[Any], depth: int = 0) -> dict[str, Any]:
    """Properties a subschema fixes with `const`, following $ref and allOf."""
    if not isinstance(schema, dict) or depth > 8:
        return {}
    pins = {
        name: sub["const"]
        for name, sub in schema.get("properties", {}).items()
        if isinstance(sub, dict) and "const" in sub
    }
    if "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        pins = _pins(resolved.contents, resolved.resolver, depth + 1) | pins
    for part in schema.get("allOf", []):
        pins |= _pins(part, resolver, depth + 1)
    return pins


def _field(error: ValidationError) -> str | None:
    instance = error.instance
    value: Any = error.validator_value
    if error.validator == "required" and isinstance(instance, dict):
        missing = [name for name in value if name not in instance]
        return str(missing[0]) if missing else None
    if error.validator == "dependentRequired" and isinstance(instance, dict):
        for needs in value.values():
            missing = [name for name in needs if name not in instance]
            if missing:
                return str(missing[0])
    if error.validator in {"additionalProperties", "unevaluatedProperties"} and isinstance(
        instance, dict
    ):
        named = [key for key in instance if repr(key) in error.message]
        if named:
            return str(named[0])
    if "propertyNames" in error.absolute_schema_path and isinstance(instance, str):
        return instance
    names = [part for part in error.absolute_path if isinstance(part, str)]
    return names[-1] if names else None


def _json_path(error: ValidationError) -> str:
    path = list(error.absolute_path)
    dynamic = _dynamic_keys(path, list(error.absolute_schema_path))
    rendered = "$"
    for position, part in enumerate(path):
        if isinstance(part, int):
            rendered += f"[{part}]"
        elif position in dynamic or not _IDENTIFIER.match(part):
            quoted = part.replace("\\", "\\\\").replace("'", "\\'")
            rendered += f"['{quoted}']"
        else:
            rendered += f".{part}"
    return rendered


def _dynamic_keys(path: list[Any], schema_path: list[Any]) -> set[int]:
    """Positions in `path` that are map keys (matched by additional/patternProperties).

    Declared properties are written `.name`; keys of open maps such as `children` or
    `activities` are written `['key']`, so a reader can tell a field from an id.
    """
    dynamic: set[int] = set()
    at = 0
    tokens = iter(schema_path)
    for token in tokens:
        if at >= len(path):
            break
        if token == "properties":
            if next(tokens, None) == path[at]:
                at += 1
        elif token == "additionalProperties":
            dynamic.add(at)
            at += 1
        elif token == "patternProperties":
            next(tokens, None)
            dynamic.add(at)
            at += 1
        elif token == "prefixItems":
            next(tokens, None)
            at += 1
        elif token == "items":
            at += 1
    return dynamic
