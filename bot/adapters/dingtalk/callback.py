"""The app robot's HTTP callback: `POST /dingtalk/callback` on the shared server (mode http).

DingTalk signs each callback (docs 企业内部机器人接收消息, "校验签名"): headers `timestamp`
(ms) and `sign` = base64 HMAC-SHA256(appSecret, timestamp + "\\n" + appSecret). They are
checked (sign.check_callback, the one-hour window) BEFORE the body is read or parsed: a
missing or wrong sign and a stale timestamp get 403 and nothing runs. The body is bounded
(MAX_BODY, by Content-Length and while reading). A robot message goes to
Inbound.on_message, whose msgId dedup makes a replay a 200 that runs nothing; a body with an
`outTrackId` is an interactive card's callback (the card callback URL registered with the
app's secret as its api_secret, so it carries the same headers; our reading of 注册互动卡片
回调地址) and goes to Inbound.on_card. The answer is posted through the sessionWebhook or the
API, so the HTTP answer is an empty 200 once the command has run or `dingtalk.reply_wait`
seconds passed (the command then finishes in the background). Log lines name the reason,
never the secret, the sign or the text.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from bot.adapters.dingtalk.inbound import Inbound
from bot.adapters.dingtalk.sign import SignatureError, check_callback
from bot.kernel.clock import Clock

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024


class TooLarge(Exception):
    pass


class Callback:
    def __init__(
        self, inbound: Inbound, *, app_secret: str, clock: Clock, reply_wait: float = 3.0
    ) -> None:
        self._inbound = inbound
        self._secret = app_secret
        self._clock = clock
        self._wait = reply_wait
        self._later: set[asyncio.Task[object]] = set()

    async def endpoint(self, request: Request) -> Response:
        try:
            check_callback(request.headers, self._secret, self._clock.now())
        except SignatureError as exc:
            log.warning("dingtalk: callback refused (%s)", exc)
            return PlainTextResponse("refused", status_code=403)
        try:
            raw = await _read(request)
        except TooLarge:
            log.warning("dingtalk: callback refused (body too large)")
            return PlainTextResponse("too large", status_code=413)
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            log.warning("dingtalk: callback refused (body is not JSON)")
            return PlainTextResponse("not JSON", status_code=400)
        if not isinstance(body, dict):
            log.warning("dingtalk: callback refused (body is not an object)")
            return PlainTextResponse("not an object", status_code=400)
        if "outTrackId" in body:
            await self._within(self._inbound.on_card(body))
            return JSONResponse({})  # a card callback's answer: no change from here
        # An empty answer: a body here would be taken as a reply message (outgoing robots).
        await self._within(self._inbound.on_message(body))
        return Response(status_code=200)

    async def _within(self, work: Awaitable[object]) -> None:
        task: asyncio.Task[object] = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=self._wait)
        if not done:
            self._later.add(task)
            task.add_done_callback(self._later.discard)

    async def drain(self) -> None:
        while self._later:
            await asyncio.gather(*list(self._later), return_exceptions=True)


async def _read(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)
