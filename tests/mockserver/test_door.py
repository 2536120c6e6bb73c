"""The door over a real socket: Host, Origin and Content-Type checks, raw HTTP as an attacker
would send it (DNS rebinding names, foreign origins, `text/plain` posts), and that every refused
call leaves the mock's state as it was.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from mockserver.door import allowed_names, host_name
from mockserver.running import RunningMock

from .api import CREDENTIALS

JSON = "application/json"


@pytest.fixture(scope="module")
def served() -> Iterator[RunningMock]:
    with RunningMock(seed=1, allowed_hosts=("mock.example.test",)) as mock:
        yield mock


def send(
    mock: RunningMock,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes | None = None,
) -> tuple[int, dict[str, str], Any]:
    """One request with exactly these headers (Host included: nothing is added for us)."""
    port = int(mock.base_url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        answer = conn.getresponse()
        raw = answer.read()
        heads = {k.lower(): v for k, v in answer.getheaders()}
        parsed = json.loads(raw) if heads.get("content-type") == JSON else raw
        return answer.status, heads, parsed
    finally:
        conn.close()


def own_host(mock: RunningMock) -> str:
    return mock.base_url.removeprefix("http://")


def fingerprint(mock: RunningMock) -> str:
    state = mock.state()
    state.pop("clock", None)  # the wall clock is not in use, but keep the comparison about data
    return json.dumps(state, sort_keys=True)


def test_a_foreign_host_is_refused_before_routing(served):
    for path in ("/__mock__/state", "/apigw/get_template_list/2/", "/no/such/route"):
        status, _, body = send(served, "GET", path, {"Host": "attacker.example"})
        assert status == 403, path
        assert body["error"] == "host_not_allowed"
        assert "attacker.example" in body["message"] and "--allowed-host" in body["message"]
    # Nothing of the fixture (its app secrets) leaks in a refusal.
    status, _, body = send(served, "GET", "/__mock__/state", {"Host": "attacker.example:80"})
    assert status == 403 and set(body) == {"error", "message"}


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "LOCALHOST:1234", "[::1]", "[::1]:8000", "mock.example.test:80"],
)
def test_loopback_names_and_allowed_hosts_are_served(served, host):
    status, _, body = send(served, "GET", "/__mock__/health", {"Host": host})
    assert status == 200 and body["status"] == "ok"


def test_names_close_to_allowed_ones_are_not(served):
    for host in ("localhost.attacker.example", "127.0.0.1.nip.io", "example.test", "[::2]"):
        status, _, body = send(served, "GET", "/__mock__/health", {"Host": host})
        assert status == 403 and body["error"] == "host_not_allowed", host


def test_control_calls_from_a_foreign_origin_change_nothing(served):
    host = own_host(served)
    task = served.control("GET", "/__mock__/health")  # the mock is up
    assert task["status"] == "ok"
    before = fingerprint(served)
    evil = {"Host": host, "Origin": "http://evil.example", "Content-Type": JSON}
    attempts = [
        ("POST", "/__mock__/reset", b"{}"),
        ("POST", "/__mock__/faults", json.dumps({"fault": {"kind": "app_error"}}).encode()),
        ("POST", "/__mock__/clock", b'{"advance": 3600}'),
        ("PUT", "/__mock__/state", b"{}"),
        ("DELETE", "/__mock__/faults", None),
        ("GET", "/__mock__/state", None),
    ]
    for method, path, body in attempts:
        status, heads, answer = send(served, method, path, evil, body)
        assert status == 403 and answer["error"] == "origin_not_allowed", path
        assert "access-control-allow-origin" not in heads
    assert fingerprint(served) == before


def test_a_text_plain_post_cannot_reach_the_control_api(served):
    """The form a CORS-free browser post takes: no Origin check helps when none is sent."""
    before = fingerprint(served)
    rule = json.dumps({"fault": {"kind": "app_error"}}).encode()
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        headers = {"Host": own_host(served), "Content-Type": ctype}
        status, _, body = send(served, "POST", "/__mock__/faults", headers, rule)
        assert status == 415 and body["error"] == "unsupported_media_type", ctype
    # No Content-Type at all, but a body: refused too.
    status, _, _ = send(served, "POST", "/__mock__/faults", {"Host": own_host(served)}, rule)
    assert status == 415
    assert fingerprint(served) == before
    # JSON, or nothing at all, still works (charset parameters are fine).
    headers = {"Host": own_host(served), "Content-Type": "application/json; charset=utf-8"}
    status, _, body = send(served, "POST", "/__mock__/faults", headers, rule)
    assert status == 201, body
    status, _, _ = send(served, "DELETE", "/__mock__/faults", {"Host": own_host(served)})
    assert status == 200


def test_a_task_cannot_be_created_from_a_foreign_origin(served):
    body = json.dumps({**CREDENTIALS, "bk_biz_id": 2, "template_id": 31, "name": "csrf"}).encode()
    path = "/api/c/compapi/v2/sops/create_task/"
    before = fingerprint(served)
    for origin in ("http://evil.example", "null", f"http://{own_host(served)}.evil.example"):
        headers = {"Host": own_host(served), "Origin": origin, "Content-Type": "text/plain"}
        status, _, answer = send(served, "POST", path, headers, body)
        assert status == 403 and answer["error"] == "origin_not_allowed", origin
    assert fingerprint(served) == before
    # The same call from a program (no Origin) or from the mock's own page works.
    for extra in ({}, {"Origin": served.base_url}):
        headers = {"Host": own_host(served), "Content-Type": "text/plain", **extra}
        status, _, answer = send(served, "POST", path, headers, body)
        assert status == 200 and answer["result"] is True, answer


def test_no_cors_headers_unless_an_origin_is_named(served):
    headers = {
        "Host": own_host(served),
        "Origin": "http://app.example",
        "Access-Control-Request-Method": "POST",
    }
    status, heads, _ = send(served, "OPTIONS", "/__mock__/faults", headers)
    assert status == 403 and "access-control-allow-origin" not in heads


def test_the_cors_origin_gets_preflight_and_headers():
    with RunningMock(seed=1, cors_origin="http://app.example:3000") as mock:
        host = own_host(mock)
        preflight = {
            "Host": host,
            "Origin": "http://app.example:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        }
        status, heads, _ = send(mock, "OPTIONS", "/__mock__/faults", preflight)
        assert status == 200
        assert heads["access-control-allow-origin"] == "http://app.example:3000"
        assert "POST" in heads["access-control-allow-methods"]
        got = {"Host": host, "Origin": "http://app.example:3000"}
        status, heads, _ = send(mock, "GET", "/__mock__/health", got)
        assert status == 200 and heads["access-control-allow-origin"] == "http://app.example:3000"
        # Another origin is still refused, with no CORS header.
        other = {**preflight, "Origin": "http://app.example:3001"}
        status, heads, _ = send(mock, "OPTIONS", "/__mock__/faults", other)
        assert status == 403 and "access-control-allow-origin" not in heads


def test_host_names_and_allowed_sets():
    assert host_name("LocalHost:8000") == "localhost"
    assert host_name("[::1]:8000") == "[::1]"
    assert host_name("[::1]") == "[::1]"
    assert host_name("example.test") == "example.test"
    names = allowed_names("0.0.0.0", ["Mock.Example.Test", "fe80::1"])
    assert {"localhost", "127.0.0.1", "[::1]", "0.0.0.0", "mock.example.test"} <= names
    assert "[fe80::1]" in names and "attacker.example" not in names


def test_in_process_clients_keep_their_own_host(client):
    """Starlette's TestClient names the server "testserver"; the ASGI scope says so too."""
    assert client.get("/__mock__/health").status_code == 200
    refused = client.get("/__mock__/health", headers={"Host": "attacker.example"})
    assert refused.status_code == 403


def test_the_serve_flags_reach_the_settings():
    from mockserver.cli import parser, settings_from

    flags = "serve --allowed-host a.test --allowed-host b.test --cors-origin http://app.test:3000"
    args = parser().parse_args([*flags.split(), "--journal-bytes", "4096"])
    settings = settings_from(args)
    assert settings.allowed_hosts == ("a.test", "b.test")
    assert settings.cors_origin == "http://app.test:3000" and settings.journal_bytes == 4096
    plain = settings_from(parser().parse_args(["serve"]))
    assert plain.allowed_hosts == () and plain.cors_origin is None
