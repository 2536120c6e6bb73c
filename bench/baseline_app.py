"""The benchmark's baseline: a bare Starlette app that returns recorded bytes from memory.

It answers the same paths as the mock with the bytes the mock gave for them, so the difference
between the two is the cost of the mock's own work.
"""

from __future__ import annotations

import json
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def make_app(recorded: dict[str, str]) -> Starlette:
    def endpoint(body: bytes):
        async def answer(request: Request) -> Response:
            await request.body()
            return Response(body, media_type="application/json")

        return answer

    routes = []
    for key, text in recorded.items():
        method, path = key.split(" ", 1)
        routes.append(Route(path, endpoint(text.encode()), methods=[method]))
    return Starlette(routes=routes)


if __name__ == "__main__":
    recorded_file, port = sys.argv[1], int(sys.argv[2])
    with open(recorded_file, encoding="utf-8") as f:
        app = make_app(json.load(f))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
