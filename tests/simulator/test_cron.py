"""celery's crontab as simulator/cron.py reads it: accepted forms, refusals, next fire."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from simulator.cron import Crontab
from simulator.errors import InvalidCron


@pytest.mark.parametrize(
    ("spec", "values"),
    [
        ("*", list(range(60))),
        ("5", [5]),
        (7, [7]),
        ("1,2,3-19/2", [1, 2, 3, 5, 7, 9, 11, 13, 15, 17, 19]),
        ("*/15", [0, 15, 30, 45]),
        ("50-10", [*range(11), *range(50, 60)]),  # a range wraps past the field's end
        ("10-20/5", [10, 15, 20]),
        ("mon", [1]),  # celery reads day names in every field
        ("1-5/2!", [1, 3, 5]),  # patterns match at the start, as re.match does
    ],
)
def test_minute_forms(spec, values):
    assert sorted(Crontab.parse({"minute": spec}, "UTC").minute) == values


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"minute": ""}, "empty part"),
        ({"minute": "1,"}, "empty part"),
        ({"minute": "*/"}, "empty filter"),
        ({"minute": "1-5/"}, "empty filter"),
        ({"minute": "*/0"}, "slice step cannot be zero"),
        ({"minute": "*/x"}, "invalid literal for int() with base 10: 'x'"),
        ({"minute": "60"}, "Invalid end range: 60 must be less than 59."),
        ({"hour": "24"}, "Invalid end range: 24 must be less than 23."),
        ({"day_of_week": "7"}, "Invalid end range: 7 must be less than 6."),
        ({"day_of_month": "0"}, "Invalid beginning range: 0 < 1."),
        ({"month_of_year": "13"}, "Invalid end range: 13 must be less than 12."),
        ({"minute": "-1"}, "negative numbers not supported"),
        ({"minute": "foo"}, "Invalid weekday literal 'foo'."),
        ({"minute": 60}, "Invalid crontab pattern. Valid range is 0-59. '60' was found."),
        ({"day_of_month": 0}, "Invalid crontab pattern. Valid range is 1-31. '0' was found."),
        (
            {"minute": [1]},
            "Argument cronspec needs to be of any of the following types: int, str, or an "
            "iterable type. <class 'list'> was given.",
        ),
    ],
)
def test_refusals_carry_celerys_words(given, message):
    with pytest.raises(InvalidCron) as caught:
        Crontab.parse(given, "UTC")
    assert str(caught.value) == message


def test_render_is_bk_sops_field_order_with_the_zone():
    cron = Crontab.parse({"minute": "1, 2", "hour": 3, "day_of_month": "4"}, "Asia/Shanghai")
    assert cron.render() == "1,2 3 * 4 * (m/h/d/dM/MY) Asia/Shanghai"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_next_is_strictly_after_the_minute_and_read_in_the_zone():
    cron = Crontab.parse({"minute": "0", "hour": "9"}, "Asia/Shanghai")  # 01:00 UTC
    assert cron.next_after(utc(2026, 1, 5, 0, 59, 59)) == utc(2026, 1, 5, 1, 0)
    assert cron.next_after(utc(2026, 1, 5, 1, 0, 0)) == utc(2026, 1, 6, 1, 0)
    assert cron.next_after(utc(2026, 1, 5, 1, 0, 30)) == utc(2026, 1, 6, 1, 0)


def test_day_of_month_and_day_of_week_must_both_match():
    # The 13th that is a Friday (celery ANDs the two; classic cron would OR them).
    cron = Crontab.parse(
        {"minute": "0", "hour": "0", "day_of_month": "13", "day_of_week": "5"}, "UTC"
    )
    assert cron.next_after(utc(2026, 1, 1)) == utc(2026, 2, 13)


def test_a_schedule_that_never_fires_has_no_next():
    cron = Crontab.parse({"day_of_month": "31", "month_of_year": "2"}, "UTC")
    assert cron.next_after(utc(2026, 1, 1)) is None
