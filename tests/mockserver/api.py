"""A small test client that calls one operation on any of the three URL families."""

from __future__ import annotations

import json
from typing import Any

from schemas.operations import operation

CREDENTIALS = {"bk_app_code": "sops-test", "bk_app_secret": "test-secret", "bk_username": "admin"}
AUTH_HEADER = {"X-Bkapi-Authorization": json.dumps(CREDENTIALS)}
FAMILIES = ("backend", "gateway", "esb", "esb-nov2")


def url(op_name: str, family: str, ids: dict[str, Any]) -> str:
    op = operation(op_name)
    tail = "".join(f"{ids[name]}/" for name in op.path_ids)
    if family == "backend":
        return f"/apigw/{op_name}/{tail}"
    if family == "gateway":
        return f"/api/bk-sops/prod/{op_name}/{tail}"
    prefix = "/api/c/compapi/v2/sops" if family == "esb" else "/api/c/compapi/sops"
    return f"{prefix}/{op_name}/"


class Api:
    """Calls operations the way clients of `family` send them."""

    def __init__(self, client: Any, family: str = "backend", headers: dict[str, str] | None = None):
        self.client = client
        self.family = family
        self.headers = dict(AUTH_HEADER if headers is None else headers)

    def raw(
        self, op_name: str, ids: dict[str, Any], params: dict[str, Any] | None = None, **kw: Any
    ) -> Any:
        op = operation(op_name)
        params = dict(params or {})
        headers = {**self.headers, **kw.pop("headers", {})}
        path = url(op_name, self.family, ids)
        if self.family.startswith("esb"):
            params = {**{k: ids[k] for k in op.path_ids}, **params}
        if op.method == "GET":
            query = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
            return self.client.get(path, params=query, headers=headers, **kw)
        if params or self.family.startswith("esb"):
            return self.client.post(path, json=params, headers=headers, **kw)
        return self.client.post(path, headers=headers, **kw)

    def call(
        self, op_name: str, ids: dict[str, Any], params: dict[str, Any] | None = None, **kw: Any
    ) -> dict[str, Any]:
        response = self.raw(op_name, ids, params, **kw)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        body: dict[str, Any] = response.json()
        return body

    def ok(
        self, op_name: str, ids: dict[str, Any], params: dict[str, Any] | None = None, **kw: Any
    ) -> dict[str, Any]:
        body = self.call(op_name, ids, params, **kw)
        assert body["result"] is True, body
        assert body["code"] == 0
        return body
