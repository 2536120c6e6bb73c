"""How a handler joins the operation table: `@operation_handler` on a function named for its row.

The mark is an attribute on the function, not an entry in a shared dict: `collect` reads the
marks of the handler modules once, in table order, and refuses a table row without a handler,
a mark for an operation the table lacks, and two handlers of one operation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any, TypeVar

from mockserver.call import Call
from mockserver.state import MockState
from schemas.operations import OPERATIONS, operation

Handler = Callable[[Call, MockState], dict[str, Any]]
H = TypeVar("H", bound=Handler)
MARK = "sops_operation"


def operation_handler(func: H) -> H:
    """Mark `func` as the handler of the operation named `func.__name__`."""
    name = func.__name__
    operation(name)  # a LookupError at import for a name the operation table lacks
    setattr(func, MARK, name)
    return func


def collect(modules: Iterable[ModuleType]) -> dict[str, Handler]:
    """The marked handlers defined in `modules`, one per operation of the table, in its order."""
    found: dict[str, Handler] = {}
    for module in modules:
        for value in vars(module).values():
            name = getattr(value, MARK, None)
            if name is None or getattr(value, "__module__", None) != module.__name__:
                continue  # not a handler, or one imported from the module that defines it
            if name in found and found[name] is not value:
                raise LookupError(f"two handlers of {name}: {found[name]!r} and {value!r}")
            found[name] = value
    missing = [op.name for op in OPERATIONS if op.name not in found]
    if missing:
        raise LookupError(f"operations without an @operation_handler: {missing}")
    return {op.name: found[op.name] for op in OPERATIONS}
