"""A transparent ASGI proxy: each request goes to the upstream with the caller's own headers
(credentials included, kept only for that request) and its exchange goes into the journal."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import httpx

from .journal import Journal

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# Not forwarded: connection-level headers, and what httpx sets again from the body it sends.
HOP_BY_HOP = frozenset(
    {
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
        "trailers", "transfer-encoding", "upgrade", "host", "content-length",
        "content-encoding", "accept-encoding",
    }
)  # fmt: skip
TIMEOUT = 60.0


class RecordingProxy:
    def __init__(self, upstream: str, journal: Journal) -> None:
        self.upstream = upstream.rstrip("/")
        self.journal = journal
        self._client: httpx.AsyncClient | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._forward(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._client is not None:
                    await self._client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in scope["headers"]
            if k.decode("latin-1").lower() not in HOP_BY_HOP
        ]
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False)
        query: bytes = scope.get("query_string", b"")
        url = self.upstream + scope["path"] + (f"?{query.decode('latin-1')}" if query else "")
        try:
            answer = await self._client.request(
                scope["method"], url, headers=headers, content=body or None
            )
            status, content = answer.status_code, answer.content
            out = [
                (k.encode("latin-1"), v.encode("latin-1"))
                for k, v in answer.headers.items()
                if k.lower() not in HOP_BY_HOP
            ]
        except httpx.HTTPError as exc:
            status = 502
            message_text = f"sops-mock record: upstream unreachable ({type(exc).__name__})"
            payload = {"result": False, "code": 502, "message": message_text, "data": None}
            content = json.dumps(payload).encode()
            out = [(b"content-type", b"application/json")]
        self.journal.add(scope["method"], scope["path"], query, body, status, content)
        out.append((b"content-length", str(len(content)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": content})
