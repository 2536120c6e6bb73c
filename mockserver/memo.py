"""A bounded memo for answers that depend only on what a reset replaces (the fixture catalog).

The catalog does not change between resets, so an answer computed from it and from the request
alone can be kept and handed out again; `MockState.install` makes a new memo with each catalog.
Entries are immutable (bytes, frozen values). The oldest entry goes first when the memo is full,
so requests that never repeat (a fuzzer's) cost a little memory and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any


class Memo:
    """At most `size` entries; `get_or_make` computes and keeps what it does not hold."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._entries: dict[Hashable, Any] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        entries = self._entries
        try:
            return entries[key]
        except KeyError:
            pass
        value = make()
        if len(entries) >= self.size:
            del entries[next(iter(entries))]
        entries[key] = value
        return value
