"""Times as bk-sops renders them: "%Y-%m-%d %H:%M:%S %z" in the deployment's zone."""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from simulator.timetext import TIME_FORMAT, bk_time_in

FORMAT = TIME_FORMAT


def render(moment: datetime | None, tz: tzinfo) -> str:
    """bk-sops's format_datetime: "" for a missing time."""
    if moment is None:
        return ""
    return bk_time_in(moment, tz)  # strftime's text, without strftime's cost


def zone(name: str) -> tzinfo | None:
    """The zone called `name`, or None when it does not exist (bk-sops then refuses the call)."""
    if not name or name.startswith(("/", ".")) or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
