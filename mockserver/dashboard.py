"""The dashboard: the page in mockserver/ui served under /__mock__/ui, and `/` pointing there.

The page is plain HTML, CSS and JavaScript shipped as package data: no CDN, no build step. It
reads and drives the mock through the same bk-sops API a client calls (and the control API for
the clock), so what it shows is what a client sees. Only `config.json` is the dashboard's own:
the fixture's projects (for a mock without get_user_project_list) and the auth mode.
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from .control.base import guarded, ok

PREFIX = "/__mock__/ui"
UI_DIR = Path(__file__).resolve().parent / "ui"
# One file name, no folders: nothing a request sends can name a file outside UI_DIR.
_ASSET_NAME = re.compile(r"^[a-z][a-z0-9_-]*\.(html|js|css)$")
_TYPES = {
    "html": "text/html; charset=utf-8",
    "js": "text/javascript; charset=utf-8",
    "css": "text/css; charset=utf-8",
}
# The page may load and call nothing but this server; an accidental CDN link fails loudly.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def _asset(name: str) -> Response:
    path = UI_DIR / name
    if not _ASSET_NAME.match(name) or not path.is_file():
        return Response(b"not found", status_code=404, media_type="text/plain")
    kind = name.rsplit(".", 1)[1]
    return Response(
        path.read_bytes(),
        media_type=_TYPES[kind],
        headers={
            "Cache-Control": "no-cache",
            "Content-Security-Policy": _CSP,
            "X-Content-Type-Options": "nosniff",
        },
    )


async def index(request: Request) -> Response:
    # The page's relative asset links need the trailing slash.
    if not request.url.path.endswith("/"):
        return RedirectResponse(PREFIX + "/", status_code=307)
    return _asset("index.html")


async def asset(request: Request) -> Response:
    return _asset(request.path_params["name"])


async def config(request: Request) -> Response:
    """What the page cannot learn from the bk-sops API of a mock with only the seven operations."""
    mock = guarded(request)
    with mock.lock:
        projects = [
            {"project_id": p.project_id, "bk_biz_id": p.bk_biz_id, "name": p.name}
            for p in mock.catalog.projects
        ]
        return ok(
            {
                "auth": mock.settings.auth,
                "fixture": mock.fixture_name,
                "seed": mock.seed,
                "projects": projects,
            }
        )


async def root(request: Request) -> Response:
    return RedirectResponse(PREFIX + "/", status_code=307)


async def task_page(request: Request) -> Response:
    """Where bk-sops's task_url leads (its task page): the dashboard's page of that task."""
    project_id = request.path_params["project_id"]
    instance = request.query_params.get("instance_id", "")
    page = f"#/p/{project_id}"
    if instance.isascii() and instance.isdigit():
        page += f"/task/{instance}"
    return RedirectResponse(f"{PREFIX}/{page}", status_code=302)


def dashboard_routes() -> list[BaseRoute]:
    """Routes of the dashboard; mounted with the control API and switched off with it."""
    return [
        Route("/", root, methods=["GET"], include_in_schema=False),
        Route(PREFIX, index, methods=["GET"], include_in_schema=False),
        Route(PREFIX + "/", index, methods=["GET"], include_in_schema=False),
        Route(PREFIX + "/config.json", config, methods=["GET"], include_in_schema=False),
        Route(PREFIX + "/{name}", asset, methods=["GET"], include_in_schema=False),
        Route(
            "/taskflow/execute/{project_id:int}/",
            task_page,
            methods=["GET"],
            include_in_schema=False,
        ),
    ]
