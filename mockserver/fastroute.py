"""The operation lane: operation requests go from the router's table straight to their endpoint.

Starlette tries every route's pattern in turn; with four URL families per operation, the
operations near the end of the table went through some ninety regular expressions per request.
`OperationIndex` looks the operation name up among the path's segments and tries only that
operation's routes. It takes such a route only on a full match (path and method); anything
else (405, 404, redirects, every other route) is left to Starlette's own scan.

That gives the scan's answer because operation routes come first in the route list (the index
stops at the first other route) and no two of them match the same path: each family has its
own prefix, and within a family the operation name is a fixed segment. Operation routes are
`OperationRoute`s: each carries its operation and family, and the lane matches it with an
expression it compiles itself from the path template, never reading Starlette's own.

`OperationLane` is the app's one middleware, inside Starlette's error middleware (a bug still
gets its 500 and its traceback) and outside the exception middleware and the router. An
operation endpoint renders every error it can meet itself (dispatch.py), so none of the
exception handlers those layers install could ever run for it; skipping them takes four
closures, two `Request` objects and two `send` wrappers off every operation request.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from schemas.operations import Operation

from .errors import store_unavailable
from .inbound import Family
from .store import StoreError

SEEN_PATHS = 4096
# The two parameter kinds operation paths use, matched as Starlette's convertors match them.
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::(int|str))?\}")
_KIND_PATTERN = {"int": "[0-9]+", "str": "[^/]+"}


class OperationRoute(Route):
    """The route of one operation on one URL family, as the lane serves it.

    It takes no route-level middleware and no body limit: the lane calls the endpoint itself
    and would skip them (tests/mockserver/test_fastroute.py holds every operation route to it).
    """

    def __init__(
        self,
        path: str,
        endpoint: Callable[[Request], Awaitable[Response]],
        *,
        operation: Operation,
        family: Family,
    ) -> None:
        super().__init__(
            path, endpoint, methods=[operation.method], name=f"{operation.name}:{family}:{path}"
        )
        self.operation = operation
        self.family = family
        # Starlette serves HEAD wherever GET is; Django's require_GET answers it 405.
        self.methods = {operation.method}
        self.lane_methods = frozenset({operation.method})
        self.lane_regex, self.lane_ints = lane_pattern(path)

    def lane_match(self, path: str, method: str) -> dict[str, Any] | None:
        """The path parameters when `path` and `method` fully match, else None."""
        found = self.lane_regex.match(path)
        if found is None or method not in self.lane_methods:
            return None
        ints = self.lane_ints
        return {k: int(v) if k in ints else v for k, v in found.groupdict().items()}


def lane_pattern(path: str) -> tuple[re.Pattern[str], frozenset[str]]:
    """A path template's full-match expression and the names of its integer parameters."""
    pattern, ints, at = "^", set(), 0
    for param in [*_PARAM.finditer(path), None]:
        literal = path[at : len(path) if param is None else param.start()]
        if "{" in literal or "}" in literal:  # a convertor the lane does not know
            raise ValueError(f"the lane cannot read the path template {path!r}")
        pattern += re.escape(literal)
        if param is None:
            break
        name, kind = param.group(1), param.group(2) or "str"
        pattern += f"(?P<{name}>{_KIND_PATTERN[kind]})"
        if kind == "int":
            ints.add(name)
        at = param.end()
    return re.compile(pattern + "$"), frozenset(ints)


def operation_of(route: BaseRoute) -> str | None:
    """The operation a route serves, else None."""
    return route.operation.name if isinstance(route, OperationRoute) else None


class OperationIndex:
    """From an operation name to its routes, over a router's (growable) route list."""

    def __init__(self, routes: list[BaseRoute]) -> None:
        self.routes = routes
        self._index: dict[str, list[OperationRoute]] = {}
        self._indexed_count = -1
        # (method, path) -> the match at the root path: clients poll the same paths over and
        # over, and a regular expression and its convertors cost more than this lookup.
        self._seen: dict[tuple[str, str], tuple[OperationRoute, dict[str, Any]] | None] = {}

    def index(self) -> dict[str, list[OperationRoute]]:
        # Rebuilt when routes were added since (Starlette allows it).
        if self._indexed_count != len(self.routes):
            found: dict[str, list[OperationRoute]] = {}
            for route in self.routes:
                if not isinstance(route, OperationRoute):
                    break  # past the operation routes the scan order matters: leave it alone
                found.setdefault(route.operation.name, []).append(route)
            self._index, self._indexed_count = found, len(self.routes)
            self._seen = {}
        return self._index

    def pick(self, scope: Scope) -> tuple[OperationRoute, Scope] | None:
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

    def _at_root(
        self, candidates: list[OperationRoute], scope: Scope
    ) -> tuple[OperationRoute, Scope] | None:
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


def _full_match(
    candidates: list[OperationRoute], scope: Scope
) -> tuple[OperationRoute, Scope] | None:
    for route in candidates:
        match, child_scope = route.matches(scope)
        if match is Match.FULL:
            return route, child_scope
    return None


def _full_match_at_root(
    candidates: list[OperationRoute], scope: Scope
) -> tuple[OperationRoute, dict[str, Any]] | None:
    """`Route.matches` for a scope without a root path: the route and its path parameters."""
    path, method = scope["path"], scope["method"]
    for route in candidates:
        params = route.lane_match(path, method)
        if params is not None:
            return route, params
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
                try:
                    response = await route.endpoint(Request(scope, receive, send))
                except StoreError as exc:
                    response = store_unavailable(exc)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
