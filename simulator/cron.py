"""Crontab schedules as celery 5.2's `crontab` reads them, and the next moment one fires.

bk-sops stores a periodic task's cron in django-celery-beat's CrontabSchedule: five fields
(minute, hour, day_of_week, day_of_month, month_of_year), each `*`, a number, a list, a range
(`a-b`, wrapping past the field's end when b < a), or a step of either (`*/n`, `a-b/n`), read
by celery's crontab_parser, and evaluated in the schedule's time zone. Parsed here with a few
regular expressions and int(); nothing is ever evaluated as code.

Celery matches a day only when the day of month AND the day of week both allow it (classic
cron ORs them), and fires on the first matching minute strictly after the minute of the last
run; both are followed here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import InvalidCron

# (field, values per period, first value): celery's _expand_cronspec arguments per field.
FIELDS = (
    ("minute", 60, 0),
    ("hour", 24, 0),
    ("day_of_week", 7, 0),
    ("day_of_month", 31, 1),
    ("month_of_year", 12, 1),
)
_RANGE_STEP = re.compile(r"(\w+?)-(\w+)/(\w+)?")
_RANGE = re.compile(r"(\w+?)-(\w+)")
_STAR_STEP = re.compile(r"\*/(\w+)?")
_STAR = re.compile(r"^\*$")
# celery.utils.time.weekday: the first three letters of an English day name, Sunday first.
_DAYS = {name: i for i, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
# How far ahead a schedule is searched (28 years hold every weekday/leap-day combination).
_SEARCH_DAYS = 366 * 28


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidCron(f"invalid literal for int() with base 10: {text!r}") from None


class _Parser:
    """celery's crontab_parser for one field: `size` values starting at `low`."""

    def __init__(self, size: int, low: int) -> None:
        self.size, self.low = size, low

    def parse(self, spec: str) -> set[int]:
        found: set[int] = set()
        for part in spec.split(","):
            if not part:
                raise InvalidCron("empty part")
            found.update(self._part(part))
        return found

    def _part(self, part: str) -> list[int]:
        # Each pattern is matched at the start only (re.match), as celery does.
        if m := _RANGE_STEP.match(part):
            if not m.group(3):
                raise InvalidCron("empty filter")
            return self._step(self._range(m.group(1), m.group(2)), m.group(3))
        if m := _RANGE.match(part):
            return self._range(m.group(1), m.group(2))
        if m := _STAR_STEP.match(part):
            if not m.group(1):
                raise InvalidCron("empty filter")
            return self._step(self._star(), m.group(1))
        if _STAR.match(part):
            return self._star()
        return [self._number(part)]

    def _step(self, values: list[int], step: str) -> list[int]:
        n = _int(step)
        if n == 0:
            raise InvalidCron("slice step cannot be zero")
        return values[::n]

    def _star(self) -> list[int]:
        return list(range(self.low, self.low + self.size))

    def _range(self, first: str, last: str) -> list[int]:
        start, end = self._number(first), self._number(last)
        if end < start:  # wraps around the end of the field
            return [*range(start, self.low + self.size), *range(self.low, end + 1)]
        return list(range(start, end + 1))

    def _number(self, text: str) -> int:
        if text.startswith("-"):
            raise InvalidCron("negative numbers not supported")
        try:
            value = int(text)
        except ValueError:
            day = _DAYS.get(text[:3].lower())
            if day is None:
                raise InvalidCron(f"Invalid weekday literal {text!r}.") from None
            value = day
        top = self.low + self.size - 1
        if value > top:
            raise InvalidCron(f"Invalid end range: {value} must be less than {top}.")
        if value < self.low:
            raise InvalidCron(f"Invalid beginning range: {value} < {self.low}.")
        return value


def _expand(spec: object, size: int, low: int) -> frozenset[int]:
    if isinstance(spec, bool) or not isinstance(spec, int | str):
        raise InvalidCron(
            "Argument cronspec needs to be of any of the following types: int, str, or an "
            f"iterable type. {type(spec)!r} was given."
        )
    values = {spec} if isinstance(spec, int) else _Parser(size, low).parse(spec)
    for value in values:
        if value >= low + size or value < low:
            raise InvalidCron(
                f"Invalid crontab pattern. Valid range is {low}-{low + size - 1}. "
                f"'{value}' was found."
            )
    return frozenset(values)


@dataclass(frozen=True)
class Crontab:
    """A parsed schedule: the allowed values of each field, and the zone it is read in."""

    fields: Mapping[str, str]
    minute: frozenset[int]
    hour: frozenset[int]
    day_of_week: frozenset[int]
    day_of_month: frozenset[int]
    month_of_year: frozenset[int]
    timezone: str

    @classmethod
    def parse(cls, given: Mapping[str, object], timezone: str) -> Crontab:
        """A schedule from bk-sops's cron dict (missing fields are `*`); InvalidCron if bad."""
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidCron(f"unknown time zone {timezone!r}") from None
        specs = {name: given.get(name, "*") for name, _, _ in FIELDS}
        values = {name: _expand(specs[name], size, low) for name, size, low in FIELDS}
        text = {name: str(spec) for name, spec in specs.items()}
        return cls(fields=text, timezone=timezone, **values)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def render(self) -> str:
        """bk-sops's `cron` text: django-celery-beat's string put back in the old field order
        (gcloud/utils/strings.py django_celery_beat_cron_time_format_fit)."""
        parts = [_cronexp(self.fields[name]) for name in _RENDER_ORDER]
        return " ".join([*parts, "(m/h/d/dM/MY)", self.timezone])

    def next_after(self, moment: datetime) -> datetime | None:
        """The first matching minute after the minute of `moment` (UTC in, UTC out); None for
        a schedule that never fires (the 31st of February: celery accepts it too)."""
        zone = self.zone
        local = moment.astimezone(zone).replace(second=0, microsecond=0)
        day = local.date()
        for _ in range(_SEARCH_DAYS):
            if self._day_matches(day):
                for hour in sorted(self.hour):
                    for minute in sorted(self.minute):
                        wall = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
                        if wall.replace(tzinfo=None) > local.replace(tzinfo=None):
                            return wall.astimezone(UTC)
            day += timedelta(days=1)
        return None

    def _day_matches(self, day: date) -> bool:
        return (
            day.month in self.month_of_year
            and day.day in self.day_of_month
            and day.isoweekday() % 7 in self.day_of_week
        )


# django-celery-beat keeps the fields as m/h/dM/MY/d; bk-sops shows them as m/h/d/dM/MY.
_RENDER_ORDER = ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")


def _cronexp(field: str) -> str:
    # django_celery_beat.models.cronexp: spaces dropped, an empty field shown as `*`.
    return field.replace(" ", "") or "*"
