"""A router that finds an operation's route by the operation name in the path.

Starlette tries every route's pattern in turn; with four URL families per operation, the
operations near the end of the table went through some ninety regular expressions per request.
`OperationRouter` looks the operation name up among the path's segments and tries only that
operation's routes. It takes such a route only on a full match (path and method); anything
else (405, 404, redirects, every other route) goes through Starlette's own scan.

That gives the scan's answer because operation routes come first in the route list (the index
stops at the first other route) and no two of them match the same path: each family has its
own prefix, and within a family the operation name is a fixed segment.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import Receive, Scope, Send

from schemas.operations import OPERATIONS

OPERATION_NAMES = frozenset(op.name for op in OPERATIONS)


def operation_of(route: BaseRoute) -> str | None:
    """The operation a route serves (routes.py names them "<op>:<family>:<path>"), else None."""
    if not isinstance(route, Route) or route.name is None:
        return None
    name = route.name.split(":", 1)[0]
    return name if name in OPERATION_NAMES and ":" in route.name else None


class OperationRouter(Router):
    """Starlette's Router with a shortcut from operation name to the operation's routes."""

    _index: dict[str, list[Route]]
    _indexed_over: list[BaseRoute] | None = None
    _indexed_count = -1

    def index(self) -> dict[str, list[Route]]:
        # Rebuilt when routes were added since (Starlette allows it).
        if self._indexed_over is not self.routes or self._indexed_count != len(self.routes):
            found: dict[str, list[Route]] = {}
            for route in self.routes:
                op = operation_of(route)
                if op is None:
                    break  # past the operation routes the scan order matters: leave it alone
                assert isinstance(route, Route)
                found.setdefault(op, []).append(route)
            self._index, self._indexed_over = found, self.routes
            self._indexed_count = len(self.routes)
        return self._index

    def pick(self, scope: Scope) -> tuple[Route, Scope] | None:
        """The operation route that fully matches, when the path names an operation."""
        index = self.index()
        for segment in scope["path"].split("/"):
            candidates = index.get(segment)
            if candidates is None:
                continue
            for route in candidates:
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    return route, child_scope
            return None
        return None

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            picked = self.pick(scope)
            if picked is not None:
                route, child_scope = picked
                scope.setdefault("router", self)
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
        await super().app(scope, receive, send)
