"""A mock served by uvicorn on a free 127.0.0.1 port in a background thread.

For tests of bk-sops clients: `with RunningMock() as mock:` gives `mock.base_url` plus helpers
that drive the control API over HTTP (the same calls a user could make with curl). The pytest
plugin's `sops_mock` fixture hands tests one of these.
"""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

import uvicorn

from mockserver.app import create_app
from mockserver.settings import Settings
from mockserver.transport import server_options
from mockserver.wirefaults import ExposeTransport


class ControlCallError(RuntimeError):
    """The control API refused a call; `status`, `error` and `message` say why."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(f"{status} {error}: {message}")
        self.status, self.error, self.message = status, error, message


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
        # lifespan "on": a clean close runs the app's shutdown, which writes the state file.
        config = uvicorn.Config(
            ExposeTransport(self.app),
            log_level="warning",
            access_log=False,
            lifespan="on",
            **server_options(self.settings),
        )
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

    # URLs of the three families --------------------------------------------------------------
    @property
    def esb_url(self) -> str:
        """What the official client's `endpoint` should be (it appends /api/c/compapi/...)."""
        return self.base_url

    @property
    def gateway_url(self) -> str:
        return f"{self.base_url}/api/bk-sops/prod"

    @property
    def backend_url(self) -> str:
        return f"{self.base_url}/apigw"

    # Control API helpers ---------------------------------------------------------------------
    def control(
        self, method: str, path: str, body: Any = None, query: Mapping[str, Any] | None = None
    ) -> Any:
        """Call /__mock__/...; a refusal raises ControlCallError with the API's error name."""
        url = self.base_url + path
        if query:
            pairs = {k: _query_value(v) for k, v in query.items() if v is not None}
            url += "?" + urllib.parse.urlencode(pairs)
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.settings.control_token:
            request.add_header("Authorization", f"Bearer {self.settings.control_token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", "replace")
            try:
                error = json.loads(text)
            except ValueError:
                error = {"error": "http_error", "message": text}
            raise ControlCallError(
                exc.code, error.get("error", ""), error.get("message", "")
            ) from None

    def health(self) -> Any:
        return self.control("GET", "/__mock__/health")

    def clock(self) -> Any:
        return self.control("GET", "/__mock__/clock")

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

    # scenarios
    def scenarios(self) -> Any:
        return self.control("GET", "/__mock__/scenarios")

    def set_component_scenario(self, code: str, scenario: Mapping[str, Any] | None) -> Any:
        """Default for every node running `code`, in tasks created from now on (None clears)."""
        path = f"/__mock__/scenarios/components/{urllib.parse.quote(code, safe='')}"
        return self._put_or_delete(path, scenario)

    def set_template_node_scenario(
        self, template_id: int, node_id: str, scenario: Mapping[str, Any] | None
    ) -> Any:
        path = f"/__mock__/scenarios/templates/{template_id}/nodes/{node_id}"
        return self._put_or_delete(path, scenario)

    def set_task_node_scenario(
        self, task_id: int, node_id: str, scenario: Mapping[str, Any] | None
    ) -> Any:
        """What one node of one task does on its next runs (None: back to its snapshot)."""
        path = f"/__mock__/tasks/{task_id}/nodes/{node_id}/scenario"
        return self._put_or_delete(path, scenario)

    def _put_or_delete(self, path: str, body: Mapping[str, Any] | None) -> Any:
        if body is None:
            return self.control("DELETE", path)
        return self.control("PUT", path, dict(body))

    # faults
    def add_fault(self, rule: Mapping[str, Any] | None = None, **fields: Any) -> Any:
        """Add one fault rule (a dict, keyword fields, or both); returns it with its id."""
        return self.control("POST", "/__mock__/faults", {**(rule or {}), **fields})

    def faults(self) -> list[dict[str, Any]]:
        rules: list[dict[str, Any]] = self.control("GET", "/__mock__/faults")["rules"]
        return rules

    def clear_faults(self) -> Any:
        return self.control("DELETE", "/__mock__/faults")

    # journal
    def journal(self, limit: int | None = None, **filters: Any) -> list[dict[str, Any]]:
        """Entries oldest first; filters: operation, task_id, family, status, result, since."""
        query = {**filters, "limit": limit}
        entries: list[dict[str, Any]] = self.control("GET", "/__mock__/journal", query=query)[
            "entries"
        ]
        return entries

    def journal_count(self, **filters: Any) -> int:
        count: int = self.control("GET", "/__mock__/journal/count", query=filters)["count"]
        return count

    def clear_journal(self) -> Any:
        return self.control("DELETE", "/__mock__/journal")

    # snapshots
    def state(self) -> dict[str, Any]:
        snapshot: dict[str, Any] = self.control("GET", "/__mock__/state")
        return snapshot

    def restore(self, snapshot: Mapping[str, Any]) -> Any:
        return self.control("PUT", "/__mock__/state", dict(snapshot))


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
