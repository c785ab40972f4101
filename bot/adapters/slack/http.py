"""Slack over HTTP: `POST /slack/events` (commands, events, interactivity) and `GET /healthz`.

Before bolt sees a request, the body size, the content type and the signature are checked here
(413/400/401), so a request that is not Slack's never reaches bolt's body parser or a handler.
A signed payload of the wrong shape is a 400 too (bot.adapters.slack.payloads.problem), before
bolt, which fails with a 500 on some. Bolt then checks the signature again (its own request
verification stays on).

Slash commands, button clicks and app mentions are acknowledged here, as soon as the request
is known to be Slack's and well formed; bolt then dispatches it in the background, where its
listener's `ack()` has nothing left to say (they all ack with an empty body) and the work
runs. Bolt's own way to an ack (its middleware, listener matching, then polling every 10 ms
for the listener's `ack()`) costs the event loop several times what the 200 itself does, and
under a burst of commands those costs queue up: bench.serve measured ack p99 0.3 s through
bolt, 0.08 s here, at 200 concurrent commands. Whatever answers with content goes through
bolt as before: a modal submission (its errors), url_verification, ssl_check, and anything
no listener of ours takes (bolt's 404).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message

from bot.adapters.slack.blocks import ACTION_PREFIX
from bot.adapters.slack.messenger import EMPTY_SECRET, SLASH_COMMAND, SlackMessenger
from bot.adapters.slack.payloads import get, problem

log = logging.getLogger(__name__)

FORM = "application/x-www-form-urlencoded"
# Requests in bolt's dispatch at once (each polls every 10 ms for its listener's ack): a burst
# of 200 then leaves the loop to the acknowledgements first (bench.serve: ack p99 85 -> 52 ms).
# The work after the ack is not limited by this.
DISPATCHING = 16
JSON = "application/json"


def http_app(messenger: SlackMessenger, *, max_body: int = 1_000_000) -> Starlette:
    """Slack's routes alone on an app of their own, with `GET /healthz` (bot.http serves them
    beside the other messengers')."""

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[*routes(messenger, max_body=max_body), Route("/healthz", healthz, methods=["GET"])]
    )


def routes(messenger: SlackMessenger, *, max_body: int = 1_000_000) -> list[Route]:
    """`POST /slack/events`: commands, events and interactivity."""
    if not messenger.signing_secret:
        raise ValueError(EMPTY_SECRET)
    handler = AsyncSlackRequestHandler(messenger.app)
    verifier = SignatureVerifier(messenger.signing_secret)
    dispatching: set[asyncio.Task[None]] = set()  # kept so that none is collected half-way
    gate = asyncio.Semaphore(DISPATCHING)

    async def dispatch(request: Request) -> None:
        try:
            async with gate:
                response = await handler.handle(request)
        except Exception:
            log.warning("slack: a signed request could not be handled", exc_info=True)
            return
        if response.status_code != 200:
            log.warning(
                "slack: bolt answered %s to a request acknowledged already", response.status_code
            )

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
        body = parsed(raw, ctype)
        wrong = "body" if body is None else problem(body)
        if wrong is not None:
            log.warning("slack: refused a signed but malformed request (%s)", wrong)
            return JSONResponse({"error": f"malformed request: {wrong}"}, status_code=400)
        if acked_here(body):
            task = asyncio.create_task(dispatch(Request(request.scope, _replay(raw))))
            dispatching.add(task)
            task.add_done_callback(dispatching.discard)
            return Response(status_code=200)
        try:
            return await handler.handle(Request(request.scope, _replay(raw)))
        except Exception:
            # A signed body bolt could not read after all (it parses before it dispatches).
            log.warning("slack: a signed request could not be handled", exc_info=True)
            return JSONResponse({"error": "malformed request"}, status_code=400)

    return [Route("/slack/events", events, methods=["POST"])]


def parsed(raw: bytes, ctype: str) -> Any:
    """A signed body read the way bolt reads it (its shape is then checked by
    bot.adapters.slack.payloads.problem); None when it cannot be read."""
    try:
        return parse_body(raw.decode("utf-8"), ctype)
    except (UnicodeDecodeError, ValueError):
        return None


def acked_here(body: Mapping[str, Any]) -> bool:
    """A request our listeners acknowledge with an empty 200 and nothing else: the `/ar`
    command, a click on one of our buttons, an app mention (bolt acks events itself)."""
    if body.get("command") == SLASH_COMMAND:
        return True
    if body.get("type") == "block_actions":
        actions = body.get("actions")
        return isinstance(actions, list) and any(
            str(get(a, "action_id") or "").startswith(ACTION_PREFIX) for a in actions
        )
    if body.get("type") == "event_callback":
        return get(body, "event", "type") == "app_mention"
    return False


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
