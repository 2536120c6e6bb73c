"""What differs between the runs of two targets, one finding per difference.

A finding's `id` ("KIND | STEP | WHERE") is what an allow-file lists (fnmatch patterns).
"""

from __future__ import annotations

import fnmatch
from dataclasses import asdict, dataclass
from typing import Any

from .normalize import enum_values, message_text, normalise, shape
from .script import Run, Step


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


def _normalised(run: Run) -> dict[str, tuple[Step, Any]]:
    tasks = {task: f"<task#{n}>" for n, task in enumerate(run.task_ids, 1)}
    return {step.name: (step, normalise(step.body, tasks)) for step in run.steps}


def compare(a: Run, b: Run) -> list[Finding]:
    found: list[Finding] = []
    left, right = _normalised(a), _normalised(b)
    names = list(left) + [name for name in right if name not in left]
    for name in names:
        if name not in left or name not in right:
            present = name in left
            op = (left.get(name) or right[name])[0].op
            found.append(Finding("step", name, op, "run", present, not present))
            continue
        found += _compare_step(left[name], right[name])
    for task in sorted(set(a.traces) | set(b.traces)):
        if a.traces.get(task) != b.traces.get(task):
            found.append(
                Finding(
                    "trace",
                    task,
                    "get_task_status",
                    "state sequence",
                    a.traces.get(task),
                    b.traces.get(task),
                )
            )
    return found


def _compare_step(left: tuple[Step, Any], right: tuple[Step, Any]) -> list[Finding]:
    (sa, body_a), (sb, body_b) = left, right
    out: list[Finding] = []

    def add(kind: str, where: str, va: Any, vb: Any) -> None:
        out.append(Finding(kind, sa.name, sa.op, where, va, vb))

    if sa.status != sb.status:
        add("envelope" if sa.bad_input else "status", "HTTP status", sa.status, sb.status)
    if sa.bad_input and isinstance(body_a, dict) and isinstance(body_b, dict):
        for key in ("result", "code"):
            if body_a.get(key) != body_b.get(key):
                add("envelope", f"$.{key}", body_a.get(key), body_b.get(key))
        ma, mb = message_text(body_a.get("message")), message_text(body_b.get("message"))
        if ma != mb:
            add("envelope", "$.message", ma, mb)
    shape_a, shape_b = shape(body_a), shape(body_b)
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
    enums_a, enums_b = enum_values(body_a), enum_values(body_b)
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
