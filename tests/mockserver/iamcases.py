"""What the IAM tests share: the callers of the default fixture and bk-sops's two refusals.

The default fixture trusts `sops-test`; `esb_test` is an ordinary app. admin holds every
action, lina views and runs project 1 (business 2) and views common templates, 张伟 views
project 2 (business 3), fast-creates tasks there and may use its template 40, jenkins holds
nothing. Expected texts are written from bk-sops, not read from the mock.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.testclient import TestClient

from schemas.operations import OPERATIONS

from .api import FAMILIES, Api
from .taskflow import BIZ, NOT_EXIST, PAUSING, create

TRUSTED, ORDINARY = "sops-test", "esb_test"
MISSING = 99999
COMMON = 10001
REFUSAL = "iam authentication exception, please check, action:{}"
ALL_FLOW_ACTIONS = [
    "flow_create",
    "flow_view",
    "flow_edit",
    "flow_delete",
    "flow_create_task",
    "flow_create_mini_app",
    "flow_create_periodic_task",
    "flow_create_clocked_task",
]
ALL_TASK_ACTIONS = ["task_view", "task_edit", "task_operate", "task_claim", "task_delete"]
ALL_TASK_ACTIONS += ["task_clone"]


def as_(client: TestClient, family: str, app: str, user: str) -> Api:
    creds = {"bk_app_code": app, "bk_app_secret": "x", "bk_username": user}
    return Api(client, family, {"X-Bkapi-Authorization": json.dumps(creds)})


def refused(body: dict[str, Any], action: str) -> None:
    # return_json_response's answer: data null, code 3599999, the request's trace id.
    assert body["result"] is False and body["data"] is None, body
    assert body["code"] == 3599999
    assert body["message"] == REFUSAL.format(action)
    assert isinstance(body.get("trace_id"), str)


def missing(body: dict[str, Any], text: str) -> None:
    # ObjectDoesNotExistExceptionMiddleware's answer: 3540400, its own text, no trace_id.
    assert body == {
        "result": False,
        "data": None,
        "message": NOT_EXIST.format(text),
        "code": 3540400,
    }


def made_task(client: TestClient) -> dict[str, int]:
    """A task of project 1 (business 2), made by a trusted app."""
    task = create(as_(client, "backend", TRUSTED, "admin"), PAUSING)
    return {"task_id": task["task_id"], "bk_biz_id": BIZ}


def served(ops: Any) -> list[tuple[str, str]]:
    """(operation, family) pairs a client can reach: the gateway publishes only some operations."""
    on_gateway = {op.name for op in OPERATIONS if op.on_gateway}
    return [
        (op, family) for op in ops for family in FAMILIES if family != "gateway" or op in on_gateway
    ]
