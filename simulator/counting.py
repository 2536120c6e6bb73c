"""query_task_count: filtering tasks by bk-sops's documented conditions and grouping them.

Conditions follow Django lookups on the task fields bk-sops filters: `field` or
`field__lookup` with lookups exact, iexact, contains, icontains, startswith, istartswith,
endswith, iendswith, gt, gte, lt, lte, in, isnull. `create_method` alone means "in" a list.
`create_time` / `finish_time` alone take a millisecond timestamp (created on or after it /
created before the day after it). Values "None" and "" and the keys component_code,
order_by, type, is_remote and project_id are ignored; anything else unknown is an error.
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any, Final, Protocol

from .errors import InvalidCondition
from .models import CountResult
from .views import to_us

IGNORED_KEYS: Final = frozenset({"component_code", "order_by", "type", "is_remote", "project_id"})
STATUS_GROUPS: Final = ("CREATED", "EXECUTING", "FINISHED")
FLOW_TYPES: Final = ("common", "common_func")
CREATE_METHODS: Final = ("app", "api", "app_maker", "periodic", "clocked", "mobile", "mcp")
# group_by -> the groups every answer lists, counted or not (other keys list only what occurs)
FIXED_GROUPS: Final[dict[str, tuple[str, ...]]] = {
    "status": STATUS_GROUPS,
    "flow_type": FLOW_TYPES,
    "create_method": CREATE_METHODS,
}
GROUP_BYS: Final = ("status", "category", "flow_type", "create_method")
DAY_US: Final = 86_400_000_000


class Countable(Protocol):
    @property
    def create_time(self) -> int: ...
    @property
    def create_method(self) -> str: ...
    @property
    def is_started(self) -> bool: ...
    @property
    def is_finished(self) -> bool: ...


TEXT = ("name", "creator", "executor", "category", "flow_type", "create_method", "current_flow")
FIELDS: Final[dict[str, str]] = {
    **dict.fromkeys(TEXT, "text"),
    "template_source": "text",
    "template_id": "text",
    "id": "int",
    "create_time": "time",
    "start_time": "time",
    "finish_time": "time",
    "is_started": "bool",
    "is_finished": "bool",
    "is_deleted": "bool",
}
LOOKUPS: Final = frozenset(
    {"exact", "iexact", "contains", "icontains", "startswith", "istartswith", "endswith"}
    | {"iendswith", "gt", "gte", "lt", "lte", "in", "isnull"}
)

Test = Callable[[Countable], bool]


def count(
    tasks: Iterable[Countable], group_by: str, conditions: Mapping[str, Any], tz: tzinfo
) -> CountResult:
    if group_by not in GROUP_BYS:
        raise InvalidCondition("group_by", group_by)
    tests = [test for key, value in conditions.items() if (test := _test(key, value, tz))]
    # Over a hundred thousand tasks these loops are the cost: one C-level filter per condition
    # (each on what the one before kept; the tests are pure, so the order is free).
    matched = list(tasks)
    for test in tests:
        matched = list(filter(test, matched))
    if group_by == "status":
        started = list(filter(operator.attrgetter("is_started"), matched))
        finished = sum(map(operator.attrgetter("is_finished"), started))
        tally = Counter(
            {
                "CREATED": len(matched) - len(started),
                "EXECUTING": len(started) - finished,
                "FINISHED": finished,
            }
        )
    else:
        tally = Counter(map(operator.attrgetter(group_by), matched))
    fixed = FIXED_GROUPS.get(group_by)
    codes: Sequence[str] = sorted(tally) if fixed is None else fixed
    return CountResult(len(matched), [(code, tally.get(code, 0)) for code in codes])


def _test(key: str, value: Any, tz: tzinfo) -> Test | None:
    if key in IGNORED_KEYS or value is None or value in ("None", ""):
        return None
    if key in ("create_time", "finish_time"):
        start = _millis(key, value)
        if key == "create_time":
            return lambda task: task.create_time >= start
        return lambda task: task.create_time < start + DAY_US
    if key == "create_method":
        values = value if isinstance(value, list) else [value]
        if not values:
            return None
        wanted = {str(v) for v in values}
        return lambda task: task.create_method in wanted
    field, _, lookup = key.partition("__")
    lookup = lookup or "exact"
    if field not in FIELDS or lookup not in LOOKUPS:
        raise InvalidCondition(key, value)
    kind = FIELDS[field]
    get = _getter(field)
    if lookup == "isnull":
        flag = _bool(key, value)
        return lambda task: (get(task) is None) == flag
    if lookup == "in":
        items = value if isinstance(value, list) else str(value).split(",")
        wanted_in = [_coerce(key, kind, item, tz) for item in items]
        return lambda task: get(task) in wanted_in
    expected = _coerce(key, kind, value, tz)
    return _compare(get, lookup, expected)


def _getter(field: str) -> Callable[[Countable], Any]:
    if field == "is_deleted":
        return lambda task: False
    if field == "template_id":
        return lambda task: str(task.template_id)  # type: ignore[attr-defined]
    return operator.attrgetter(field)


ORDERS: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
TEXT_TESTS: Final[dict[str, Callable[[str, str], bool]]] = {
    "exact": str.__eq__,
    "contains": lambda text, wanted: wanted in text,
    "startswith": str.startswith,
    "endswith": str.endswith,
}


def _compare(get: Callable[[Countable], Any], lookup: str, expected: Any) -> Test:
    """The test of one lookup, chosen once (it runs once per task); None never matches."""
    if lookup == "exact":

        def exact(task: Countable) -> bool:
            actual = get(task)
            return actual is not None and bool(actual == expected)

        return exact
    if lookup in ORDERS:
        order = ORDERS[lookup]

        def ordered(task: Countable) -> bool:
            actual = get(task)
            return actual is not None and bool(order(actual, expected))

        return ordered
    fold = lookup.startswith("i")
    match = TEXT_TESTS[lookup[1:] if fold else lookup]
    wanted = str(expected).lower() if fold else str(expected)

    def text(task: Countable) -> bool:
        actual = get(task)
        if actual is None:
            return False
        shown = str(actual)
        return match(shown.lower() if fold else shown, wanted)

    return text


def _coerce(key: str, kind: str, value: Any, tz: tzinfo) -> Any:
    if kind == "bool":
        return _bool(key, value)
    if kind == "int":
        try:
            return int(value)
        except (TypeError, ValueError):
            raise InvalidCondition(key, value) from None
    if kind == "time":
        return _time(key, value, tz)
    return str(value)


def _bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "t", "true"):
        return True
    if text in ("0", "f", "false"):
        return False
    raise InvalidCondition(key, value)


def _time(key: str, value: Any, tz: tzinfo) -> int:
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            try:
                moment = datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z")
            except ValueError:
                raise InvalidCondition(key, value) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return to_us(moment)


def _millis(key: str, value: Any) -> int:
    try:
        return int(float(value)) * 1000
    except (TypeError, ValueError):
        raise InvalidCondition(key, value) from None
