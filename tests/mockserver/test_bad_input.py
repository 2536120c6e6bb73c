"""Hostile input: a clear bk-sops error, never a 500, and no change of state."""

from __future__ import annotations

import json

import pytest

BIZ = 2
TEMPLATE = 30
CREATE = f"/apigw/create_task/{TEMPLATE}/{BIZ}/"


def snapshot(app) -> list:
    mock = app.state.mock
    return [(t.id, t.state, t.name) for t in mock.engine.tasks()]


def deep(levels: int) -> bytes:
    return b'{"name": ' + b"[" * levels + b"]" * levels + b"}"


BAD_BODIES = {
    "invalid json": (b'{"name": "x",}', 3540000, "invalid param format"),
    "json array": (b'[{"name": "x"}]', 3540000, "invalid param format"),
    "json null": (b"null", 3540000, "invalid param format"),
    "nested 10000 levels": (deep(10_000), 3540000, "invalid param format"),
    "name of wrong type": (
        b'{"name": 12}',
        3540000,
        "task params is invalid: 12 is not of type 'string'",
    ),
    "constants of wrong type": (
        b'{"name": "x", "constants": "a=b"}',
        3540000,
        "task params is invalid: 'a=b' is not of type 'object'",
    ),
    "exclude list of wrong type": (
        b'{"name": "x", "exclude_task_nodes_id": "node"}',
        3540000,
        "task params is invalid: 'node' is not of type 'array'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_bad_create_bodies(app, client, api, case):
    raw, code, message = BAD_BODIES[case]
    before = snapshot(app)
    answer = client.post(CREATE, content=raw, headers=api.headers)
    assert answer.status_code == 200
    body = answer.json()
    # jsonschema's refusals go on with the schema and the instance (test_bk_sops_words.py)
    headline = body["message"].split("\n\n")[0]
    assert (body["result"], body["code"], headline) == (False, code, message)
    assert snapshot(app) == before


def test_a_ten_megabyte_body_is_refused_before_parsing(app, client, api):
    before = snapshot(app)
    raw = json.dumps({"name": "x", "description": "d" * 10_000_000}).encode()
    body = client.post(CREATE, content=raw, headers=api.headers).json()
    assert body["result"] is False and body["code"] == 3540000
    assert body["message"] == "request body is larger than the limit of 1048576 bytes"
    assert snapshot(app) == before


def test_nul_bytes_in_a_name_are_refused(app, api):
    before = snapshot(app)
    body = api.call("create_task", {"template_id": TEMPLATE, "bk_biz_id": BIZ}, {"name": "a\x00b"})
    assert body["result"] is False and body["code"] == 3540000
    assert body["message"].startswith("task params is invalid: ")
    assert snapshot(app) == before


def test_emoji_and_chinese_names_round_trip(api):
    name = "发布 🚀 任务"
    created = api.ok("create_task", {"template_id": TEMPLATE, "bk_biz_id": BIZ}, {"name": name})
    status = api.ok("get_task_status", {"task_id": created["data"]["task_id"], "bk_biz_id": BIZ})
    assert status["data"]["name"] == name


@pytest.mark.parametrize("ident", [10**30, 2**63, 0])
def test_huge_and_zero_ids_are_simply_unknown(app, api, ident):
    before = snapshot(app)
    body = api.call("get_task_status", {"task_id": ident, "bk_biz_id": BIZ})
    assert body["result"] is False and body["code"] == 3599999
    body = api.call("get_template_list", {"bk_biz_id": ident})
    assert body["result"] is False and body["code"] == 3540400
    assert snapshot(app) == before


@pytest.mark.parametrize("bad", [-1, "-1", "2x", 2.5, True, None, "", [2]])
def test_esb_ids_that_are_not_ids(client, api, bad):
    body = client.post(
        "/api/c/compapi/v2/sops/start_task/",
        json={"bk_biz_id": BIZ, "task_id": bad},
        headers=api.headers,
    ).json()
    assert body["result"] is False and body["code"] == 3540000
    assert body["message"].startswith("task_id ")
