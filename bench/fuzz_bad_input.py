"""The long bad-input fuzz: N cases over every operation and control route, in process.

    python bench/fuzz_bad_input.py [--cases 10000] [--seed 0]

Same strategies and checks as tests/mockserver/test_fuzz_bad_input.py (no 5xx; a refused call
leaves the state snapshot, counters aside, unchanged); prints the figures as JSON. A failure
prints hypothesis's smallest failing call and exits non-zero.
"""

# ruff: noqa: E402 (sys.path is fixed before the imports, as in bench/http.py)
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse
import json
import time

from hypothesis import HealthCheck, given, seed, settings

from tests.mockserver.badinput import Call, Harness, calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--collect", action="store_true", help="note failures and go on (a survey, not a check)"
    )
    args = parser.parse_args()
    failures: dict[str, str] = {}
    harness = Harness()
    started = time.perf_counter()

    @seed(args.seed)
    @settings(
        max_examples=args.cases,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(call=calls(harness.baseline))
    def one(call: Call) -> None:
        if not args.collect:
            harness.check(call)
            return
        try:
            harness.check(call)
        except Exception as exc:  # a survey notes every kind of failure
            key = f"{call.method} {call.path.split('/')[2]} {type(exc).__name__}"
            failures.setdefault(key, f"{call.path} {call.content!r:.300} -> {exc!s:.400}")
            harness.restore()

    try:
        one()
    finally:
        figures = harness.figures()
        figures["seconds"] = round(time.perf_counter() - started, 1)
        if args.collect:
            figures["failures"] = failures
        print(json.dumps(figures, indent=1, ensure_ascii=False))
        harness.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
