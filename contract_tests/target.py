"""What the suite talks to: the URL family, where ids and credentials travel, the data to aim at.

Three URL styles reach the same bk-sops views (DESIGN.md section 2):

    backend   {base}/apigw/<op>/<ids>/              ids in the path, credentials in a header
    gateway   {base = .../api/bk-sops/<stage>}/<op>/<ids>/   same, through the API gateway
    esb       {base = .../api/c/compapi[/v2]/sops}/<op>/    ids and credentials as parameters

The suite's cases are generated on the backend paths of the OpenAPI document; `Target.route`
moves them to the chosen family.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from schemas.operations import Operation

Family = Literal["backend", "gateway", "esb"]
FAMILIES: tuple[Family, ...] = ("backend", "gateway", "esb")
IN_PROCESS_BASE = "http://testserver"
# Where the in-process app serves each family.
IN_PROCESS_PREFIX: Mapping[Family, str] = {
    "backend": "",
    "gateway": "/api/bk-sops/prod",
    "esb": "/api/c/compapi/v2/sops",
}
AUTH_HEADER = "X-Bkapi-Authorization"
TRACE_HEADER = "Sops-Trace-Id"
DEFAULT_SCOPE = "cmdb_biz"

_ESB_PATH = re.compile(r"/api/c/compapi(/v2)?/sops/?$")
_GATEWAY_PATH = re.compile(r"/api/bk-sops/[^/]+/?$")

# Names an operation starts with when it only reads. Anything else that is not a GET is taken to
# change data: a wrong guess only makes a read-only run skip an operation, never write.
READ_ONLY_PREFIXES = ("get_", "query_")


def detect_family(base_url: str) -> Family:
    """The family a base URL belongs to, from its path."""
    path = urlsplit(base_url).path
    if _ESB_PATH.search(path):
        return "esb"
    if _GATEWAY_PATH.search(path):
        return "gateway"
    return "backend"


def is_destructive(op: Operation) -> bool:
    """Whether calling `op` may create or change data on the target."""
    return op.method != "GET" and not op.name.startswith(READ_ONLY_PREFIXES)


@dataclass(frozen=True)
class Credentials:
    """Who the suite calls as; empty fields are not sent."""

    app_code: str = ""
    app_secret: str = ""
    bk_token: str = ""
    access_token: str = ""
    username: str = ""

    def as_params(self) -> dict[str, str]:
        """The credential keys bk-sops's gateway and the legacy ESB read, without empty ones."""
        pairs = {
            "bk_app_code": self.app_code,
            "bk_app_secret": self.app_secret,
            "bk_token": self.bk_token,
            "access_token": self.access_token,
            "bk_username": self.username,
        }
        return {key: value for key, value in pairs.items() if value}


# (option, environment variable, Credentials field): where a run's credentials come from.
CREDENTIAL_SOURCES = (
    ("--app-code", "BK_APP_CODE", "app_code"),
    ("--app-secret", "BK_APP_SECRET", "app_secret"),
    ("--bk-token", "BK_TOKEN", "bk_token"),
    ("--access-token", "BK_ACCESS_TOKEN", "access_token"),
    ("--bk-username", "BK_USERNAME", "username"),
)
# An identity every sops-mock accepts with its default fixture: lenient auth wants an app code
# and a user, strict auth the fixture's app (app_code / app_secret) and a known user (admin).
MOCK_IDENTITY = Credentials(app_code="app_code", app_secret="app_secret", username="admin")
PROBE_TIMEOUT = 10.0


class TargetError(Exception):
    """The target cannot be tested as given; the message says what to change."""


def missing_credentials_message(base_url: str) -> str:
    options = ", ".join(option for option, _, _ in CREDENTIAL_SOURCES)
    variables = ", ".join(env for _, env, _ in CREDENTIAL_SOURCES)
    return (
        f"no credentials for {base_url}, which is not a sops-mock (no /__mock__/health answer): "
        f"give them with {options} or the environment variables {variables} "
        "(e.g. BK_APP_CODE, BK_APP_SECRET and BK_USERNAME); for a sops-mock served with "
        "--control-token, pass --control-token too"
    )


def check_base_url(base_url: str) -> None:
    """Raise TargetError unless `base_url` is an http(s) URL with a host."""
    try:
        parts = urlsplit(base_url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise TargetError(f"--base-url {base_url!r} is not a URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetError(
            f"--base-url {base_url!r} is not an http(s) URL: write e.g. http://127.0.0.1:8000"
        )


def probe_mock(base_url: str, control_token: str | None = None) -> bool:
    """Whether a sops-mock answers at the URL's origin (one GET /__mock__/health).

    Raises TargetError when nothing answers HTTP there at all.
    """
    check_base_url(base_url)
    parts = urlsplit(base_url)
    headers = {"Authorization": f"Bearer {control_token}"} if control_token else {}
    url = f"{parts.scheme}://{parts.netloc}/__mock__/health"
    try:
        answer = httpx.get(url, headers=headers, timeout=PROBE_TIMEOUT, follow_redirects=False)
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        raise TargetError(
            f"cannot reach {base_url} ({reason}): is the server running? (sops-mock serve "
            "starts a mock on http://127.0.0.1:8000)"
        ) from None
    try:
        body = answer.json()
    except ValueError:
        return False
    return answer.status_code == 200 and isinstance(body, dict) and body.get("status") == "ok"


def resolve_credentials(
    given: Credentials, base_url: str | None, is_mock: bool
) -> tuple[Credentials, str]:
    """The credentials of a run and a line saying where they come from.

    Without any, the in-process mock and a served sops-mock get MOCK_IDENTITY; anything else
    raises TargetError, since a run without credentials could only report the gateway's refusals.
    """
    if given.as_params():
        return given, "credentials from the command line or the environment"
    if base_url is None or is_mock:
        where = "the in-process mock" if base_url is None else "the target is a sops-mock"
        note = (
            f"no credentials given; {where}: calling as app code {MOCK_IDENTITY.app_code!r}, "
            f"user {MOCK_IDENTITY.username!r} (the default fixture's app, accepted by lenient "
            "and strict auth)"
        )
        return MOCK_IDENTITY, note
    raise TargetError(missing_credentials_message(base_url))


@dataclass(frozen=True)
class Request:
    """One request as it goes on the wire (before the base URL is prepended)."""

    method: str
    path: str
    # A list value is sent as repeated keys, as HTTP clients do; bk-sops reads the last one.
    query: dict[str, str | list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    # JSON value to send; `body_bytes` wins when set (raw or deliberately broken bodies).
    body: Any = None
    has_body: bool = False
    body_bytes: bytes | None = None

    def content(self) -> bytes | None:
        if self.body_bytes is not None:
            return self.body_bytes
        if not self.has_body:
            return None
        return json.dumps(self.body, ensure_ascii=False).encode()


@dataclass(frozen=True)
class Target:
    """A bk-sops deployment or a mock, and the project, template and task to aim at."""

    base_url: str = IN_PROCESS_BASE
    family: Family = "backend"
    in_process: bool = True
    credentials: Credentials = Credentials()
    bk_biz_id: int = 2
    scope: str = DEFAULT_SCOPE
    template_id: int | None = None
    task_id: int | None = None
    allow_destructive: bool = True
    control_token: str | None = None
    # Seconds a lifecycle test waits for a real deployment to finish a task.
    poll_timeout: float = 120.0
    # Where the credentials come from, for the report's header.
    identity: str = ""

    def with_(self, **changes: Any) -> Target:
        return replace(self, **changes)

    @property
    def prefix(self) -> str:
        """The URL all operations hang under."""
        if self.in_process:
            return IN_PROCESS_BASE + IN_PROCESS_PREFIX[self.family]
        return self.base_url.rstrip("/")

    @property
    def origin(self) -> str:
        """scheme://host[:port], where the mock's /__mock__/ control API lives."""
        parts = urlsplit(self.prefix)
        return f"{parts.scheme}://{parts.netloc}"

    def pins(self) -> dict[str, int]:
        """Path ids fixed to existing data, so generated requests reach a real project."""
        pinned = {"bk_biz_id": self.bk_biz_id}
        if self.template_id is not None:
            pinned["template_id"] = self.template_id
        if self.task_id is not None:
            pinned["task_id"] = self.task_id
        return pinned

    def route(
        self,
        op: Operation,
        method: str,
        ids: Mapping[str, Any],
        query: Mapping[str, Any],
        body: Any,
        has_body: bool,
        headers: Mapping[str, str] | None = None,
        body_bytes: bytes | None = None,
    ) -> Request:
        """Place ids, scope and credentials where the family expects them."""
        query = {key: _query_value(value) for key, value in query.items() if value is not None}
        sent_headers = dict(headers or {})
        creds = self.credentials.as_params()
        if op.params_in == "query":
            query["scope"] = self.scope
        elif body_bytes is None and isinstance(body, dict):
            body = {**body, "scope": self.scope}
        if self.family == "esb":
            path = f"/{op.name}/"
            extra = {**{name: ids[name] for name in op.path_ids if name in ids}, **creds}
            if op.params_in == "query":
                query = {**query, **{key: _query_value(value) for key, value in extra.items()}}
            elif body_bytes is None and (isinstance(body, dict) or not has_body):
                body = {**extra, **(body if isinstance(body, dict) else {})}
                has_body = True
                sent_headers.setdefault("Content-Type", "application/json")
        else:
            tail = "".join(f"/{ids[name]}" for name in op.path_ids)
            path = f"/apigw/{op.name}{tail}/" if self.family == "backend" else f"/{op.name}{tail}/"
            if creds:
                sent_headers[AUTH_HEADER] = json.dumps(creds)
        return Request(
            method=method,
            path=path,
            query=query,
            headers=sent_headers,
            body=body,
            has_body=has_body,
            body_bytes=body_bytes,
        )

    def url(self, request: Request) -> str:
        return self.prefix + request.path


def _query_value(value: Any) -> str | list[str]:
    if isinstance(value, list | tuple):
        return [_query_text(item) for item in value]
    return _query_text(value)


def _query_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)
