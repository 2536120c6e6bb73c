"""The DRF serializers bk-sops's GET views validate their flags with (gcloud/apigw/serializers.py).

A flag that is not one of BooleanField's spellings answers 3540000 with the serializer's error
object as `message` and a trace_id (the view returns a dict), on every URL family.
"""

from __future__ import annotations

from typing import Any

import pytest

from .api import FAMILIES, Api
from .taskflow import failure

TEMPLATE_FLAGS = (
    "include_executor_proxy",
    "include_subprocess",
    "include_constants",
    "include_notify",
    "include_labels",
    "unfold_subprocess",
)
PROJECT_FLAGS = ("include_executor_proxy", "include_staff_groups")
TASK_FLAGS = ("include_edit_info", "include_webhook_history", "include_children_status")


def _ids(api: Api, op: str) -> dict[str, Any]:
    if op == "get_common_template_info":
        return {"template_id": api.ok("get_common_template_list", {})["data"][0]["id"]}
    if op == "get_task_detail":
        created = api.ok("create_task", {"template_id": 39, "bk_biz_id": 2}, {"name": "t"})
        return {"task_id": created["data"]["task_id"], "bk_biz_id": 2}
    return {
        "get_template_list": {"bk_biz_id": 2},
        "get_template_info": {"template_id": 39, "bk_biz_id": 2},
        "get_common_template_list": {},
        "get_user_project_list": {},
        "get_user_project_detail": {"bk_biz_id": 2},
    }[op]


CASES = [
    *[
        (op, flag)
        for op in (
            "get_template_list",
            "get_template_info",
            "get_common_template_list",
            "get_common_template_info",
        )
        for flag in TEMPLATE_FLAGS
    ],
    *[
        (op, flag)
        for op in ("get_user_project_list", "get_user_project_detail")
        for flag in PROJECT_FLAGS
    ],
    *[("get_task_detail", flag) for flag in TASK_FLAGS],
]


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize(("op", "flag"), CASES)
def test_a_flag_that_is_not_a_boolean_is_the_serializers_error(client, family, op, flag):
    api = Api(client, family)
    body = api.call(op, _ids(api, op), {flag: "maybe"})
    assert failure(body, 3540000) == {flag: ["Must be a valid boolean."]}
    assert body["trace_id"]


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("spelling", ["true", "False", "1", "no", "on", ""])
def test_drf_spellings_are_accepted(client, family, spelling):
    api = Api(client, family)
    assert api.call("get_template_list", {"bk_biz_id": 2}, {"include_subprocess": spelling})[
        "result"
    ]


@pytest.mark.parametrize(
    "op", ["get_template_list", "get_template_info", "get_common_template_list"]
)
def test_several_bad_flags_come_in_the_serializers_field_order(api, op):
    params = {"format": "xml", "unfold_subprocess": "x", "include_executor_proxy": "perhaps"}
    body = api.call(op, _ids(api, op), params)
    assert list(failure(body, 3540000)) == ["include_executor_proxy", "unfold_subprocess", "format"]


@pytest.mark.parametrize("family", FAMILIES)
def test_format_yaml_gives_the_tree_as_a_yaml_document(client, family):
    """IncludeTemplateSerializer `format`: yaml turns pipeline_tree into a YAML text (the mock's
    document carries the web tree; bk-sops's v1 converter reshapes it: see the README)."""
    yaml = pytest.importorskip("yaml")
    api = Api(client, family)
    ids = {"template_id": 39, "bk_biz_id": 2}
    tree = api.ok("get_template_info", ids)["data"]["pipeline_tree"]
    text = api.ok("get_template_info", ids, {"format": "yaml"})["data"]["pipeline_tree"]
    document = yaml.safe_load(text)
    assert document["schema_version"] == "v1" and document["meta"]["id"] == 39
    assert document["spec"]["pipeline_tree"] == tree
