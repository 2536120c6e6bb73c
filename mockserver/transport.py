"""The served mock's connection limits: uvicorn's own, plus the request-head bounds it lacks.

uvicorn closes an idle keep-alive connection after `timeout_keep_alive`, but it arms that timer
only after a first answer, and its httptools parser accepts a request head of any size and any
duration (h11 has `h11_max_incomplete_event_size`; httptools has nothing). So a socket that never
sends a byte, a header sent a byte a minute, or one header line of 100 MB held a descriptor or
memory for as long as the client liked. `HeadLimits` bounds both on the protocol uvicorn would
pick itself: a request head must arrive whole within `timeout_header` seconds of the connection
opening (or of the head's first byte, on a kept-alive connection) and within `max_header_bytes`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from .settings import Settings

_LOG = logging.getLogger("uvicorn.error")
_TOO_LARGE_BODY = b"request head (request line and headers) too large\n"
TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\n"
    b"content-length: %d\r\n\r\n" % len(_TOO_LARGE_BODY)
) + _TOO_LARGE_BODY


class HeadLimits:
    """Mixed in before uvicorn's HTTP protocol class (see `protocol_class`).

    uvicorn's protocols make a new request cycle (`self.cycle`) when a request head is complete,
    so a new cycle object after feeding the parser is how a completed head shows. The hot path
    (a head arriving in one piece) costs one feed and two attribute writes.
    """

    timeout_header: float = 10.0
    max_header_bytes: int = 64 * 1024
    # Provided by uvicorn's protocol class.
    cycle: Any
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._head_bytes = 0  # bytes of an unfinished head received so far
        self._head_tail = b""  # its last three bytes: the blank line may straddle two reads
        self._head_timer: asyncio.TimerHandle | None = None
        self._arm_head_timer()

    def data_received(self, data: bytes) -> None:
        before = self.cycle
        idle = before is None or before.response_complete
        # Only a read that could take the head past the limit pays for a look at where the head
        # ends (a body may follow it in the same read); small requests never get here.
        if idle and self._head_bytes + len(data) > self.max_header_bytes:
            end = (self._head_tail + data).find(b"\r\n\r\n")
            size = self._head_bytes - len(self._head_tail) + end + 4
            if end < 0 or size > self.max_header_bytes:
                self._refuse_head()
                return
        super().data_received(data)  # type: ignore[misc]
        if self.cycle is not before:
            # A head completed within the limit: the next one starts from zero (a head that came
            # in one read, the usual case, left nothing to reset).
            if self._head_bytes:
                self._head_bytes, self._head_tail = 0, b""
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None
        elif idle and not self.transport.is_closing():
            # No request in progress and none completed: these bytes are part of a head.
            self._head_bytes += len(data)
            self._head_tail = (self._head_tail + data)[-3:]
            if self._head_timer is None:
                self._arm_head_timer()

    def _refuse_head(self) -> None:
        _LOG.warning("request head over %d bytes: refused (431)", self.max_header_bytes)
        self.transport.write(TOO_LARGE)
        self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().connection_lost(exc)  # type: ignore[misc]

    def _arm_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self.timeout_header, self._head_overdue)

    def _head_overdue(self) -> None:
        self._head_timer = None
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            _LOG.debug("no request head within %s s: connection closed", self.timeout_header)
            self.transport.close()


def protocol_class(settings: Settings) -> type[asyncio.Protocol]:
    """uvicorn's automatic choice (httptools when installed, else h11) with the head limits."""
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    base: Any = AutoHTTPProtocol
    limits = {
        "timeout_header": settings.timeout_header,
        "max_header_bytes": settings.max_header_bytes,
    }
    made: type[asyncio.Protocol] = type("LimitedHttp", (HeadLimits, base), limits)
    return made


def server_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `uvicorn.Config` / `uvicorn.run` that bound every connection."""
    return {
        "http": protocol_class(settings),
        # The mock has no WebSocket route; "none" also keeps uvicorn from importing websockets.
        "ws": "none",
        "timeout_keep_alive": settings.timeout_keep_alive,
        "limit_concurrency": settings.limit_concurrency,
        # h11 bounds a head by itself; httptools needs HeadLimits (both get the same figure).
        "h11_max_incomplete_event_size": settings.max_header_bytes,
    }
