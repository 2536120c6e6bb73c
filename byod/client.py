"""One target's bk-sops API, called by operation name in any URL family (backend, gateway, esb)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from byod.convert import public_url
from contract_tests.target import Credentials, Target, detect_family
from schemas.operations import operation

TIMEOUT = 30.0


class TargetCallError(Exception):
    """A target did not answer HTTP, or answered something that is not JSON."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # decoded JSON, or None when the answer is not JSON
    headers: dict[str, str]


class ApiClient:
    """Calls one target; credentials go where the family wants them and are never kept elsewhere."""

    def __init__(self, base_url: str, credentials: Credentials, scope: str = "cmdb_biz") -> None:
        family = detect_family(base_url)
        self.target = Target(
            base_url=base_url, family=family, in_process=False, credentials=credentials, scope=scope
        )
        self._http = httpx.Client(timeout=TIMEOUT, follow_redirects=False)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(
        self,
        name: str,
        ids: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        body_bytes: bytes | None = None,
    ) -> Answer:
        op = operation(name)
        ids = ids or {}
        params = dict(params or {})
        if op.params_in == "query":
            request = self.target.route(op, op.method, ids, params, None, False)
        else:
            request = self.target.route(
                op,
                op.method,
                ids,
                {},
                params,
                True,
                {"Content-Type": "application/json"},
                body_bytes,
            )
        try:
            response = self._http.request(
                request.method,
                self.target.url(request),
                params=request.query or None,
                headers=request.headers,
                content=request.content(),
            )
        except httpx.HTTPError as exc:
            reason = str(exc) or type(exc).__name__
            where = public_url(self.target.base_url)  # no user info: it may hold a password
            raise TargetCallError(f"{name}: cannot reach {where} ({reason})") from None
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
        return Answer(response.status_code, body, dict(response.headers))

    def data(self, name: str, ids: dict[str, Any] | None = None, /, **params: Any) -> Any:
        """The `data` of a successful answer; anything else raises TargetCallError."""
        answer = self.call(name, ids, params)
        body = answer.body
        if not isinstance(body, dict) or body.get("result") is not True:
            message = body.get("message") if isinstance(body, dict) else None
            raise TargetCallError(f"{name}: HTTP {answer.status}, {message or 'not a success'}")
        return body.get("data")
