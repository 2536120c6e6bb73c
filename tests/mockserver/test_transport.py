"""Connection limits of the served mock (mockserver/transport.py), over raw sockets.

No sleeps: each test blocks on the socket until the server answers or closes it; the socket's
own timeout only bounds how long a broken server could hold the test.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from mockserver.running import RunningMock
from mockserver.settings import Settings
from mockserver.transport import server_options

WAIT = 20.0  # seconds a test may wait for the server before it counts as hung


@pytest.fixture
def served(request) -> Iterator[RunningMock]:
    changes = getattr(request, "param", {})
    with RunningMock(Settings(clock="virtual", **changes)) as mock:
        yield mock


def connect(mock: RunningMock) -> socket.socket:
    host, port = mock.base_url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=WAIT)
    return sock


def head(path: str = "/__mock__/health", extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode()


def answer(sock: socket.socket) -> bytes:
    """One whole answer (these carry a content-length), or what came before the close."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    top, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in top.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return top + b"\r\n\r\n" + body


def closed_by_server(sock: socket.socket) -> bool:
    """Blocks until the server closes the connection (True) or sends something (False)."""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def test_server_options_carry_the_settings():
    settings = Settings(
        timeout_keep_alive=7.0, timeout_header=3.0, max_header_bytes=4096, limit_concurrency=9
    )
    options = server_options(settings)
    assert options["timeout_keep_alive"] == 7.0
    assert options["limit_concurrency"] == 9
    assert options["h11_max_incomplete_event_size"] == 4096
    protocol = options["http"]
    assert (protocol.timeout_header, protocol.max_header_bytes) == (3.0, 4096)


@pytest.mark.parametrize("served", [{"max_header_bytes": 4096}], indirect=True)
def test_a_request_head_over_the_limit_is_refused_with_431(served):
    with connect(served) as sock:
        sock.sendall(head(extra="X-Big: " + "a" * 8000 + "\r\n"))
        refused = answer(sock)
        assert refused.startswith(b"HTTP/1.1 431 "), refused[:200]
        assert closed_by_server(sock)
    # A head under the limit is served, on the same server.
    with connect(served) as sock:
        sock.sendall(head(extra="X-Big: " + "a" * 3000 + "\r\n"))
        assert answer(sock).startswith(b"HTTP/1.1 200 ")


@pytest.mark.parametrize("served", [{"max_header_bytes": 4096}], indirect=True)
def test_a_head_sent_in_pieces_counts_as_a_whole(served):
    with connect(served) as sock:
        sock.sendall(b"GET /__mock__/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        for _ in range(3):
            sock.sendall(b"X-Piece: " + b"b" * 1000 + b"\r\n")
        sock.sendall(b"\r")
        sock.sendall(b"\n")
        assert answer(sock).startswith(b"HTTP/1.1 200 ")
    with connect(served) as sock:
        sock.sendall(b"GET /__mock__/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        for _ in range(5):
            sock.sendall(b"X-Piece: " + b"b" * 1000 + b"\r\n")
        assert answer(sock).startswith(b"HTTP/1.1 431 ")


@pytest.mark.parametrize("served", [{"max_body_bytes": 1024 * 1024}], indirect=True)
def test_a_body_larger_than_the_head_limit_still_arrives(served):
    # The head limit applies to the head only: a big body in the same packets is the body's
    # business (--max-body-bytes).
    # (Control bodies are checked against their schemas: the padding goes in a field that exists.)
    body = b'{"ex_data": "' + b"p" * 200_000 + b'"}'
    request = (
        b"PUT /__mock__/scenarios/components/pad HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    ) + body
    with connect(served) as sock:
        sock.sendall(request)
        assert answer(sock).startswith(b"HTTP/1.1 200 ")


@pytest.mark.parametrize("served", [{"timeout_header": 0.2}], indirect=True)
def test_a_silent_connection_is_closed_after_the_header_timeout(served):
    with connect(served) as sock:
        assert closed_by_server(sock)


@pytest.mark.parametrize("served", [{"timeout_header": 0.2}], indirect=True)
def test_a_head_that_stops_half_way_is_closed(served):
    with connect(served) as sock:
        sock.sendall(b"GET /__mock__/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        assert closed_by_server(sock)
    # After an answer, the next head on the same connection has the same deadline.
    with connect(served) as sock:
        sock.sendall(head())
        assert answer(sock).startswith(b"HTTP/1.1 200 ")
        sock.sendall(b"GET /__mock__/health HTTP/1.1\r\n")
        assert closed_by_server(sock)


@pytest.mark.parametrize(
    "served", [{"limit_concurrency": 2, "timeout_keep_alive": 60.0}], indirect=True
)
def test_over_the_concurrency_limit_requests_answer_503(served):
    with connect(served) as first:
        first.sendall(head())
        assert answer(first).startswith(b"HTTP/1.1 200 ")  # kept alive: one connection open
        # Opened only now: with both open before the first request, a loaded machine could
        # accept the second before the first request arrived, and the first would get the 503.
        with connect(served) as second:
            second.sendall(head())
            assert answer(second).startswith(b"HTTP/1.1 503 ")
            assert closed_by_server(second)
        # The open connection is still served.
        first.sendall(head())
        assert answer(first).startswith(b"HTTP/1.1 200 ")
