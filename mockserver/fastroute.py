"""The operation lane: operation requests go from the router's table straight to their endpoint.

Starlette tries every route's pattern in turn; with four URL families per operation, the
operations near the end of the table went through some ninety regular expressions per request.
`OperationIndex` looks the operation name up among the path's segments and tries only that
operation's routes. It takes such a route only on a full match (path and method); anything
else (405, 404, redirects, every other route) is left to Starlette's own scan.

That gives the scan's answer because operation routes come first in the route list (the index
stops at the first other route) and no two of them match the same path: each family has its
own prefix, and within a family the operation name is a fixed segment.

`OperationLane` is the app's one middleware, inside Starlette's error middleware (a bug still
gets its 500 and its traceback) and outside the exception middleware and the router. An
operation endpoint renders every error it can meet itself (dispatch.py), so none of the
exception handlers those layers install could ever run for it; skipping them takes four
closures, two `Request` objects and two `send` wrappers off every operation request.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from schemas.operations import OPERATIONS

OPERATION_NAMES = frozenset(op.name for op in OPERATIONS)
SEEN_PATHS = 4096


def operation_of(route: BaseRoute) -> str | None:
    """The operation a route serves (routes.py names them "<op>:<family>:<path>"), else None."""
    if not isinstance(route, Route) or route.name is None:
        return None
    name = route.name.split(":", 1)[0]
    return name if name in OPERATION_NAMES and ":" in route.name else None


class OperationIndex:
    """From an operation name to its routes, over a router's (growable) route list."""

    def __init__(self, routes: list[BaseRoute]) -> None:
        self.routes = routes
        self._index: dict[str, list[Route]] = {}
        self._indexed_count = -1
        # (method, path) -> the match at the root path: clients poll the same paths over and
        # over, and a regular expression and its convertors cost more than this lookup.
        self._seen: dict[tuple[str, str], tuple[Route, dict[str, Any]] | None] = {}

    def index(self) -> dict[str, list[Route]]:
        # Rebuilt when routes were added since (Starlette allows it).
        if self._indexed_count != len(self.routes):
            found: dict[str, list[Route]] = {}
            for route in self.routes:
                op = operation_of(route)
                if op is None:
                    break  # past the operation routes the scan order matters: leave it alone
                assert isinstance(route, Route)
                found.setdefault(op, []).append(route)
            self._index, self._indexed_count = found, len(self.routes)
            self._seen = {}
        return self._index

    def pick(self, scope: Scope) -> tuple[Route, Scope] | None:
        """The operation route that fully matches, when the path names an operation."""
        index = self.index()
        for segment in scope["path"].split("/"):
            candidates = index.get(segment)
            if candidates is None:
                continue
            if scope.get("root_path"):  # Starlette strips it first: let it
                return _full_match(candidates, scope)
            return self._at_root(candidates, scope)
        return None

    def _at_root(self, candidates: list[Route], scope: Scope) -> tuple[Route, Scope] | None:
        key = (scope["method"], scope["path"])
        try:
            found = self._seen[key]
        except KeyError:
            found = _full_match_at_root(candidates, scope)
            if len(self._seen) >= SEEN_PATHS:
                self._seen.clear()  # simpler than LRU, and a refill costs one match per path
            self._seen[key] = found
        if found is None:
            return None
        route, params = found
        # A fresh dict per request, as Starlette gives: nothing may see another's parameters.
        outer = scope.get("path_params")
        merged = {**outer, **params} if outer else dict(params)
        return route, {"endpoint": route.endpoint, "path_params": merged}


def _full_match(candidates: list[Route], scope: Scope) -> tuple[Route, Scope] | None:
    for route in candidates:
        match, child_scope = route.matches(scope)
        if match is Match.FULL:
            return route, child_scope
    return None


def _full_match_at_root(
    candidates: list[Route], scope: Scope
) -> tuple[Route, dict[str, Any]] | None:
    """`Route.matches` for a scope without a root path: the route and its path parameters."""
    path, method = scope["path"], scope["method"]
    for route in candidates:
        found = route.path_regex.match(path)
        if found is None or (route.methods and method not in route.methods):
            continue
        convertors = route.param_convertors
        return route, {k: convertors[k].convert(v) for k, v in found.groupdict().items()}
    return None


class OperationLane:
    """Serves fully matched operation routes; passes every other request on unchanged."""

    def __init__(self, app: ASGIApp, router: Router) -> None:
        self.app = app
        self.router = router
        self.operations = OperationIndex(router.routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            picked = self.operations.pick(scope)
            if picked is not None:
                route, child_scope = picked
                scope.update(child_scope)
                scope.setdefault("router", self.router)
                scope["route"] = route
                response = await route.endpoint(Request(scope, receive, send))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
