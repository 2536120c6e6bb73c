"""bk-sops's time text, "%Y-%m-%d %H:%M:%S %z", written without strftime (a hot path).

`datetime.strftime` costs several microseconds a call; status trees and template lists write
dozens of times per answer. The formatter below gives strftime's text for every aware time
whose year has four digits and whose offset is whole minutes, and defers to strftime otherwise.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

TIME_FORMAT = "%Y-%m-%d %H:%M:%S %z"


def bk_time(moment: datetime) -> str:
    """`moment.strftime(TIME_FORMAT)` for an aware `moment`, faster."""
    offset = moment.utcoffset()
    if offset is None or offset.microseconds or moment.year < 1000:
        return moment.strftime(TIME_FORMAT)
    seconds = offset.days * 86400 + offset.seconds
    if seconds % 60:
        return moment.strftime(TIME_FORMAT)
    sign = "+"
    if seconds < 0:
        sign, seconds = "-", -seconds
    return "%d-%02d-%02d %02d:%02d:%02d %s%02d%02d" % (  # noqa: UP031 (faster than f-strings here)
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        sign,
        seconds // 3600,
        seconds // 60 % 60,
    )


def bk_time_in(moment: datetime, tz: tzinfo) -> str:
    """`moment` shown in zone `tz` as bk-sops renders times."""
    return bk_time(moment.astimezone(tz))
