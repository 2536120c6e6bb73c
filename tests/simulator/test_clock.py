"""Clocks: the virtual clock never goes backwards; the wall clock is paced."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from simulator import VirtualClock, WallClock

T = datetime(2024, 1, 1, tzinfo=UTC)


def test_virtual_clock_moves_only_forwards():
    clock = VirtualClock(T)
    assert clock.now() == T
    assert clock.advance(1.5) == T + timedelta(seconds=1.5)
    clock.set(T + timedelta(seconds=10))
    assert clock.now() == T + timedelta(seconds=10)
    with pytest.raises(ValueError, match="back"):
        clock.set(T)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)


def test_virtual_clock_reports_utc():
    clock = VirtualClock(datetime(2024, 1, 1, 8, tzinfo=timezone(timedelta(hours=8))))
    assert clock.now() == T and clock.now().tzinfo is UTC
    with pytest.raises(ValueError, match="aware"):
        VirtualClock(datetime(2024, 1, 1))  # noqa: DTZ001


def test_wall_clock_starts_where_told_and_never_runs_backwards():
    clock = WallClock(speed=1000, start=T)
    first = clock.now()
    assert first >= T and clock.now() >= first
    with pytest.raises(ValueError, match="positive"):
        WallClock(speed=0)
