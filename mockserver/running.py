"""A mock served by uvicorn on a free 127.0.0.1 port in a background thread.

For tests of bk-sops clients: `with RunningMock() as mock:` gives `mock.base_url` plus helpers
that drive the control API over HTTP (the same calls a user could make with curl).
"""

from __future__ import annotations

import json
import socket
import threading
import urllib.request
from typing import Any

import uvicorn

from mockserver.app import create_app
from mockserver.settings import Settings


class RunningMock:
    """Serve one app until closed. A virtual clock by default, so tests decide when time moves."""

    def __init__(self, settings: Settings | None = None, **changes: Any) -> None:
        base = settings or Settings(clock="virtual")
        self.settings = base.with_(**changes) if changes else base
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    def start(self) -> RunningMock:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        # Listening before uvicorn starts lets the kernel queue the first requests, so no one
        # has to wait for a "started" flag: the health call below simply blocks until served.
        sock.listen(128)
        port = sock.getsockname()[1]
        self.settings = self.settings.with_(host="127.0.0.1", port=port)
        self.app = create_app(self.settings)
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        self.base_url = f"http://127.0.0.1:{port}"
        if self.settings.control:
            self.control("GET", "/__mock__/health")
        return self

    def close(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
        self._server = self._thread = None

    def __enter__(self) -> RunningMock:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Control API helpers ------------------------------------------------------------------
    def control(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.settings.control_token:
            request.add_header("Authorization", f"Bearer {self.settings.control_token}")
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def advance(self, seconds: float) -> Any:
        return self.control("POST", "/__mock__/clock", {"advance": seconds})

    def run_until_idle(self) -> Any:
        return self.control("POST", "/__mock__/clock", {"until_idle": True})

    def reset(self, fixture: str | None = None, seed: int | None = None) -> Any:
        body: dict[str, Any] = {}
        if fixture is not None:
            body["fixture"] = fixture
        if seed is not None:
            body["seed"] = seed
        return self.control("POST", "/__mock__/reset", body)

    def clock(self) -> Any:
        return self.control("GET", "/__mock__/clock")
