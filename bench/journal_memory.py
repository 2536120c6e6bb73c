"""Memory the request journal holds under large bodies: RSS before and after N requests.

    python bench/journal_memory.py [--requests 60] [--body-bytes 1000000] [--read]

Each request is a `query_task_count` POST (an operation that stores nothing in the engine)
whose JSON body carries a ~1 MB array of small objects next to its real parameter, so whatever
RSS grows by is what the journal (and the allocator) keeps. The app is driven in process over
ASGI; `--read` reads the journal at the end (building every deferred entry).
"""

# ruff: noqa: E402 (sys.path is fixed before the imports, as in bench/http.py)
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse
import gc
import json
import time

from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.settings import Settings

HEADERS = {
    "X-Bkapi-Authorization": json.dumps({"bk_app_code": "bench", "bk_username": "admin"}),
    "Content-Type": "application/json",
}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def body(size: int) -> bytes:
    item = {"host": "10.0.0.1", "n": 1, "ok": True}
    one = len(json.dumps(item)) + 2
    pad = [dict(item, n=i) for i in range(size // one)]
    return json.dumps({"group_by": "status", "pad": pad}).encode()[:size].rsplit(b",", 1)[0] + b"]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--body-bytes", type=int, default=1_000_000)
    parser.add_argument("--read", action="store_true")
    args = parser.parse_args()
    payload = body(args.body_bytes)
    json.loads(payload)  # a valid body, or the figures mean nothing
    app = create_app(Settings(clock="virtual", max_body_bytes=len(payload) + 1))
    with TestClient(app) as client:
        answer = client.post("/apigw/query_task_count/2/", content=payload, headers=HEADERS)
        assert answer.json()["result"] is True, answer.text
        gc.collect()
        before = rss_mb()
        started = time.perf_counter()
        for _ in range(args.requests):
            client.post("/apigw/query_task_count/2/", content=payload, headers=HEADERS)
        elapsed = time.perf_counter() - started
        if args.read:
            client.get("/__mock__/journal/count")
        gc.collect()
        after = rss_mb()
        mock = app.state.mock
        print(
            json.dumps(
                {
                    "requests": args.requests,
                    "body_bytes": len(payload),
                    "rss_before_mb": round(before, 1),
                    "rss_after_mb": round(after, 1),
                    "growth_mb_per_request": round((after - before) / max(args.requests, 1), 3),
                    "journal_entries": len(mock.journal),
                    "journal_bytes": getattr(mock.journal, "bytes", None),
                    "ms_per_request": round(1000 * elapsed / max(args.requests, 1), 2),
                }
            )
        )


if __name__ == "__main__":
    main()
