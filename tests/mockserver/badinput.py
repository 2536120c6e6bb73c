"""Bad input for every bk-sops operation and every control route, and the checks run on each.

Shared by the fuzz test (a few hundred cases in the default run) and `bench/fuzz_bad_input.py`
(10,000 and more). Requests go to the in-process app through Starlette's TestClient. For each
one: no answer is a 5xx, and a refused call (a control 4xx, a bk-sops 4xx or `result: false`)
leaves the state as it was. The state compared is the snapshot of GET /__mock__/state without
its request and trace counters, which advance on every bk-sops request, refused or not (each
gets a sequence number and a trace id, as bk-sops's own do).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
from hypothesis import strategies as st
from starlette.routing import Route
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.control import control_routes
from mockserver.settings import Settings
from mockserver.snapshot import export_state, restore_state
from schemas.control_store import control_documents
from schemas.operations import OPERATIONS

from .api import AUTH_HEADER, CREDENTIALS

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
TEMPLATES = (31, 32, 38, 36)
TEMPLATE_NODES = ("b4622bc66d53e664e4e764359b19639b", "f8fd10134528fb069f4b4aeed1e48633")


def _names(document: Any, keys: set[str], words: set[str]) -> None:
    """Property names and enum strings anywhere in a JSON Schema."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "properties" and isinstance(value, dict):
                keys.update(value)
            if key == "enum" and isinstance(value, list):
                words.update(v for v in value if isinstance(v, str))
            _names(value, keys, words)
    elif isinstance(document, list):
        for item in document:
            _names(item, keys, words)


def _properties(schema: Any) -> list[str]:
    keys: set[str] = set()
    _names(schema, keys, set())
    return sorted(keys)


CONTROL_SHAPES = {name: _properties(schema) for name, schema in control_documents().items()}
# Which schema (schemas/control/) a control path's body follows, and those of nested fields.
BODY_SHAPE = {
    "clock": "clock/move",
    "reset": "basics/reset",
    "faults": "faults/rule_input",
    "scenarios": "scenarios/scenario",
}
FIELD_SHAPE = {
    "latency": "faults/latency",
    "fault": "faults/fault",
    "scenario": "scenarios/scenario",
}


def shaped(name: str, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with the schema's own field names (some of them), each value odd or nested."""
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for key in CONTROL_SHAPES[name]:
        inner = FIELD_SHAPE.get(key)
        if key in ("components", "templates") and depth == 0:
            optional[key] = st.dictionaries(
                st.text(max_size=8), shaped("scenarios/scenario", 1), max_size=2
            )
        elif inner is not None and depth < 2:
            optional[key] = shaped(inner, depth + 1) | fields
        else:
            optional[key] = fields
    return st.fixed_dictionaries({}, optional=optional)


def _vocabulary() -> tuple[dict[str, list[str]], list[str], list[str]]:
    by_op: dict[str, list[str]] = {}
    words: set[str] = set()
    for op in OPERATIONS:
        keys: set[str] = set()
        path = SCHEMAS / op.name / "request.schema.json"
        _names(json.loads(path.read_text(encoding="utf-8")), keys, words)
        by_op[op.name] = sorted(keys | set(op.path_ids))
    control_keys: set[str] = {"advance", "to", "until_idle", "fixture", "seed", "rules"}
    _names(control_documents(), control_keys, words)
    return by_op, sorted(control_keys), sorted(words)


OP_KEYS, CONTROL_KEYS, WORDS = _vocabulary()


def _examples() -> dict[str, list[dict[str, Any]]]:
    """Each operation's documented request examples: good bodies to break one field of."""
    found: dict[str, list[dict[str, Any]]] = {}
    for op in OPERATIONS:
        folder = SCHEMAS / op.name / "examples"
        paths = sorted(folder.glob("request*.json")) if folder.is_dir() else []
        bodies = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
        found[op.name] = [b for b in bodies if isinstance(b, dict)] or [{}]
    return found


EXAMPLES = _examples()

ODD_TEXT = [
    "", " ", "0", "-1", "1.5", "true", "null", "[]", "{}", "${x}", "x" * 300, "\u0000", "é中",
    "9999-12-31T23:59:59+08:00", "0001-01-01T00:00:00+00:00", "2026-01-05T10:00:00+08:00",
    "not a time", "1e308", "nan", "inf", "status", "category", "create_time", "retry", "skip",
    "pause", "job_fast_execute_script", "cmdb_biz", "project", "app_error", "fail", "uniform",
]  # fmt: skip
ODD_NUMBERS = [0, 1, 2, -1, 3, 31, 999, 2**31, 2**63 - 1, -(2**63), 10**30, 0.5, -0.0, 1e15,
               1e308, -1e308, 5e-324]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(ODD_NUMBERS),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(ODD_TEXT + WORDS),
    st.text(max_size=12),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(CONTROL_KEYS) | st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
# Field values: mostly the odd scalars, where range checks break, sometimes whole structures.
fields = scalars | scalars | values
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)


def nested(levels: int) -> bytes:
    return b'{"a": ' + b"[" * levels + b"]" * levels + b"}"


BAD_BODIES = [
    b"", b"{", b"[]", b"null", b'"x"', b"1", b"1e999", b"NaN", b'{"name": NaN}', b"\xff\xfe{}",
    b'{"bk_biz_id": 1' + b"0" * 400 + b"}", b'{"a": 1, "a": 2}', nested(70), nested(200),
    nested(300), nested(1000), b'{"constants": ' + nested(260) + b"}", b"{}" * 3,
]  # fmt: skip


@dataclass
class Call:
    kind: str  # an operation name, or "control"
    method: str
    path: str
    headers: dict[str, str]
    content: bytes | None = None
    query: dict[str, str] = field(default_factory=dict)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _body(draw: st.DrawFn, params: dict[str, Any]) -> bytes:
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return draw(st.sampled_from(BAD_BODIES))
    if choice == 1:
        return draw(st.binary(max_size=40))
    return json.dumps(params).encode()  # big integers as digits, as a client may send them


def _content_type(draw: st.DrawFn) -> dict[str, str]:
    kind = draw(st.sampled_from(["application/json", "application/json", None, "text/plain"]))
    return {} if kind is None else {"Content-Type": kind}


@st.composite
def operation_calls(draw: st.DrawFn) -> Call:
    op = draw(st.sampled_from(OPERATIONS))
    family = draw(st.sampled_from(["backend", "gateway", "esb"]))
    keys = OP_KEYS[op.name]
    params: dict[str, Any] = draw(st.dictionaries(st.sampled_from(keys), fields, max_size=6))
    example = draw(st.sampled_from(EXAMPLES[op.name]))
    mode = draw(st.integers(0, 2))
    if mode == 1:  # a documented body with some fields replaced
        params = {**example, **params}
    elif mode == 2:  # a documented body with one value somewhere replaced
        params = _mutated(draw, example)
    ids = {name: draw(st.sampled_from([1, 2, 3, 31, 41, 999]) | values) for name in op.path_ids}
    headers = dict(AUTH_HEADER)
    if draw(st.integers(0, 9)) == 0:
        headers["X-Bkapi-Authorization"] = draw(header_text)
    if draw(st.integers(0, 9)) == 0:
        headers[draw(st.sampled_from(["traceparent", "Accept-Language"]))] = draw(header_text)
    if family == "esb":
        base = "/api/c/compapi/v2/sops"
        path = f"{base}/{op.name}/"
        params = {**CREDENTIALS, **ids, **params}
    else:
        base = "/apigw" if family == "backend" else "/api/bk-sops/prod"
        tail = "".join(f"{quote(_text(ids[n]), safe='')}/" for n in op.path_ids)
        path = f"{base}/{op.name}/{tail}"
    if op.method == "GET":
        query = {k: _text(v) for k, v in params.items()}
        return Call(op.name, "GET", path, headers, query=query)
    headers.update(_content_type(draw))
    return Call(op.name, "POST", path, headers, content=_body(draw, params))


def _control_table() -> list[tuple[str, list[str]]]:
    table = []
    for route in control_routes():
        assert isinstance(route, Route)
        table.append((route.path, sorted(route.methods or [])))
    return table


CONTROL_TABLE = _control_table()
PATH_VALUES: dict[str, Any] = {
    "code": st.sampled_from(["job_fast_execute_script", "sleep_timer", "nope"]) | st.text(),
    "template_id": st.sampled_from(["31", "32", "0", "-1", "x", "99999999999999999999"]),
    "node_id": st.sampled_from((*TEMPLATE_NODES, "nope", "")) | st.text(max_size=8),
    "task_id": st.sampled_from(["1", "2", "3", "999", "99999999999999999999999"]),
    "rule_id": st.sampled_from(["r1", "r2", "nope"]) | st.text(max_size=6),
}


@st.composite
def control_calls(draw: st.DrawFn, snapshot: dict[str, Any]) -> Call:
    template, methods = draw(st.sampled_from(CONTROL_TABLE))
    method = draw(st.sampled_from(methods)) if draw(st.integers(0, 19)) else "PATCH"
    path = template
    for name, strategy in PATH_VALUES.items():
        for marker in (f"{{{name}}}", f"{{{name}:int}}"):
            if marker in path:
                path = path.replace(marker, quote(draw(strategy), safe="") or "x")
    headers = {"Content-Type": "application/json"}
    if method in ("GET", "DELETE"):
        keys = st.sampled_from(["operation", "task_id", "family", "status", "result", "since",
                                "limit", "x"])  # fmt: skip
        query = {k: _text(v) for k, v in draw(st.dictionaries(keys, values, max_size=3)).items()}
        return Call("control", method, path, headers, query=query)
    section = path.split("/")[2]
    shape = (
        "scenarios/scenario"
        if section == "tasks"
        else "scenarios/book_input"
        if path == "/__mock__/scenarios"
        else None
    )
    shape = shape or BODY_SHAPE.get(section)
    if path.endswith("/state") and draw(st.booleans()):
        params = _mutated(draw, snapshot)
    elif shape is not None and draw(st.integers(0, 3)):
        params = draw(shaped(shape))
        if path == "/__mock__/faults" and method == "PUT":
            params = {"rules": [params, *draw(st.lists(shaped(shape), max_size=2))]}
    else:
        params = draw(st.dictionaries(st.sampled_from(CONTROL_KEYS), fields, max_size=3))
    return Call("control", method, path, headers, content=_body(draw, params))


def _mutated(draw: st.DrawFn, snapshot: dict[str, Any]) -> Any:
    """The app's own snapshot with one value somewhere replaced by a bad one."""
    copy = orjson.loads(orjson.dumps(snapshot))
    node: Any = copy
    for _ in range(draw(st.integers(1, 6))):
        if isinstance(node, dict) and node:
            key = draw(st.sampled_from(sorted(node)))
            if not isinstance(node[key], dict | list) or draw(st.integers(0, 2)) == 0:
                node[key] = draw(values)
                break
            node = node[key]
        elif isinstance(node, list) and node:
            index = draw(st.integers(0, len(node) - 1))
            if not isinstance(node[index], dict | list) or draw(st.integers(0, 2)) == 0:
                node[index] = draw(values)
                break
            node = node[index]
        else:
            break
    return copy


class Harness:
    """One app with a few tasks; a baseline to go back to after calls that change things."""

    def __init__(self) -> None:
        self.app = create_app(Settings(clock="virtual", seed=5))
        self.mock = self.app.state.mock
        self.client = TestClient(self.app, raise_server_exceptions=False)
        self.client.__enter__()
        for template in TEMPLATES:
            answer = self.client.post(f"/apigw/create_task/{template}/2/", json={"name": "t"},
                                      headers=AUTH_HEADER)  # fmt: skip
            assert answer.json()["result"] is True, answer.text
        self.client.post("/apigw/start_task/1/2/", headers=AUTH_HEADER)
        self.client.post("/__mock__/clock", json={"advance": 30})
        with self.mock.lock:
            self.baseline = export_state(self.mock)
        self.statuses: Counter[int] = Counter()
        self.cases = self.refused = self.restored = 0

    def close(self) -> None:
        self.client.__exit__(None, None, None)

    def fingerprint(self) -> bytes:
        with self.mock.lock:
            state = export_state(self.mock)
        state.pop("counters")
        state["fixture"] = state["fixture"]["name"]
        return orjson.dumps(state)

    def check(self, call: Call) -> None:
        before = self.fingerprint()
        answer = self.client.request(
            call.method, call.path, headers=call.headers, content=call.content, params=call.query
        )
        self.cases += 1
        self.statuses[answer.status_code] += 1
        assert answer.status_code < 500, f"{call}: {answer.status_code} {answer.text[:500]}"
        refused = answer.status_code >= 400
        if not refused and call.kind != "control":
            refused = answer.json().get("result") is False
        after = self.fingerprint()
        if refused:
            self.refused += 1
            assert after == before, f"a refused call changed the state: {call}: {answer.text}"
        elif after != before and (self.mock.faults.rules or len(self.mock.engine.tasks()) > 30):
            # Accepted changes stay (a bad value accepted now may break a later call), except
            # fault rules, whose injected 5xx answers are the rules' point, and a pile of tasks.
            self.restore()

    def restore(self) -> None:
        with self.mock.lock:
            restore_state(self.mock, self.baseline)
        self.mock.journal.clear()
        self.restored += 1

    def figures(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "refused": self.refused,
            "restored": self.restored,
            "statuses": dict(sorted(self.statuses.items())),
        }


def calls(snapshot: dict[str, Any]) -> st.SearchStrategy[Call]:
    return operation_calls() | control_calls(snapshot)


def every_route_once() -> Iterator[tuple[str, str]]:
    for path, methods in CONTROL_TABLE:
        for method in methods:
            yield method, path
