"""Bad input over every control call: no 500, answers that fit the document, and a refused call
(4xx) that changes nothing. Cases come from schemathesis, from the generated control document.

    PYTHONPATH=. python -m bench.control_fuzz [--examples 400]

Prints cases per call and in all, answers by status, and every failure found (exit 1 if any).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.control.document import build_document
from mockserver.settings import Settings


def _fingerprint(client: TestClient) -> Any:
    return (
        client.get("/__mock__/state").content,
        client.get("/__mock__/scenarios").content,
        client.get("/__mock__/faults").content,
    )


class Tally:
    def __init__(self) -> None:
        self.statuses: Counter[int] = Counter()
        self.failures: list[str] = []
        self.cases = 0


def _runner(operation: Any, client: TestClient, tally: Tally, examples: int) -> Any:
    label = operation.label

    @given(operation.as_strategy())
    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        tally.cases += 1
        try:
            before = _fingerprint(client)
            response = case.call()
            tally.statuses[response.status_code] += 1
            if response.status_code >= 500:
                tally.failures.append(f"{label}: HTTP {response.status_code}")
            elif response.status_code >= 400 and _fingerprint(client) != before:
                tally.failures.append(f"{label}: a refused call changed the state")
        except Exception as exc:  # a contract error raised in the app (here or after), a crash
            tally.failures.append(f"{label}: {type(exc).__name__}: {exc}")

    return run


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=400, help="cases per control call")
    args = parser.parse_args()
    app = create_app(Settings(clock="virtual", validate_responses=True, seed=3))
    schema = schemathesis.openapi.from_dict(build_document())
    schema.app = app
    tally = Tally()
    started = time.perf_counter()
    with TestClient(app) as client:
        for found in schema.get_all_operations():
            operation: Any = found.ok()  # type: ignore[union-attr]
            before = tally.cases
            _runner(operation, client, tally, args.examples)()
            print(f"{operation.label}: {tally.cases - before} cases")
    elapsed = time.perf_counter() - started
    by_status = dict(sorted(tally.statuses.items()))
    print(f"{tally.cases} cases in {elapsed:.0f} s; by status: {by_status}")
    for failure in sorted(set(tally.failures)):
        print("FAILED", failure)
    return 1 if tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
