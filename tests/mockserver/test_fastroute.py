"""The operation lane takes the route Starlette's scan would take, or leaves the request to it."""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest
from starlette.middleware import Middleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.routing import BaseRoute, Match, Route
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver import handlers
from mockserver.app import create_app
from mockserver.door import Door
from mockserver.fastroute import (
    OperationIndex,
    OperationLane,
    OperationRoute,
    lane_pattern,
    operation_of,
)
from mockserver.settings import Settings
from schemas.operations import OPERATIONS, Operation

from .api import AUTH_HEADER

APP = create_app(Settings(clock="virtual"))
ROUTES: list[BaseRoute] = list(APP.router.routes)
ROUTER = OperationIndex(ROUTES)


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


def test_the_lane_sits_inside_the_error_middleware_and_outside_the_exception_one():
    stack = APP.build_middleware_stack()
    assert isinstance(stack, ServerErrorMiddleware)
    assert isinstance(stack.app, Door)  # Host and Origin are checked before any routing
    lane = stack.app.app
    assert isinstance(lane, OperationLane)
    assert isinstance(lane.app, ExceptionMiddleware)
    assert lane.router is APP.router


def test_the_index_covers_every_operation_on_its_families():
    indexed = ROUTER.index()
    assert set(indexed) == {op.name for op in OPERATIONS}
    # Four families, less the gateway for what the gateway does not publish.
    families = {op.name: 4 if op.on_gateway else 3 for op in OPERATIONS}
    assert {name: len(routes) for name, routes in indexed.items()} == families
    assert sum(operation_of(r) is not None for r in ROUTES) == sum(families.values())


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
    routes = ROUTES[:8]
    index = OperationIndex(routes)
    assert sum(len(v) for v in index.index().values()) == 8
    routes.extend(ROUTES[8:12])
    assert sum(len(v) for v in index.index().values()) == 12


def test_a_bug_in_an_operation_still_gets_starlettes_500(monkeypatch):
    """Skipping the exception layers must not turn a crash into a hang or a silent close."""
    app = create_app(Settings(clock="virtual"))

    def broken(call, mock):
        raise RuntimeError("planted bug")

    monkeypatch.setitem(handlers.HANDLERS, "get_template_list", broken)
    fresh = create_app(Settings(clock="virtual"))  # endpoints bind their handler when built
    with TestClient(fresh, raise_server_exceptions=False) as client:
        answer = client.get("/apigw/get_template_list/2/", headers=AUTH_HEADER)
    assert answer.status_code == 500
    assert answer.text == "Internal Server Error"
    with TestClient(fresh) as client, pytest.raises(RuntimeError, match="planted bug"):
        client.get("/apigw/get_template_list/2/", headers=AUTH_HEADER)
    with TestClient(app) as client:  # built before the patch: unaffected
        assert client.get("/apigw/get_template_list/2/", headers=AUTH_HEADER).status_code == 200


@pytest.mark.parametrize("path", sample_paths()[:40:7])
def test_behind_a_root_path_the_shortcut_still_agrees(path):
    mounted = {**scope("GET", "/under" + path), "root_path": "/under"}
    picked = ROUTER.pick(mounted)
    chosen = None
    for route in ROUTES:
        match, child = route.matches(mounted)
        if match is Match.FULL:
            chosen = route, child
            break
    if chosen is not None and operation_of(chosen[0]) is not None:
        assert picked == chosen
    else:
        assert picked is None


def test_a_path_seen_before_gets_the_same_match_and_its_own_parameters(monkeypatch):
    index = OperationIndex(ROUTES)
    path = "/apigw/get_task_status/7/2/"
    first = index.pick(scope("GET", path))
    assert first is not None
    first[1]["path_params"]["task_id"] = 99  # what one request does to its scope stays there
    again = index.pick(scope("GET", path))
    assert again == scan("GET", path)
    assert again is not None and again[1]["path_params"] == {"task_id": 7, "bk_biz_id": 2}
    assert index.pick(scope("POST", path)) is None  # another method, another entry
    monkeypatch.setattr("mockserver.fastroute.SEEN_PATHS", 3)
    for task_id in range(10):  # past the bound the memory starts over, answers unchanged
        other = f"/apigw/get_task_status/{task_id}/2/"
        assert index.pick(scope("GET", other)) == scan("GET", other)
    assert len(index._seen) <= 3


def layers_the_lane_skips(route: Route) -> list[str]:
    """What a route would run around its endpoint that the lane, calling the endpoint, skips.

    A route whose endpoint is a function gets Starlette's plain request/response wrapper; route
    middleware and `max_body_size` wrap that wrapper in ASGI objects.
    """
    plain = Route(route.path, route.endpoint, methods=list(route.methods or ()))
    app = route.app
    if inspect.isfunction(app) and app.__qualname__ == plain.app.__qualname__:
        return []
    return [type(app).__name__]


def test_the_layer_check_sees_route_middleware_and_a_body_limit():
    async def endpoint(request):
        raise AssertionError("not called")

    class Layer:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            await self.app(scope, receive, send)

    assert layers_the_lane_skips(Route("/x/", endpoint)) == []
    assert layers_the_lane_skips(Route("/x/", endpoint, middleware=[Middleware(Layer)])) == [
        "Layer"
    ]
    limited = Route("/x/", endpoint, max_body_size=10)
    assert layers_the_lane_skips(limited) == ["RequestBodyLimitMiddleware"]


def test_no_operation_route_has_a_layer_the_lane_would_skip():
    operation_routes = [r for r in ROUTES if isinstance(r, OperationRoute)]
    # Four families, less the gateway for what the gateway does not publish.
    assert len(operation_routes) == sum(4 if op.on_gateway else 3 for op in OPERATIONS)
    assert {
        r.name: layers_the_lane_skips(r) for r in operation_routes if layers_the_lane_skips(r)
    } == {}
    # Nor may the router wrap its routes: the lane goes around the router too.
    assert APP.router.middleware_stack == APP.router.app


def test_operation_routes_carry_their_operation_and_family():
    seen = {(r.operation.name, r.family) for r in ROUTES if isinstance(r, OperationRoute)}

    def families(op: Operation) -> set[str]:
        return {"backend", "esb"} | ({"gateway"} if op.on_gateway else set())

    assert seen == {(op.name, family) for op in OPERATIONS for family in families(op)}
    for route in ROUTES:
        if isinstance(route, OperationRoute):
            assert f"/{route.operation.name}/" in route.path
            assert route.endpoint.__name__ == route.operation.name


@pytest.mark.parametrize(
    ("template", "path", "params"),
    [
        ("/a/{x:int}/{y}/", "/a/12/b.c/", {"x": 12, "y": "b.c"}),
        ("/a/{x:int}/", "/a/-1/", None),
        ("/a/{x}/", "/a/b/c/", None),
        ("/a.b/", "/aXb/", None),  # literal text is literal
    ],
)
def test_the_lanes_own_patterns(template, path, params):
    regex, ints = lane_pattern(template)
    found = regex.match(path)
    if params is None:
        assert found is None
    else:
        assert found is not None
        assert {k: int(v) if k in ints else v for k, v in found.groupdict().items()} == params


@pytest.mark.parametrize("template", ["/a/{rest:path}", "/a/{x:float}/{y}/", "/a/{x}/{y:uuid}"])
def test_a_path_template_the_lane_cannot_read_is_refused(template):
    with pytest.raises(ValueError, match="cannot read"):
        lane_pattern(template)
