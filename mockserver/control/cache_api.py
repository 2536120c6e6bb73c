"""bk-sops's answer caches at run time: read, switch on or off, empty (answer_cache.py).

The shapes are schemas/control/caches/*.schema.json, rows of schemas/control/routes.json.
"""

from __future__ import annotations

from typing import Any

from mockserver.answer_cache import RULES
from mockserver.state import MockState

from .contract import Answer, Ask


def view(mock: MockState) -> dict[str, Any]:
    return {
        "enabled": mock.caches.enabled,
        "entries": mock.caches.counts(),
        "ttl": {op: rule.ttl for op, rule in RULES.items()},
    }


def read_caches(ask: Ask) -> Answer:
    with ask.mock.lock:
        return 200, view(ask.mock)


def switch_caches(ask: Ask) -> Answer:
    """`{"enabled": bool}`; switching off empties them, so nothing old comes back later."""
    mock, enabled = ask.mock, ask.body["enabled"]
    with mock.lock:
        mock.caches.enabled = enabled
        if not enabled:
            mock.caches.clear()
        return 200, view(mock)


def empty_caches(ask: Ask) -> Answer:
    with ask.mock.lock:
        ask.mock.caches.clear()
        return 200, view(ask.mock)
