"""create_app: one Starlette app over one MockState; no module-level state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

import schemas

from . import control, dashboard, outbound, snapshot
from .door import Door
from .envelope import json_response
from .errors import api_not_found, store_unavailable
from .fastroute import OperationLane
from .journal import journal_unmatched
from .routes import operation_routes
from .settings import Settings
from .state import MockState
from .store import StoreError
from .store.attach import attach_store, closing_store


async def _openapi(request: Request) -> Response:
    state = request.app.state
    # Built at the first request, not in create_app: few apps are ever asked (5 ms each).
    if getattr(state, "openapi", None) is None:
        state.openapi = schemas.build_openapi()
    return json_response(state.openapi)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    mock: MockState = request.app.state.mock
    with mock.lock:
        trace_id = request.headers.get("traceparent") or mock.next_trace_id()
    if exc.status_code == 404:
        body = api_not_found(request.method, request.url.path).body()
        journal_unmatched(request, mock, 404, body, trace_id)
        return json_response(body, trace_id=trace_id, status=404)
    # Django's require_GET/require_POST answer 405 with an empty body and an Allow header.
    out = Response(b"", status_code=exc.status_code, headers=dict(exc.headers or {}))
    out.headers["Sops-Trace-Id"] = trace_id
    journal_unmatched(request, mock, exc.status_code, None, trace_id)
    return out


async def _store_error(request: Request, exc: Exception) -> Response:
    return store_unavailable(exc)


@asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    async with closing_store(app), outbound.ticking(app), snapshot.keep_state_file(app):
        yield


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    routes: list[BaseRoute] = [*operation_routes()]
    routes.append(Route("/openapi.json", _openapi, methods=["GET"], include_in_schema=False))
    if settings.control:
        routes.extend(control.control_routes())
        routes.extend(dashboard.dashboard_routes())
    app = Starlette(
        lifespan=_lifespan,
        routes=routes,
        exception_handlers={
            HTTPException: _http_error,
            control.ControlError: control.control_error,
            StoreError: _store_error,
        },
    )
    # Operation requests skip the exception layers and the scan (fastroute.py says why).
    app.add_middleware(OperationLane, router=app.router)
    if settings.cors_origin:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=[settings.cors_origin.rstrip("/")],
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Content-Type", "Authorization", "X-Bkapi-Authorization", "traceparent"],
            expose_headers=["Sops-Trace-Id"],
        )
    # Outermost of ours: Host and Origin are checked before routing and any body read.
    app.add_middleware(
        Door,
        host=settings.host,
        allowed_hosts=settings.allowed_hosts,
        cors_origin=settings.cors_origin,
    )
    app.state.settings = settings
    app.state.mock = mock = MockState(settings)
    fresh = attach_store(mock)
    if settings.state_file and fresh:  # with a store, the file seeds only an empty one
        snapshot.load_file(mock, settings.state_file)
    return app
