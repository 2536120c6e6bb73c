"""Branches of the decorators every bk-sops API view wears, on every operation (over HTTP).

gcloud/apigw/decorators.py `project_inject` parses a POST body to read `scope` before the view
runs; django.views.decorators.http `require_POST` / `require_GET` refuse the other method.
"""

from __future__ import annotations

import pytest

from schemas.operations import OPERATIONS

from .api import FAMILIES, Api, url
from .taskflow import failure

PROJECT_POSTS = [op for op in OPERATIONS if op.method == "POST" and "bk_biz_id" in op.path_ids]
IDS = {"bk_biz_id": 2, "template_id": 39, "task_id": 1}
NOT_OBJECTS = [b"{not json", b"[1]", b"null", b'"text"', b"3"]


@pytest.mark.parametrize("family", ["backend", "gateway"])
@pytest.mark.parametrize("raw", NOT_OBJECTS, ids=lambda raw: raw.decode())
@pytest.mark.parametrize("op", PROJECT_POSTS, ids=lambda op: op.name)
def test_a_body_that_is_not_a_json_object_is_refused_by_project_inject(client, op, raw, family):
    if family == "gateway" and not op.on_gateway:
        pytest.skip(f"{op.name} is not on the gateway")
    api = Api(client, family)
    answer = client.post(url(op.name, family, IDS), content=raw, headers=api.headers)
    assert answer.status_code == 200
    body = answer.json()
    assert failure(body, 3540000) == "invalid param format"
    assert "trace_id" not in body  # a JsonResponse of the decorator, not a view dict


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.name)
def test_the_other_method_is_405_with_allow(client, op):
    api = Api(client)
    path = url(op.name, "backend", IDS)
    if op.method == "POST":
        answer = client.get(path, headers=api.headers)
    else:
        answer = client.post(path, json={}, headers=api.headers)
    assert answer.status_code == 405
    assert answer.headers["allow"] == op.method


ZONED = {"get_template_list": {"bk_biz_id": 2}, "get_common_template_list": {}}
ZONED["get_task_list"] = {"bk_biz_id": 2}


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("op", sorted(ZONED))
def test_an_unknown_expected_timezone_is_refused_by_timezone_inject(client, op, family):
    body = Api(client, family).call(op, ZONED[op], {"expected_timezone": "Mars/Base"})
    assert failure(body, 3546100) == "expected_timezone Mars/Base is unknown."
    assert body["data"] == "" and "trace_id" not in body
