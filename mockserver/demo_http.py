"""The tour's HTTP client: bk-sops operations by name (paths from the mock's /openapi.json) and
the control API's clock, over the standard library, as any client would call them."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

TIMEOUT = 30


class HttpFailure(RuntimeError):
    """A call the tour needs did not succeed (HTTP error or `result: false`)."""


class Unreachable(HttpFailure):
    """Nothing answers HTTP at the base URL (refused, unknown host, timed out, not HTTP)."""


class DemoHttp:
    def __init__(
        self, base_url: str, identity: dict[str, str], control_token: str | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.identity = identity
        self.control_token = control_token
        self._ops: dict[str, tuple[str, str]] | None = None

    def _send(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
                return answer.status, json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", "replace")
            try:
                body = json.loads(text)
            except ValueError:
                body = {"message": text}
            return exc.code, body
        except urllib.error.URLError as exc:
            raise Unreachable(f"cannot reach {self.base_url}: {exc.reason}") from None
        except (OSError, ValueError) as exc:
            # A timeout, a reset, or an answer that is not HTTP or not JSON.
            raise Unreachable(f"no usable HTTP answer from {self.base_url}: {exc}") from None

    def ops(self) -> dict[str, tuple[str, str]]:
        """Operation name -> (method, backend path template), as the mock documents them."""
        if self._ops is None:
            status, doc = self._send("GET", "/openapi.json")
            if status != 200 or not isinstance(doc, dict):
                raise HttpFailure(f"GET /openapi.json answered HTTP {status}")
            found: dict[str, tuple[str, str]] = {}
            for path, item in doc.get("paths", {}).items():
                match = re.match(r"^/apigw/([a-z_]+)/", path)
                if match:
                    found[match.group(1)] = (next(iter(item)).upper(), path)
            self._ops = found
        return self._ops

    def has(self, op: str) -> bool:
        return op in self.ops()

    def call(self, op: str, ids: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        if op not in self.ops():
            raise HttpFailure(f"this mock does not serve {op}")
        method, template = self.ops()[op]
        path = re.sub(
            r"\{(\w+)\}", lambda m: urllib.parse.quote(str(ids[m.group(1)]), safe=""), template
        )
        headers = {"X-Bkapi-Authorization": json.dumps(self.identity)}
        if method == "GET":
            query = urllib.parse.urlencode(params)
            status, body = self._send("GET", path + (f"?{query}" if query else ""), None, headers)
        else:
            status, body = self._send("POST", path, params, headers)
        if status != 200 or not isinstance(body, dict) or body.get("result") is not True:
            message = body.get("message") if isinstance(body, dict) else body
            raise HttpFailure(f"{op} answered HTTP {status}: {message}")
        return body

    def _control(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {}
        if self.control_token:
            headers["Authorization"] = f"Bearer {self.control_token}"
        return self._send(method, path, body, headers)

    def clock(self) -> dict[str, Any] | None:
        """The mock's clock, or None when its control API is off or refused."""
        status, body = self._control("GET", "/__mock__/clock")
        return body if status == 200 and isinstance(body, dict) else None

    def advance(self, seconds: float) -> None:
        status, body = self._control("POST", "/__mock__/clock", {"advance": seconds})
        if status != 200:
            raise HttpFailure(f"POST /__mock__/clock answered HTTP {status}: {body}")
