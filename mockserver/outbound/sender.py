"""One POST to a callback URL with the standard library's HTTP client, run in a worker thread.

bk-sops uses requests without a timeout and any host; the mock bounds each attempt by a timeout
and calls only the hosts it is told to (loopback by default), so that a URL in a request cannot
make it reach into the network it runs in.
"""

from __future__ import annotations

import http.client
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

ANY_HOST = "*"
DEFAULT_HOSTS = ("127.0.0.1", "localhost", "::1")
USER_AGENT = "sops-mock (bk-sops task_callback)"
# Enough of a receiver's answer to show in the journal's view; the rest is read and dropped.
KEPT_ANSWER = 2048


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one attempt went: the HTTP status (0: no answer) and, when it failed, why."""

    status: int
    ok: bool
    error: str | None = None
    answer: str = ""


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def allowed(url: str, hosts: tuple[str, ...]) -> bool:
    return ANY_HOST in hosts or host_of(url) in hosts


def post(url: str, body: bytes, content_type: str, timeout: float) -> Outcome:
    """Blocking: call it from a worker thread. Never raises for what the receiver does."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
        if parts.scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {
            "Content-Type": content_type,
            "Accept": "*/*",
            "User-Agent": USER_AGENT,
            "Connection": "close",
        }
        try:
            conn.request("POST", target, body=body, headers=headers)
            answer = conn.getresponse()
            text = answer.read(KEPT_ANSWER).decode("utf-8", "replace")
            status = answer.status
        finally:
            conn.close()
    except (OSError, http.client.HTTPException, ValueError, UnicodeError) as exc:
        return Outcome(0, False, f"{type(exc).__name__}: {exc}")
    # requests' raise_for_status: 4xx and 5xx fail the attempt; redirects are not followed.
    if status >= 400:
        return Outcome(status, False, f"HTTP {status}", text)
    return Outcome(status, True, None, text)
