"""The door (DESIGN.md section 6): Host and Origin checks before routing and any body read.

A mock on a laptop is reachable by every web page the laptop's browser opens. Two tricks reach
it: a page on another origin posting to it (browsers send "simple" cross-origin POSTs, such as
`text/plain`, without asking first), and DNS rebinding (a name of the attacker's that resolves
to 127.0.0.1, so the browser treats the mock as the attacker's own site and lets the page read
the answers). So, on every route:

- the Host header must name the mock: a loopback name or address, the `--host` value, an
  `--allowed-host` entry, or the server's own address as the ASGI scope reports it (an
  in-process test client's "testserver"; a socket server reports its IP, which no rebinding
  name can equal). A request without Host (HTTP/1.0) passes: browsers always send one.
- an Origin header, when present, must be the mock's own origin or the `--cors-origin` one;
  programs (SDKs, curl) send none.
- control calls that change something (`/__mock__/`, not GET or HEAD) must be JSON: a
  Content-Type of application/json, or no Content-Type and no body. No form or `text/plain`
  post can then reach them.

Refusals are answered here, in the control API's error shape, and change nothing: the request
is not journalled and takes no sequence number.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from .inbound import HEADER_MAP_KEY

LOOPBACK: frozenset[str] = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
CONTROL_PREFIX = "/__mock__/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SEEN_HOSTS = 256
BODY_HEADERS = frozenset({b"content-type", b"content-length", b"transfer-encoding"})


def host_name(host: str) -> str:
    """A Host value's name, lower-cased and without its port (`[::1]:8000` -> `[::1]`)."""
    host = host.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[: end + 1] if end > 0 else host
    name, colon, port = host.rpartition(":")
    return name if colon and port.isdigit() and ":" not in name else host


def allowed_names(host: str, extra: Iterable[str]) -> frozenset[str]:
    names = set(LOOPBACK)
    for value in (host, *extra):
        value = value.strip().lower()
        if not value:
            continue
        names.add(value)
        if ":" in value and not value.startswith("["):  # an IPv6 address: its Host form too
            names.add(f"[{value}]")
        else:
            names.add(host_name(value))
    return frozenset(names)


class Door:
    """ASGI middleware in front of the router; see the module's docstring for the rules."""

    def __init__(
        self,
        app: ASGIApp,
        host: str = "127.0.0.1",
        allowed_hosts: Iterable[str] = (),
        cors_origin: str | None = None,
    ) -> None:
        self.app = app
        self.names = allowed_names(host, allowed_hosts)
        self.cors_origin = cors_origin.rstrip("/").lower() if cors_origin else None
        # Host header value -> allowed: clients send the same one on every request.
        self._seen: dict[bytes, bool] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            # Built once here and left in the scope: the operation endpoints read it too.
            headers = scope[HEADER_MAP_KEY] = dict(reversed(scope["headers"]))
            host, origin = headers.get(b"host"), headers.get(b"origin")
            # The common case in three lookups: a known Host, no Origin, no control write.
            if (
                (host is not None and self._seen.get(host) is not True)
                or origin is not None
                or (
                    scope["method"] not in SAFE_METHODS and scope["path"].startswith(CONTROL_PREFIX)
                )
            ):
                refusal = self._refusal(scope, host, origin)
                if refusal is not None:
                    await _refuse(send, *refusal)
                    return
        await self.app(scope, receive, send)

    def _refusal(
        self, scope: Scope, host: bytes | None, origin: bytes | None
    ) -> tuple[int, bytes] | None:
        if host is not None and not self._host_allowed(host, scope):
            return _host_refused(host)
        if origin is not None and not self._origin_allowed(origin, host):
            return _origin_refused(origin)
        if scope["method"] not in SAFE_METHODS and scope["path"].startswith(CONTROL_PREFIX):
            return _body_refused(scope["headers"])
        return None

    def _host_allowed(self, host: bytes, scope: Scope) -> bool:
        known = self._seen.get(host)
        if known is not None:
            return known
        name = host_name(host.decode("latin-1"))
        server = scope.get("server")
        allowed = name in self.names or (server is not None and name == str(server[0]).lower())
        if len(self._seen) >= SEEN_HOSTS:
            self._seen.clear()  # a client sending many Host values only loses the memo
        self._seen[host] = allowed
        return allowed

    def _origin_allowed(self, origin: bytes, host: bytes | None) -> bool:
        text = origin.decode("latin-1").strip().lower()
        if self.cors_origin is not None and text == self.cors_origin:
            return True
        if host is None:
            return False
        own = host.decode("latin-1").strip().lower()
        return text in (f"http://{own}", f"https://{own}")


async def _refuse(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-length", b"%d" % len(body)),
                (b"content-type", b"application/json"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _body_refused(headers: Iterable[tuple[bytes, bytes]]) -> tuple[int, bytes] | None:
    """A control call's body must be JSON, or absent."""
    found = {name: value for name, value in headers if name in BODY_HEADERS}
    ctype = found.get(b"content-type")
    if ctype is not None:
        if ctype.split(b";", 1)[0].strip().lower() == b"application/json":
            return None
    elif b"transfer-encoding" not in found and found.get(b"content-length", b"0").strip() in (
        b"",
        b"0",
    ):
        return None
    return _not_json(ctype)


def _answer(status: int, error: str, message: str) -> tuple[int, bytes]:
    return status, orjson.dumps({"error": error, "message": message})


def _host_refused(host: bytes) -> tuple[int, bytes]:
    name = host_name(host.decode("latin-1"))
    return _answer(
        403,
        "host_not_allowed",
        f"Host {name!r} is not one of the mock's names (loopback, --host, --allowed-host); "
        f"a DNS name pointing at the mock must be allowed with --allowed-host {name}",
    )


def _origin_refused(origin: bytes) -> tuple[int, bytes]:
    return _answer(
        403,
        "origin_not_allowed",
        f"requests from origin {origin.decode('latin-1')!r} are refused: only the mock's own "
        "origin and the one named by --cors-origin may call it from a browser",
    )


def _not_json(ctype: bytes | None) -> tuple[int, bytes]:
    given = "none" if ctype is None else repr(ctype.decode("latin-1"))
    return _answer(
        415,
        "unsupported_media_type",
        f"control calls with a body need Content-Type: application/json (got {given})",
    )
