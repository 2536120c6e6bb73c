"""OperationRouter takes the route Starlette's scan would take, or leaves the request to it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.routing import BaseRoute, Match, Route

from mockserver.app import create_app
from mockserver.fastroute import OperationRouter, operation_of
from mockserver.settings import Settings
from schemas.operations import OPERATIONS

APP = create_app(Settings(clock="virtual"))


def _operation_router() -> OperationRouter:
    router = APP.router
    assert isinstance(router, OperationRouter)
    return router


ROUTER = _operation_router()
ROUTES: list[BaseRoute] = list(ROUTER.routes)


def scope(method: str, path: str) -> dict:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}


def scan(method: str, path: str) -> tuple[BaseRoute, Any] | None:
    """Starlette's choice: the first full match, else the first partial one."""
    partial = None
    for route in ROUTES:
        match, child = route.matches(scope(method, path))
        if match is Match.FULL:
            return route, child
        if match is Match.PARTIAL and partial is None:
            partial = route, child
    return partial


def _filled(route: Route) -> str:
    path = route.path_format if hasattr(route, "path_format") else route.path
    return re.sub(r"\{[^}]+\}", lambda m: "prod" if m.group(0) == "{stage}" else "7", path)


def sample_paths() -> list[str]:
    paths = [_filled(r) for r in ROUTES if isinstance(r, Route)]
    odd = [
        "/apigw/get_task_status/x/2/",  # not an id
        "/apigw/get_task_status/1/2",  # no trailing slash
        "/apigw/get_task_status/1/",  # an id short
        "/api/bk-sops/get_task_status/get_task_status/1/2/",  # a stage named like an operation
        "/api/bk-sops/create_task/get_task_status/1/2/",
        "/apigw/create_task/get_task_status/1/2/",
        "/api/c/compapi/v2/sops/get_task_status/",
        "/api/c/compapi/v3/sops/get_task_status/",
        "/get_task_status/",
        "/__mock__/health",
        "/openapi.json",
        "/",
    ]
    return paths + odd


def test_the_app_routes_with_the_operation_router():
    assert isinstance(ROUTER, OperationRouter)
    indexed = ROUTER.index()
    assert set(indexed) == {op.name for op in OPERATIONS}
    assert all(len(routes) == 4 for routes in indexed.values())
    assert sum(operation_of(r) is not None for r in ROUTES) == 4 * len(OPERATIONS)


@pytest.mark.parametrize("method", ["GET", "POST", "PUT"])
@pytest.mark.parametrize("path", sample_paths())
def test_the_shortcut_agrees_with_the_scan(method, path):
    picked = ROUTER.pick(scope(method, path))
    if picked is not None:
        route, child_scope = picked
        assert (route, child_scope) == scan(method, path)
        assert operation_of(route) is not None


def test_every_operation_route_is_taken_by_the_shortcut():
    for route in ROUTES:
        if operation_of(route) is None:
            continue
        assert isinstance(route, Route) and route.methods
        method = sorted(route.methods - {"HEAD"})[0]
        assert ROUTER.pick(scope(method, _filled(route))) == scan(method, _filled(route))
        assert ROUTER.pick(scope(method, _filled(route))) is not None


def test_routes_added_later_reindex():
    router = OperationRouter(ROUTES[:8])
    assert sum(len(v) for v in router.index().values()) == 8
    router.routes.extend(ROUTES[8:12])
    assert sum(len(v) for v in router.index().values()) == 12
