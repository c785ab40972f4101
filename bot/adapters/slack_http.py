"""Slack over HTTP: `POST /slack/events` (commands, events, interactivity) and `GET /healthz`.

Before bolt sees a request, the body size, the content type and the signature are checked here
(413/400/401), so a request that is not Slack's never reaches bolt's body parser or a handler.
A signed payload of the wrong shape is a 400 too (bot.adapters.slack_payloads.problem), before
bolt, which fails with a 500 on some. Bolt then checks the signature again (its own request
verification stays on).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message

from bot.adapters.slack import EMPTY_SECRET, SlackMessenger
from bot.adapters.slack_payloads import problem

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
        wrong = malformed(raw, ctype)
        if wrong is not None:
            log.warning("slack: refused a signed but malformed request (%s)", wrong)
            return JSONResponse({"error": f"malformed request: {wrong}"}, status_code=400)
        try:
            return await handler.handle(Request(request.scope, _replay(raw)))
        except Exception:
            # A signed body bolt could not read after all (it parses before it dispatches).
            log.warning("slack: a signed request could not be handled", exc_info=True)
            return JSONResponse({"error": "malformed request"}, status_code=400)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def malformed(raw: bytes, ctype: str) -> str | None:
    """What is wrong with a signed body's shape (bot.adapters.slack_payloads.problem), read
    the way bolt reads it; None when bolt may have it."""
    try:
        body = parse_body(raw.decode("utf-8"), ctype)
    except (UnicodeDecodeError, ValueError):
        return "body"
    return problem(body)


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
