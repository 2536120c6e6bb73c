"""Clocks the engine reads time from: a virtual one moved by hand, and a paced wall clock.

`WallClock` is the only code in the project that reads the system time.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Where the engine reads the current time (timezone-aware, UTC)."""

    def now(self) -> datetime: ...


def _utc(t: datetime) -> datetime:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"clock times must be timezone-aware, got {t!r}")
    return t.astimezone(UTC)


class VirtualClock:
    """A clock that moves only when told to; it never goes backwards."""

    def __init__(self, start: datetime) -> None:
        self._now = _utc(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError(f"cannot move the clock backwards by {seconds} s")
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, t: datetime) -> datetime:
        t = _utc(t)
        if t < self._now:
            raise ValueError(f"cannot set the clock back from {self._now} to {t}")
        self._now = t
        return self._now


class WallClock:
    """Virtual time = start + speed x real time elapsed since construction; monotonic.

    With `origin` (a Unix time), real time counts from that moment instead, so clocks in
    several processes or hosts that share (start, origin, speed) read the same time.
    """

    def __init__(
        self, speed: float = 1.0, start: datetime | None = None, origin: float | None = None
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._t0 = time.monotonic()  # noqa: TID251
        real = time.time()  # noqa: TID251
        self.origin = real if origin is None else origin
        self._t0 -= real - self.origin
        self._start = _utc(start) if start is not None else datetime.now(UTC)  # noqa: TID251

    @property
    def start(self) -> datetime:
        return self._start

    def now(self) -> datetime:
        elapsed = time.monotonic() - self._t0  # noqa: TID251
        return self._start + timedelta(seconds=elapsed * self.speed)
