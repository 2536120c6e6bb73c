"""The suite's one HTTP client: the same calls in-process (no network) or against a base URL."""

from __future__ import annotations

import asyncio
import json
import re
import shlex
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from typing import Any

import httpx

from schemas.operations import Operation, operation

from .target import AUTH_HEADER, Request, Target

# Credential values that never appear in a report: the curl line reads them from the environment.
SECRET_ENV = {
    "bk_app_secret": "BK_APP_SECRET",
    "bk_token": "BK_TOKEN",
    "access_token": "BK_ACCESS_TOKEN",
}
REQUEST_TIMEOUT = 30.0


@dataclass
class Exchange:
    """One request and its answer, with what is needed to judge and to reproduce it."""

    op: Operation | None
    request: Request
    url: str
    response: Any  # httpx.Response (or the httpx2 one starlette's TestClient returns)

    @property
    def status(self) -> int:
        return int(self.response.status_code)

    def body(self) -> Any:
        """The decoded JSON answer, or None when the answer is not JSON."""
        try:
            return json.loads(self.response.content)
        except ValueError:
            return None

    def header(self, name: str) -> str | None:
        value = self.response.headers.get(name)
        return None if value is None else str(value)

    def fingerprint(self) -> bytes:
        """The request's method, URL, query, headers and body, as bytes."""
        request = self.request
        head = [request.method, self.url, json.dumps(request.query, sort_keys=True)]
        head.append(json.dumps(request.headers, sort_keys=True))
        return "\n".join(head).encode() + b"\n" + (request.content() or b"")

    def curl(self) -> str:
        """A curl command that sends the same request; secrets come from environment variables."""
        request = _masked(self.request)
        url = str(httpx.URL(self.url, params=request.query or None))
        url = _ENCODED_SENTINEL.sub(r"@@\1@@", url)
        parts = ["curl", "-sS", "-X", request.method, _quote(url)]
        for name, value in request.headers.items():
            parts += ["-H", _quote(f"{name}: {value}")]
        content = request.content()
        if content is not None:
            parts += ["--data-binary", _quote(content.decode("utf-8", errors="replace"))]
        return " ".join(parts)


def _sentinel(env: str) -> str:
    return f"@@{env}@@"


def _mask(params: Any) -> Any:
    if not isinstance(params, dict):
        return params
    return {k: _sentinel(SECRET_ENV[k]) if k in SECRET_ENV and v else v for k, v in params.items()}


def _masked(request: Request) -> Request:
    """The request with every credential secret replaced by a placeholder."""
    headers = dict(request.headers)
    if AUTH_HEADER in headers:
        with suppress(ValueError):
            headers[AUTH_HEADER] = json.dumps(_mask(json.loads(headers[AUTH_HEADER])))
    body = request.body
    if request.body_bytes is None and isinstance(body, dict):
        body = _mask(body)
    query = _mask(request.query)
    return replace(request, headers=headers, body=body, query=query)


_SENTINEL = re.compile(r"@@([A-Z_]+)@@")
_ENCODED_SENTINEL = re.compile(r"%40%40([A-Z_]+)%40%40")


def _quote(text: str) -> str:
    if not _SENTINEL.search(text):
        return shlex.quote(text)
    # Double quotes, so that the shell expands ${BK_APP_SECRET} and friends.
    return '"' + _SENTINEL.sub(r"${\1}", _escape(text)) + '"'


def _escape(text: str) -> str:
    for char in ("\\", '"', "$", "`"):
        text = text.replace(char, "\\" + char)
    return text


class ContractClient:
    """Sends requests to a `Target` through one httpx-style client and keeps nothing else."""

    def __init__(self, target: Target, http: Any) -> None:
        self.target = target
        self.http = http
        self._health_answer: dict[str, Any] | None = None

    def send(self, request: Request, op: Operation | None = None) -> Exchange:
        url = self.target.url(request)
        response = self.http.request(
            request.method,
            url,
            params=request.query or None,
            headers=request.headers,
            content=request.content(),
        )
        return Exchange(op, request, url, response)

    def call(
        self,
        op_name: str,
        ids: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Exchange:
        """Call an operation with valid-looking input: ids default to the target's pins."""
        op = operation(op_name)
        all_ids = {**self.target.pins(), **(ids or {})}
        given = dict(params or {})
        if op.params_in == "query":
            request = self.target.route(op, op.method, all_ids, given, None, False)
        else:
            headers = {"Content-Type": "application/json"}
            request = self.target.route(op, op.method, all_ids, {}, given, True, headers)
        return self.send(request, op)

    # The mock's control API -----------------------------------------------------------------
    def control(self, method: str, path: str, body: Any = None) -> Any:
        """Call /__mock__/<path> and return its JSON; raises on an error answer."""
        headers = {"Content-Type": "application/json"}
        if self.target.control_token:
            headers["Authorization"] = f"Bearer {self.target.control_token}"
        content = None if body is None else json.dumps(body).encode()
        response = self.http.request(
            method, f"{self.target.origin}/__mock__/{path}", headers=headers, content=content
        )
        if response.status_code != 200:
            raise RuntimeError(f"control {method} {path}: {response.status_code} {response.text}")
        return response.json()

    def _health(self) -> dict[str, Any]:
        """The mock's health answer, probed once with a GET ({} when there is no control API)."""
        if self._health_answer is None:
            try:
                answer = self.control("GET", "health")
            except (RuntimeError, httpx.HTTPError, ValueError):
                answer = {}
            ok = isinstance(answer, dict) and answer.get("status") == "ok"
            self._health_answer = answer if ok else {}
        return self._health_answer

    def has_control(self) -> bool:
        """Whether the target is a mock with its /__mock__/ control API."""
        return bool(self._health())

    def virtual_clock(self) -> bool:
        """Whether the suite moves the target's time itself (a mock on a virtual clock)."""
        return self._health().get("mode") == "virtual"

    @contextmanager
    def fresh_reads(self) -> Iterator[None]:
        """Ask a mock to read fresh for the block (bk-sops caches status reads 10 s).

        The lifecycle tests read a task right after changing it; a real deployment may answer
        such a read from its cache, a mock is told not to. The switch is put back afterwards.
        """
        previous = None
        if self.has_control():
            try:
                previous = self.control("GET", "caches").get("enabled")
                self.control("PUT", "caches", {"enabled": False})
            except RuntimeError:  # a mock without the switch reads fresh anyway
                previous = None
        try:
            yield
        finally:
            if previous:
                self.control("PUT", "caches", {"enabled": True})

    def run_until_idle(self) -> Any:
        return self.control("POST", "clock", {"until_idle": True})

    def advance(self, seconds: float) -> Any:
        return self.control("POST", "clock", {"advance": seconds})


class InProcessHttp:
    """A synchronous client of an ASGI app on a private event loop: no socket, no thread.

    (Starlette's TestClient runs the app in a portal thread; the hand-offs cost more than the
    mock's own work.) App exceptions come back as HTTP 500 answers, as they would over HTTP.
    """

    def __init__(self, app: Any, base_url: str) -> None:
        self.loop = asyncio.new_event_loop()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self.client = httpx.AsyncClient(transport=transport, base_url=base_url)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.client.request(method, url, **kwargs))

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()


@contextmanager
def open_client(target: Target, app: Any = None) -> Iterator[ContractClient]:
    """A client on `app` in-process or on the target's URL."""
    if target.in_process:
        local = InProcessHttp(app, target.origin)
        try:
            yield ContractClient(target, local)
        finally:
            local.close()
    else:
        with httpx.Client(timeout=REQUEST_TIMEOUT, follow_redirects=False) as remote:
            yield ContractClient(target, remote)
