"""Slack over HTTP: `POST /slack/events` (commands, events, interactivity) and `GET /healthz`.

Before bolt sees a request, the body size, the content type and the signature are checked here
(413/400/401), so a request that is not Slack's never reaches bolt's body parser or a handler.
Bolt then checks the signature again (its own request verification stays on), and the
messenger's early checks refuse a signed payload of the wrong shape with a 400.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message

from bot.adapters.slack import EMPTY_SECRET, SlackMessenger

log = logging.getLogger(__name__)

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def http_app(messenger: SlackMessenger, *, max_body: int = 1_000_000) -> Starlette:
    """`POST /slack/events` (commands, events, interactivity) and `GET /healthz`."""
    if not messenger.signing_secret:
        raise ValueError(EMPTY_SECRET)
    handler = AsyncSlackRequestHandler(messenger.app)
    verifier = SignatureVerifier(messenger.signing_secret)

    async def events(request: Request) -> Response:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype not in (FORM, JSON):
            return JSONResponse({"error": "unsupported content type"}, status_code=400)
        declared = request.headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                return JSONResponse({"error": "bad content length"}, status_code=400)
            if int(declared) > max_body:
                return JSONResponse({"error": "request body too large"}, status_code=413)
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > max_body:
                return JSONResponse({"error": "request body too large"}, status_code=413)
        raw = bytes(body)
        if not signed(verifier, raw, request.headers):
            return JSONResponse({"error": "invalid request"}, status_code=401)
        try:
            return await handler.handle(Request(request.scope, _replay(raw)))
        except Exception:
            # A signed body bolt could not read (it parses before it dispatches).
            log.exception("slack: a signed request could not be handled")
            return JSONResponse({"error": "malformed request"}, status_code=400)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def signed(verifier: SignatureVerifier, body: bytes, headers: Mapping[str, str]) -> bool:
    """Slack's v0 signature over the raw body, with a timestamp within 5 minutes."""
    timestamp = headers.get("x-slack-request-timestamp")
    signature = headers.get("x-slack-signature")
    if not timestamp or not signature or not timestamp.isdigit():
        return False
    try:
        return verifier.is_valid(
            body=body.decode("utf-8"), timestamp=timestamp, signature=signature
        )
    except (UnicodeDecodeError, ValueError):
        return False


def _replay(body: bytes) -> Callable[[], Awaitable[Message]]:
    """An ASGI receive that hands over a body already read (once), then a disconnect."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def serve_http(messenger: SlackMessenger, host: str, port: int) -> None:
    """Serve `http_app` with uvicorn until the process is told to stop."""
    config = uvicorn.Config(http_app(messenger), host=host, port=port, log_level="warning")
    await uvicorn.Server(config).serve()
