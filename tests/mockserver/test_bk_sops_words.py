"""Issue 15 item 5: accept what bk-sops accepts, refuse what it refuses, with its words (over HTTP).

The oracle for jsonschema refusals is what bk-sops runs: `jsonschema.validate(params, SCHEMA)`
on the params after its pops and defaults, with SCHEMA transcribed from gcloud/apigw/schemas.py,
and the answer `"<prefix>%s" % error`. Literal texts pin the format itself.
"""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest

from schemas.operations import operation

from .api import FAMILIES, Api
from .taskflow import failure

BIZ, PROJECT, TEMPLATE = 2, 1, 39
CREATE_IDS = {"template_id": TEMPLATE, "bk_biz_id": BIZ}

SCHEME_ID = {"oneOf": [{"type": "string", "minLength": 1}, {"type": "integer", "minimum": 1}]}
NAME = {"type": "string", "minLength": 1, "maxLength": 100}
FLOW_TYPE = {"type": "string", "enum": ["common", "common_func"]}
# gcloud/apigw/schemas.py APIGW_CREATE_TASK_PARAMS / APIGW_CREATE_AND_START_TASK_PARAMS
CREATE_TASK = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": NAME,
        "flow_type": FLOW_TYPE,
        "constants": {"type": "object"},
        "exclude_task_nodes_id": {"type": "array"},
        "execute_task_nodes_id": {"type": "array"},
        "template_schemes_id": {"oneOf": [SCHEME_ID, {"type": "array", "items": SCHEME_ID}]},
    },
}
CREATE_AND_START = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": NAME,
        "flow_type": FLOW_TYPE,
        "constants": {"type": "object"},
        "exclude_task_nodes_id": {"type": "array"},
        "template_schemes_id": {"oneOf": [SCHEME_ID, {"type": "array", "items": SCHEME_ID}]},
        "template_source": {"type": "string"},
    },
}
# What each view sets before validating (gcloud/apigw/views/create_task.py and
# create_and_start_task.py)
CREATE_TASK_DEFAULTS: tuple[tuple[str, Any], ...] = (
    ("flow_type", "common"),
    ("constants", {}),
    ("exclude_task_nodes_id", []),
    ("simplify_vars", []),
    ("execute_task_nodes_id", []),
    ("template_schemes_id", []),
)
CREATE_AND_START_DEFAULTS: tuple[tuple[str, Any], ...] = (
    ("flow_type", "common"),
    ("template_source", "business"),
    ("constants", {}),
    ("exclude_task_nodes_id", []),
    ("template_schemes_id", []),
)
VIEWS: dict[str, tuple[str, dict[str, Any], tuple[tuple[str, Any], ...]]] = {
    "create_task": ("task params is invalid: ", CREATE_TASK, CREATE_TASK_DEFAULTS),
    "create_and_start_task": (
        "task parmas is invalid: ",
        CREATE_AND_START,
        CREATE_AND_START_DEFAULTS,
    ),
}


def bk_sops_says(op: str, params: dict[str, Any]) -> str:
    prefix, schema, defaults = VIEWS[op]
    held = copy.deepcopy(params)
    held.pop("callback_url", None)
    for key, value in defaults:
        held.setdefault(key, copy.deepcopy(value))
    with pytest.raises(jsonschema.ValidationError) as caught:
        jsonschema.validate(held, schema)
    return f"{prefix}{caught.value}"


REFUSED: dict[str, dict[str, Any]] = {
    "name missing": {"flow_type": "common"},
    "name not text": {"name": 5},
    "name empty": {"name": ""},
    "name too long": {"name": "x" * 101},
    "flow_type unknown": {"name": "t", "flow_type": "bad"},
    "flow_type not text": {"name": "t", "flow_type": 1},
    "constants a list": {"name": "t", "constants": []},
    "constants a text": {"name": "t", "constants": "a=b"},
    "exclude not a list": {"name": "t", "exclude_task_nodes_id": "node"},
    "scheme id zero": {"name": "t", "template_schemes_id": 0},
    "scheme id empty text": {"name": "t", "template_schemes_id": ""},
    "scheme id float": {"name": "t", "template_schemes_id": 1.5},
    "scheme list with zero": {"name": "t", "template_schemes_id": [1, 0]},
    "scheme id an object": {"name": "t", "template_schemes_id": {}},
}


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("op", sorted(VIEWS))
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_jsonschema_refusals_carry_the_whole_text(client, family, op, case):
    params = REFUSED[case]
    body = Api(client, family).call(op, CREATE_IDS, params)
    # ESB clients send the ids in the body, which the view then holds among its params
    held = {**CREATE_IDS, **params} if family.startswith("esb") else params
    assert failure(body, 3540000) == bk_sops_says(op, held)
    assert "trace_id" in body


def test_the_text_is_jsonschemas_multi_line_str(api):
    body = api.call("create_task", CREATE_IDS, {"name": 5})
    assert failure(body, 3540000) == (
        "task params is invalid: 5 is not of type 'string'\n"
        "\n"
        "Failed validating 'type' in schema['properties']['name']:\n"
        "    {'type': 'string', 'minLength': 1, 'maxLength': 100}\n"
        "\n"
        "On instance['name']:\n"
        "    5"
    )


def test_a_missing_name_prints_the_params_with_the_views_defaults(api):
    body = api.call("create_and_start_task", CREATE_IDS, {"flow_type": "common"})
    text = failure(body, 3540000)
    assert text.startswith("task parmas is invalid: 'name' is a required property\n\n")
    assert text.endswith(
        "On instance:\n"
        "    {'flow_type': 'common',\n"
        "     'template_source': 'business',\n"
        "     'constants': {},\n"
        "     'exclude_task_nodes_id': [],\n"
        "     'template_schemes_id': []}"
    )


FALSY_CALLBACKS: list[Any] = [None, "", 0, False, [], {}]


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("op", sorted(VIEWS))
@pytest.mark.parametrize("callback_url", FALSY_CALLBACKS, ids=repr)
def test_a_falsy_callback_url_is_popped_and_accepted(client, family, op, callback_url):
    body = Api(client, family).ok(op, CREATE_IDS, {"name": "t", "callback_url": callback_url})
    assert isinstance(body["data"]["task_id"], int)


@pytest.mark.parametrize("op", sorted(VIEWS))
@pytest.mark.parametrize("callback_url", ["ftp://x", "http://", 1, True, ["http://a.b"]], ids=repr)
def test_a_truthy_callback_url_must_be_an_http_url(api, op, callback_url):
    body = api.call(op, CREATE_IDS, {"name": "t", "callback_url": callback_url})
    assert failure(body, 3540000) == r"callback_url format error, must match ^https?://\w.+$"


BODY_SCOPE_OPS = {
    "query_task_count": ({"bk_biz_id": PROJECT}, {"group_by": "status"}),
    "get_tasks_status": ({"bk_biz_id": PROJECT}, {}),
    "preview_task_tree": ({"bk_biz_id": PROJECT, "template_id": TEMPLATE}, {}),
}


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("op", sorted(BODY_SCOPE_OPS))
@pytest.mark.parametrize("scope", [{}, None, [], 1, "project"], ids=repr)
def test_any_scope_but_cmdb_biz_reads_a_project_id(client, family, op, scope):
    """gcloud/apigw/utils.py get_project_with: `scope == "cmdb_biz"` or else a project id."""
    if family == "gateway" and not operation(op).on_gateway:
        pytest.skip(f"{op} is not published on the gateway (api-resources.yml)")
    ids, params = BODY_SCOPE_OPS[op]
    api = Api(client, family)
    assert api.call(op, ids, {**params, "scope": scope})["result"] is True
    missing = api.call(op, {**ids, "bk_biz_id": 99}, {**params, "scope": scope})
    assert failure(missing, 3540400) == f"project(99) with scope({scope}) does not exist."
    assert "trace_id" not in missing


@pytest.mark.parametrize("op", sorted(BODY_SCOPE_OPS))
def test_cmdb_biz_reads_a_business_id(api, op):
    ids, params = BODY_SCOPE_OPS[op]
    body = api.call(op, ids, {**params, "scope": "cmdb_biz"})
    assert failure(body, 3540400) == f"project({PROJECT}) with scope(cmdb_biz) does not exist."


def template_tree(api: Api) -> dict[str, Any]:
    tree: dict[str, Any] = api.ok("get_template_info", CREATE_IDS)["data"]["pipeline_tree"]
    return tree


def _key_mismatch(tree: dict[str, Any]) -> str:
    tree["constants"]["${hosts}"]["key"] = "${other}"
    return "constants ${hosts} key property value: ${other} not matched"


def _bad_key(tree: dict[str, Any]) -> str:
    const = tree["constants"].pop("${hosts}")
    tree["constants"]["${_env_x}"] = {**const, "key": "${_env_x}"}
    return "invalid key: ${_env_x}"


def _bad_output(tree: dict[str, Any]) -> str:
    tree["outputs"] = ["nope"]
    return "invalid outputs key: ${hosts}"  # sic: bk-sops names the last constant


def _bad_output_no_constants(tree: dict[str, Any]) -> str:
    tree["constants"], tree["outputs"] = {}, ["nope"]
    return "cannot access local variable 'key' where it is not associated with a value"


def _self_reference(tree: dict[str, Any]) -> str:
    tree["constants"]["${hosts}"]["value"] = "${hosts},1"
    return "常量 ${hosts} 的值不能引用自身作为值"


def _cycle(tree: dict[str, Any]) -> str:
    const = tree["constants"]["${hosts}"]
    const["value"] = "${b}"
    tree["constants"]["${b}"] = {**const, "key": "${b}", "value": "${hosts}"}
    return "检测到常量${hosts}, ${b}存在循环引用"


def _schema_errors(tree: dict[str, Any]) -> str:
    tree["start_event"]["type"] = "Nope"
    del tree["end_event"]["name"]
    return (
        "start_event→type: 'Nope' is not one of ['EmptyStartEvent'],"
        "end_event: 'name' is a required property"  # sorted by text: 'N' before 'n'
    )


def _engine(tree: dict[str, Any]) -> str:
    flow = next(iter(tree["flows"].values()))
    flow["target"] = "nowhere"
    return ""  # the engine's text: only its presence and prefix are checked


TREE_CASES = {
    "constant key mismatch": _key_mismatch,
    "constant key pattern": _bad_key,
    "output key pattern": _bad_output,
    "output key without constants": _bad_output_no_constants,
    "constant refers to itself": _self_reference,
    "constants refer to each other": _cycle,
    "schema errors, all of them sorted": _schema_errors,
    "engine rules": _engine,
}


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("case", sorted(TREE_CASES))
def test_create_task_wrong_tree_takes_validate_web_pipeline_tree(client, family, case):
    api = Api(client, family)
    tree = template_tree(api)
    expected = TREE_CASES[case](tree)
    body = api.call("create_task", CREATE_IDS, {"name": "t", "pipeline_tree": tree})
    text = failure(body, 3599999)
    assert text.startswith("[API] create_task get invalid pipeline_tree: ")
    assert text.endswith(expected) and len(text) > len(
        "[API] create_task get invalid pipeline_tree: "
    )
    assert "trace_id" in body


def test_create_task_constants_go_into_the_tree_before_the_check(api):
    tree = template_tree(api)
    body = api.call(
        "create_task",
        CREATE_IDS,
        {"name": "t", "pipeline_tree": tree, "constants": {"${hosts}": "${hosts}"}},
    )
    assert failure(body, 3599999) == (
        "[API] create_task get invalid pipeline_tree: 常量 ${hosts} 的值不能引用自身作为值"
    )


def test_create_task_constants_without_a_tree_constants_key(api):
    tree = template_tree(api)
    del tree["constants"]
    body = api.call(
        "create_task", CREATE_IDS, {"name": "t", "pipeline_tree": tree, "constants": {"${a}": 1}}
    )
    assert failure(body, 3599999) == "[API] create_task get invalid pipeline_tree: 'constants'"


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("case", sorted(set(TREE_CASES) - {"engine rules"}))
def test_fast_create_task_wrong_tree_takes_the_same_path(client, family, case):
    api = Api(client, family)
    tree = template_tree(api)
    expected = TREE_CASES[case](tree)
    body = api.call("fast_create_task", {"bk_biz_id": BIZ}, {"name": "t", "pipeline_tree": tree})
    assert failure(body, 3540000) == f"[API] fast_create_task get invalid pipeline_tree: {expected}"
    assert "trace_id" not in body


NOT_A_TREE: list[tuple[Any, dict[str, Any], str]] = [
    (None, {}, "'NoneType' object has no attribute 'values'"),
    ([], {}, "'list' object has no attribute 'values'"),
    ("tree", {}, "'str' object has no attribute 'values'"),
    (1, {}, "'int' object has no attribute 'values'"),
    ([], {"${a}": 1}, "list indices must be integers or slices, not str"),
    ("tree", {"${a}": 1}, "string indices must be integers, not 'str'"),
    (None, {"${a}": 1}, "'NoneType' object is not subscriptable"),
]


@pytest.mark.parametrize(("tree", "constants", "reason"), NOT_A_TREE, ids=repr)
def test_create_task_with_a_tree_that_is_not_an_object(api, tree, constants, reason):
    """Presence of `pipeline_tree` (even null) takes the tree path; Python's error is the text."""
    params = {"name": "t", "pipeline_tree": tree, "constants": constants}
    body = api.call("create_task", CREATE_IDS, params)
    assert failure(body, 3599999) == f"[API] create_task get invalid pipeline_tree: {reason}"
