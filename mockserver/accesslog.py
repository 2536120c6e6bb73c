"""An access log that masks credentials, used instead of uvicorn's (which prints raw queries)."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .journal import MASK, is_secret

logger = logging.getLogger("uvicorn.error.sops_mock")  # uvicorn prints this family


def masked_query(query: str) -> str:
    """The query with every value the journal would mask masked: one rule for both."""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, MASK if is_secret(k) else v) for k, v in pairs])


class MaskedAccessLog:
    """Logs `METHOD path?query status` with secret parameters replaced by a mask."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Off below INFO (`--log-level warning`): masking would cost more than some answers.
        if scope["type"] != "http" or not logger.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        status = 0

        async def record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, record)
        query = masked_query(scope.get("query_string", b"").decode("latin-1"))
        path = scope["path"] + (f"?{query}" if query else "")
        logger.info("%s %s %d", scope["method"], path, status)
