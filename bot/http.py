"""The one HTTP server: every running messenger's routes on one Starlette app, and /healthz.

Each plugin mounts its own paths (`/slack/events`, `/wecom/callback`, `/telegram/webhook`);
this module only puts them together and serves them with uvicorn in the bot's event loop.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.adapters.base import Messenger
from bot.telemetry import Telemetry


class _Counted:
    """Telemetry's counting and timing around every request (a Starlette middleware)."""

    def __init__(self, app: ASGIApp, telemetry: Telemetry) -> None:
        self._app = telemetry.middleware(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


def http_app(messengers: Iterable[Messenger], telemetry: Telemetry | None = None) -> Starlette:
    """The routes of every messenger, `GET /healthz` (which names the messengers) and, with
    telemetry, `GET /metrics`."""
    running = list(messengers)
    routes: list[BaseRoute] = []
    seen: dict[str, str] = {}
    for m in running:
        for route in m.routes():
            path = getattr(route, "path", "")
            if path in seen:
                raise ValueError(f"{m.name} and {seen[path]} both want {path}")
            seen[path] = m.name
            routes.append(route)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True, "messengers": [m.name for m in running]})

    routes.append(Route("/healthz", healthz, methods=["GET"]))
    middleware: list[Any] = []
    if telemetry is not None:
        routes.append(Route("/metrics", telemetry.endpoint, methods=["GET"]))
        middleware.append(Middleware(_Counted, telemetry=telemetry))
    return Starlette(routes=routes, middleware=middleware)


async def serve(app: Starlette, host: str, port: int) -> None:
    """Serve until the process is told to stop."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
    await uvicorn.Server(config).serve()
