"""What differs between the runs of two targets, one finding per difference.

A finding's `id` ("KIND | STEP | WHERE") is what an allow-file lists (fnmatch patterns).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import asdict, dataclass
from typing import Any

from .normalize import enum_values, message_text, normalise, shape
from .script import Run, Step

_POLL = re.compile(r" \d+$")


@dataclass(frozen=True)
class Finding:
    kind: str  # step, shape.key, shape.type, shape.nullability, enum, envelope, trace
    step: str
    op: str
    where: str
    a: Any
    b: Any

    @property
    def id(self) -> str:
        return f"{self.kind} | {self.step} | {self.where}"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, **asdict(self)}


def _groups(run: Run) -> dict[str, list[tuple[Step, Any]]]:
    """Normalised answers by step; the polls ("poll 0", "poll 1"...) form one group, since how
    many there are depends on timing: the state trace compares their order instead."""
    tasks = {task: f"<task#{n}>" for n, task in enumerate(run.task_ids, 1)}
    groups: dict[str, list[tuple[Step, Any]]] = {}
    for step in run.steps:
        name = _POLL.sub("", step.name)
        groups.setdefault(name, []).append((step, normalise(step.body, tasks)))
    return groups


def compare(a: Run, b: Run) -> list[Finding]:
    found: list[Finding] = []
    left, right = _groups(a), _groups(b)
    names = list(left) + [name for name in right if name not in left]
    for name in names:
        if name not in left or name not in right:
            present = name in left
            op = (left.get(name) or right[name])[0][0].op
            found.append(Finding("step", name, op, "run", present, not present))
            continue
        found += _compare_group(name, left[name], right[name])
    for task in sorted(set(a.traces) | set(b.traces)):
        if a.traces.get(task) != b.traces.get(task):
            found.append(
                Finding(
                    "trace", task, "get_task_status", "state sequence",
                    a.traces.get(task), b.traces.get(task),
                )
            )  # fmt: skip
    return found


def _merged(
    items: list[tuple[Step, Any]],
) -> tuple[set[int | None], dict[str, set[str]], dict[str, set[str]]]:
    statuses: set[int | None] = set()
    shapes: dict[str, set[str]] = {}
    enums: dict[str, set[str]] = {}
    for step, body in items:
        statuses.add(step.status)
        shape(body, out=shapes)
        enum_values(body, out=enums)
    return statuses, shapes, enums


def _compare_group(
    name: str, left: list[tuple[Step, Any]], right: list[tuple[Step, Any]]
) -> list[Finding]:
    first = left[0][0]
    out: list[Finding] = []

    def add(kind: str, where: str, va: Any, vb: Any) -> None:
        out.append(Finding(kind, name, first.op, where, va, vb))

    (status_a, shape_a, enums_a), (status_b, shape_b, enums_b) = _merged(left), _merged(right)
    if status_a != status_b:
        kind = "envelope" if first.bad_input else "status"
        add(kind, "HTTP status", sorted(status_a, key=str), sorted(status_b, key=str))
    body_a, body_b = left[0][1], right[0][1]
    if first.bad_input and isinstance(body_a, dict) and isinstance(body_b, dict):
        for key in ("result", "code"):
            if body_a.get(key) != body_b.get(key):
                add("envelope", f"$.{key}", body_a.get(key), body_b.get(key))
        ma, mb = message_text(body_a.get("message")), message_text(body_b.get("message"))
        if ma != mb:
            add("envelope", "$.message", ma, mb)
    reported: list[str] = []
    for path in sorted(set(shape_a) | set(shape_b)):
        if any(path.startswith((f"{above}.", f"{above}[")) for above in reported):
            continue  # what lies under a reported difference adds nothing
        ta, tb = shape_a.get(path), shape_b.get(path)
        if ta is None or tb is None:
            add("shape.key", path, sorted(ta or []), sorted(tb or []))
        elif ta != tb:
            add(_type_kind(ta, tb), path, sorted(ta), sorted(tb))
        else:
            continue
        reported.append(path)
    for path in sorted(set(enums_a) & set(enums_b)):
        only_a, only_b = enums_a[path] - enums_b[path], enums_b[path] - enums_a[path]
        if only_a or only_b:
            add("enum", path, sorted(only_a), sorted(only_b))
    return out


def _type_kind(ta: set[str], tb: set[str]) -> str:
    """nullability when one side has null where the other has a value; else type."""
    if "null" in ta ^ tb and (ta == {"null"} or tb == {"null"} or ta - {"null"} == tb - {"null"}):
        return "shape.nullability"
    return "shape.type"


def allowed(finding: Finding, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(finding.id, pattern) for pattern in patterns)


def read_allow_file(text: str) -> list[str]:
    """One pattern a line; blank lines and lines starting with # are skipped."""
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]
