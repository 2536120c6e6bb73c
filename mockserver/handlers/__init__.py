"""One function per operation, found by its `@operation_handler` mark (registry.py).

Every module of this package is imported once, so a new handler module needs no line here.
"""

from __future__ import annotations

import importlib
import pkgutil

from .registry import Handler, collect, operation_handler

__all__ = ["HANDLERS", "Handler", "operation_handler"]

HANDLERS: dict[str, Handler] = collect(
    importlib.import_module(f"{__name__}.{info.name}")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name)
)
