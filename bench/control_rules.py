"""What many fault rules cost: per-request matching, and replacing the whole list over HTTP.

    PYTHONPATH=. python -m bench.control_rules [--rules 8000] [--requests 200]

Two mixes: every rule watches an operation other than the one requested (an index skips them),
and every rule watches every operation with probability 0.5 (each must count the request).
The PUT is timed in process (Starlette's TestClient), so it includes validation and the answer.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.faults import FaultProfile, rule_from_dict
from mockserver.settings import Settings

T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def _profile(rules: list[dict[str, object]]) -> FaultProfile:
    made = FaultProfile(7)
    for data in rules:
        made.put(rule_from_dict(data, made.next_id(), T0))
    return made


def _per_request(made: FaultProfile, requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        made.decide("get_task_status", T0)
    return (time.perf_counter() - started) / requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rules", type=int, default=8000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    n = args.rules
    other: list[dict[str, object]] = [
        {"operations": ["create_task"], "latency": {"seconds": 0}}
    ] * n
    every: list[dict[str, object]] = [{"probability": 0.5, "latency": {"seconds": 0}}] * n
    for name, rules in (("other operation", other), ("every operation", every)):
        seconds = _per_request(_profile(rules), args.requests)
        print(f"{n} rules, {name}: {seconds * 1e3:.3f} ms per request")
    app = create_app(Settings(clock="virtual", max_body_bytes=64 * 1024 * 1024))
    body = {"rules": [{"id": f"r{i}", "latency": {"seconds": 0}} for i in range(n)]}
    with TestClient(app) as client:
        started = time.perf_counter()
        answer = client.put("/__mock__/faults", json=body)
        elapsed = time.perf_counter() - started
    print(f"PUT /__mock__/faults with {n} rules: HTTP {answer.status_code} in {elapsed:.2f} s")


if __name__ == "__main__":
    main()
