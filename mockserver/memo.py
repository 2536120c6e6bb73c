"""A bounded memo for parts of answers that are costly to make and often asked for again.

What depends only on the fixture catalog and the request (a template list, a request-schema
verdict) is kept as is: the catalog does not change until a reset, and `MockState.install`
makes a new memo with each catalog. What depends on more (a task's serialized status) is kept
with what it was made from, and its user checks that before using it. Entries are immutable
(bytes, frozen values). The oldest entry goes first when the memo is full, so requests that
never repeat (a fuzzer's) cost a little memory and nothing else.
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
        self.put(key, value)
        return value

    def get(self, key: Hashable) -> Any:
        return self._entries.get(key)

    def put(self, key: Hashable, value: Any) -> None:
        entries = self._entries
        if key not in entries and len(entries) >= self.size:
            del entries[next(iter(entries))]
        entries[key] = value
