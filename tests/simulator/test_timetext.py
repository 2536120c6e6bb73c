"""bk_time writes exactly what strftime("%Y-%m-%d %H:%M:%S %z") writes, for any aware time."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.timetext import TIME_FORMAT, bk_time, bk_time_in

ZONES = [
    UTC,
    ZoneInfo("Asia/Shanghai"),  # +0805:43 (LMT) before 1901
    ZoneInfo("America/St_Johns"),  # -0330 / -0230
    ZoneInfo("Asia/Kathmandu"),  # +0545
    ZoneInfo("Pacific/Chatham"),  # +1245 / +1345
    ZoneInfo("Europe/Dublin"),  # negative DST
    timezone(timedelta(hours=-3)),
    timezone(timedelta(hours=5, minutes=30, seconds=15)),
    timezone(timedelta(minutes=-1, microseconds=7)),
]


@settings(max_examples=400, derandomize=True, deadline=None)
@given(
    # naive bounds, as hypothesis wants them; the zone is attached in the test
    moment=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),  # noqa: DTZ001
    zone=st.sampled_from(ZONES),
)
def test_bk_time_is_strftime(moment, zone):
    aware = moment.replace(tzinfo=zone)
    assert bk_time(aware) == aware.strftime(TIME_FORMAT)


@pytest.mark.parametrize(
    ("moment", "zone", "text"),
    [
        ("2026-01-05T02:00:00+00:00", "Asia/Shanghai", "2026-01-05 10:00:00 +0800"),
        ("2024-07-01T12:00:00+00:00", "America/St_Johns", "2024-07-01 09:30:00 -0230"),
        ("1890-01-01T00:00:00+00:00", "Asia/Shanghai", "1890-01-01 08:05:43 +080543"),
    ],
)
def test_bk_time_in_known_cases(moment, zone, text):
    assert bk_time_in(datetime.fromisoformat(moment), ZoneInfo(zone)) == text
