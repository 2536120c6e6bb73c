"""Issue 15 item 7: the executor proxy, get_template_info's time zone, template_constants, what
the gateway publishes, and HEAD on the views behind require_GET / require_POST."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from starlette.testclient import TestClient

import fixtures
from mockserver.app import create_app
from mockserver.handlers.constants_table import activity_references, template_constants
from schemas.operations import OPERATIONS

from .api import AUTH_HEADER, FAMILIES, Api, url

BIZ = 2
SUBPROCESS_TEMPLATE = 36  # its subprocess node passes ${target_ip} on to the child template


def _proxy_fixture(tmp_path, **config: str) -> str:
    fixture = fixtures.load("default")
    fixture["projects"][0].update(config)  # project 1, business 2
    path = tmp_path / "proxy.json"
    path.write_text(fixtures.dump(fixture), encoding="utf-8")
    return str(path)


def _proxies(client: Any, family: str) -> tuple[set[Any], Any]:
    api = Api(client, family)
    flag = {"include_executor_proxy": "true"}
    listed = api.ok("get_user_project_list", {}, flag)["data"]
    assert listed
    detail = api.ok("get_user_project_detail", {"bk_biz_id": BIZ}, flag)["data"]
    return {p["executor_proxy"] for p in listed if p["bk_biz_id"] == BIZ}, detail["executor_proxy"]


@pytest.mark.parametrize("family", FAMILIES)
def test_executor_proxy_is_the_requesting_user_when_the_project_sets_none(client, family):
    listed, detail = _proxies(client, family)
    assert listed == {"admin"} and detail == "admin"
    other = Api(client, family).ok("get_user_project_list", {}, {"include_executor_proxy": "1"})
    assert {p["executor_proxy"] for p in other["data"]} == {"admin"}


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"executor_proxy": " robot "}, "robot"),  # bk-sops strips it
        ({"executor_proxy": "robot", "executor_proxy_exempts": "alice,admin"}, "admin"),
        ({"executor_proxy": "   "}, "admin"),
    ],
)
def test_a_project_proxy_applies_unless_the_user_is_exempt(settings, tmp_path, config, expected):
    app = create_app(settings.with_(fixture=_proxy_fixture(tmp_path, **config)))
    with TestClient(app) as client:
        for family in ("backend", "esb"):
            assert _proxies(client, family) == ({expected}, expected)


@pytest.mark.parametrize("family", FAMILIES)
def test_get_template_info_ignores_expected_timezone(api, family):
    api = Api(api.client, family)
    ids = {"template_id": 30, "bk_biz_id": BIZ}
    plain = api.ok("get_template_info", ids)["data"]
    assert plain["create_time"].endswith("+0800")
    for zone in ("America/New_York", "Nowhere/City"):
        assert api.ok("get_template_info", ids, {"expected_timezone": zone})["data"] == plain
    # The list has bk-sops's timezone_inject: it honours the zone.
    new_york = {"expected_timezone": "America/New_York"}
    listed = api.ok("get_template_list", {"bk_biz_id": BIZ}, new_york)
    item = next(i for i in listed["data"] if i["id"] == 30)
    assert re.search(r" -0[45]00$", item["create_time"])


def _fields_naming(tree: dict[str, Any], key: str) -> tuple[int, int]:
    """(fields of any activity, fields of subprocess nodes) whose value names `key`."""
    total = from_subprocesses = 0
    for act in tree["activities"].values():
        sub = act["type"] == "SubProcess"
        fields = act.get("constants", {}) if sub else act["component"]["data"]
        hits = sum(1 for f in fields.values() if key in json.dumps(f["value"], ensure_ascii=False))
        total += hits
        from_subprocesses += hits if sub else 0
    return total, from_subprocesses


@pytest.mark.parametrize("family", FAMILIES)
def test_template_constants_count_subprocess_references_and_name_the_type(api, family):
    api = Api(api.client, family)
    ids = {"template_id": SUBPROCESS_TEMPLATE, "bk_biz_id": BIZ}
    flags = {"include_constants": "true"}
    zh = api.ok("get_template_info", ids, flags)["data"]["template_constants"]
    en = api.ok("get_template_info", ids, flags, headers={"Accept-Language": "en"})["data"]
    tree = next(t for t in fixtures.load("default")["templates"] if t["id"] == 36)
    tree = tree["pipeline_tree"]
    (row,) = [c for c in zh if c["key"] == "${target_ip}"]
    total, from_subprocesses = _fields_naming(tree, "${target_ip}")
    assert from_subprocesses >= 1 and row["activity_count"] == total
    assert tree["constants"]["${target_ip}"]["custom_type"] == "input"
    assert row["constant_type"] == "输入框"
    (en_row,) = [c for c in en["template_constants"] if c["key"] == "${target_ip}"]
    assert en_row["constant_type"] == "Input"


def _constant(key: str, index: int, source: str = "custom", custom_type: str = "input") -> Any:
    return {
        "key": key,
        "name": key[2:-1],
        "index": index,
        "show_type": "show",
        "source_type": source,
        "custom_type": custom_type,
        "value": "",
    }


def _service(data: dict[str, Any]) -> dict[str, Any]:
    fields = {name: {"hook": False, "value": value} for name, value in data.items()}
    return {"type": "ServiceActivity", "component": {"code": "x", "data": fields}}


def test_template_constants_as_bk_sops_analyses_the_tree():
    tree: dict[str, Any] = {
        "activities": {
            "a1": _service({"cmd": "${a} and ${a} again", "expr": "${a + b}"}),
            "a2": _service({"nested": {"list": ["x", "${b}"], "other": 3}}),
            "s1": {
                "type": "SubProcess",
                "constants": {
                    "${child}": {"show_type": "show", "value": "${c}"},
                    "${more}": {"show_type": "show", "value": "${a}"},
                },
            },
        },
        "gateways": {},
        "constants": {
            "${a}": _constant("${a}", 0),
            "${b}": _constant("${b}", 1, custom_type="datetime"),
            "${c}": _constant("${c}", 2, source="component_inputs", custom_type="radio"),
            "${unused}": _constant("${unused}", 3),
            "${out}": _constant("${out}", 4, source="component_outputs"),
            "${d}": _constant("${d}", 5, custom_type="no_such_variable"),
        },
        "outputs": [],
    }
    tree["constants"]["${d}"]["value"] = "${b}"  # referenced by nobody: dropped as well
    counts = activity_references(tree)
    # One count per field naming a constant: a1's cmd once, its expr for a and b; a2's nested
    # field for b; the subprocess's two constants for c and a.
    assert (counts["${a}"], counts["${b}"], counts["${c}"]) == (3, 2, 1)
    rows = template_constants(tree, "zh")
    assert [(r["key"], r["constant_type"], r["activity_count"]) for r in rows] == [
        ("${a}", "输入框", 3),
        ("${b}", "日期时间", 2),
        ("${c}", "节点输入", 1),
    ]
    assert tree["constants"]["${unused}"]["index"] == 3  # the caller's tree is left alone
    tree["activities"]["a2"]["component"]["data"]["ref"] = {"value": "${d}"}
    (odd,) = [r for r in template_constants(tree, "en") if r["key"] == "${d}"]
    assert odd["constant_type"] == "no_such_variable"  # bk-sops: HTTP 500 (VariableModel)


NOT_ON_GATEWAY = [op for op in OPERATIONS if not op.on_gateway]


@pytest.mark.parametrize("op", NOT_ON_GATEWAY, ids=lambda op: op.name)
def test_what_api_resources_does_not_list_is_the_gateways_404(client, op):
    ids = {name: (BIZ if name == "bk_biz_id" else 1) for name in op.path_ids}
    params: dict[str, Any] = {"constants": {}}
    if op.name == "query_task_count":
        params = {"group_by": "status"}
    answer = Api(client, "gateway").raw(op.name, ids, params)
    assert answer.status_code == 404
    path = url(op.name, "gateway", ids)
    assert answer.json() == {
        "code_name": "API_NOT_FOUND",
        "data": None,
        "code": 1640401,
        "message": f'API not found [method="{op.method}" path="{path}"]',
        "result": False,
    }
    for family in ("backend", "esb"):  # the backend still serves it
        assert Api(client, family).raw(op.name, ids, params).status_code == 200


def test_the_gateway_serves_every_other_operation(client):
    served = {r.name.split(":")[0] for r in client.app.routes if ":gateway:" in (r.name or "")}
    assert served == {op.name for op in OPERATIONS if op.on_gateway}


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.name)
def test_head_is_refused_with_405_and_allow(client, family, op):
    if family == "gateway" and not op.on_gateway:
        pytest.skip("not on the gateway")
    ids = {name: (BIZ if name == "bk_biz_id" else 1) for name in op.path_ids}
    answer = client.head(url(op.name, family, ids), headers=AUTH_HEADER)
    assert answer.status_code == 405
    assert answer.headers["allow"] == op.method
    assert answer.content == b""
    assert answer.headers["sops-trace-id"]
