"""The one HTTP server: every running messenger's routes on one Starlette app, and /healthz.

Each plugin mounts its own paths (`/slack/events`, `/wecom/callback`, `/telegram/webhook`);
this module only puts them together and serves them with uvicorn in the bot's event loop.
"""

from __future__ import annotations

from collections.abc import Iterable

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.adapters.base import Messenger


def http_app(messengers: Iterable[Messenger]) -> Starlette:
    """The routes of every messenger, and `GET /healthz` (which names the messengers)."""
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
    return Starlette(routes=routes)


async def serve(app: Starlette, host: str, port: int) -> None:
    """Serve until the process is told to stop."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
    await uvicorn.Server(config).serve()
