"""Handlers join the operation table by their mark: one per row, in table order, named as it."""

from __future__ import annotations

import types
from typing import Any

import pytest

from mockserver import handlers
from mockserver.handlers.registry import collect, operation_handler
from schemas.operations import OPERATIONS


def test_every_row_of_the_table_has_its_handler_in_table_order():
    assert list(handlers.HANDLERS) == [op.name for op in OPERATIONS]
    for name, handler in handlers.HANDLERS.items():
        assert handler.__name__ == name
        assert handler.__module__.startswith("mockserver.handlers.")


def test_a_handler_named_for_no_operation_is_refused_at_import():
    def get_nothing(call: Any, mock: Any) -> dict[str, Any]:
        return {}

    with pytest.raises(LookupError, match="get_nothing"):
        operation_handler(get_nothing)


def module_of(name: str, *functions: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    for function in functions:
        function.__module__ = name
        setattr(module, function.__name__, function)
    return module


def marked(name: str) -> Any:
    def handler(call: Any, mock: Any) -> dict[str, Any]:
        return {}

    handler.__name__ = name
    return operation_handler(handler)


def every_handler() -> list[Any]:
    return [marked(op.name) for op in OPERATIONS]


def test_collect_takes_every_marked_function_and_nothing_else():
    found = every_handler()
    module = module_of("fake.handlers", *found)
    setattr(module, "helper", lambda: None)  # noqa: B010 (a module built at run time)
    assert collect([module]) == {op.name: f for op, f in zip(OPERATIONS, found, strict=True)}


def test_a_row_without_a_handler_is_refused():
    module = module_of("fake.handlers", *every_handler()[1:])
    with pytest.raises(LookupError, match=OPERATIONS[0].name):
        collect([module])


def test_two_handlers_of_one_operation_are_refused():
    found = every_handler()
    first = module_of("fake.one", *found)
    second = module_of("fake.two", marked(OPERATIONS[0].name))
    with pytest.raises(LookupError, match=f"two handlers of {OPERATIONS[0].name}"):
        collect([first, second])


def test_a_handler_imported_into_another_module_counts_once():
    found = every_handler()
    home = module_of("fake.home", *found)
    other = types.ModuleType("fake.other")
    create_task = next(f for f in found if f.__name__ == "create_task")
    setattr(other, "create_task", create_task)  # noqa: B010
    assert collect([home, other])["create_task"] is create_task
