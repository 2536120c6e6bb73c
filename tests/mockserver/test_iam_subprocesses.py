"""fast_create_task's check of the tree's subprocess templates, answered by iam's middleware."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from .api import FAMILIES
from .iamcases import COMMON, ORDINARY, TRUSTED, as_
from .taskflow import BIZ, OTHER_BIZ


def _tree_using(client: TestClient, template_id: int) -> dict[str, Any]:
    """Template 36's tree (project 1) with its subprocess node pointing at `template_id`."""
    admin = as_(client, "backend", TRUSTED, "admin")
    tree: dict[str, Any] = admin.ok("get_template_info", {"template_id": 36, "bk_biz_id": BIZ})[
        "data"
    ]["pipeline_tree"]
    for activity in tree["activities"].values():
        if "template_id" in activity:
            activity["template_id"] = template_id
    return tree


def _forbidden(action: str, names: tuple[str, str, str, str], instance: list[dict]) -> dict:
    # iam's IAMAuthFailedResponse with gen_perms_apply_data's body (no trace_id).
    system, action_name, kind, kind_name = names
    related: dict[str, Any] = {"system_id": "bk_sops", "system_name": system, "type": kind}
    related |= {"type_name": kind_name, "instances": [instance]}
    return {
        "result": False,
        "code": 9900403,
        "message": "you have no permission to operate",
        "data": None,
        "permission": {
            "system_id": "bk_sops",
            "system_name": system,
            "actions": [{"id": action, "name": action_name, "related_resource_types": [related]}],
        },
    }


@pytest.mark.parametrize("family", FAMILIES)
def test_fast_create_task_wants_view_on_each_subprocess_template(client, family):
    api = as_(client, family, ORDINARY, "张伟")  # views template 40 of project 2, not 41
    biz = {"bk_biz_id": OTHER_BIZ}
    api.ok("fast_create_task", biz, {"name": "n", "pipeline_tree": _tree_using(client, 40)})
    body = api.call(
        "fast_create_task", biz, {"name": "n", "pipeline_tree": _tree_using(client, 41)}
    )
    instance = [
        {"type": "project", "type_name": "项目", "id": "2", "name": "project,2"},
        {"type": "flow", "type_name": "流程模板", "id": "41", "name": "每周数据报表"},
    ]
    assert body == _forbidden("flow_view", ("标准运维", "查看流程", "flow", "流程模板"), instance)


def test_fast_create_task_wants_view_on_each_common_subprocess_template(client):
    api = as_(client, "gateway", ORDINARY, "张伟")
    params: dict[str, Any] = {"name": "n", "pipeline_tree": _tree_using(client, COMMON)}
    params["has_common_subprocess"] = True
    body = api.call("fast_create_task", {"bk_biz_id": OTHER_BIZ}, params)
    name = client.get(
        f"/apigw/get_common_template_info/{COMMON}/",
        headers=as_(client, "backend", TRUSTED, "admin").headers,
    ).json()["data"]["name"]
    instance = [{"type": "common_flow", "type_name": "公共流程", "id": str(COMMON), "name": name}]
    expected = ("标准运维", "查看公共流程", "common_flow", "公共流程")
    assert body == _forbidden("common_flow_view", expected, instance)


def test_the_permission_names_follow_the_language(client):
    api = as_(client, "esb", ORDINARY, "张伟")
    body = api.call(
        "fast_create_task",
        {"bk_biz_id": OTHER_BIZ},
        {"name": "n", "pipeline_tree": _tree_using(client, 41)},
        headers={"Accept-Language": "en"},
    )
    permission = body["permission"]
    assert permission["system_name"] == "Standard OPS"
    assert permission["actions"][0]["name"] == "View Flow"
    related = permission["actions"][0]["related_resource_types"][0]
    assert [i["type_name"] for i in related["instances"][0]] == ["Project", "Flow"]
