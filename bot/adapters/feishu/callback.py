"""Feishu's HTTP event callback on the shared server: `POST /feishu/events`.

bot.adapters.feishu.crypto.open_request checks the request (X-Lark-Signature BEFORE anything
is decrypted when an Encrypt Key is set, then the verification token) and decodes it; the
url_verification challenge is answered here; every other event goes to Inbound.on_event,
whose return value (a card action's toast) is the response body.

Refused, and nothing runs: a wrong or missing signature (401), a wrong token (403), a body
over 512 KiB (413), a body that is not JSON or does not decrypt (400). A replayed event_id
gets an empty 200 (Inbound dedups). Log lines name the reason, never a key, token or body.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from bot.adapters.feishu.crypto import MAX_BODY_BYTES, FeishuCryptoError, open_request
from bot.adapters.feishu.inbound import Inbound

log = logging.getLogger(__name__)


def _status(reason: str) -> int:
    if reason.startswith("signature"):
        return 401
    if "token" in reason:
        return 403
    if "too large" in reason:
        return 413
    return 400


class Callback:
    def __init__(self, inbound: Inbound, *, encrypt_key: str, verification_token: str) -> None:
        self._inbound = inbound
        self._key = encrypt_key
        self._token = verification_token

    async def endpoint(self, request: Request) -> Response:
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_BODY_BYTES:
            return self._refuse("body too large")
        body = await request.body()
        try:
            event = open_request(
                body, request.headers, encrypt_key=self._key, verification_token=self._token
            )
        except FeishuCryptoError as exc:
            return self._refuse(str(exc))
        if event.get("type") == "url_verification":
            challenge = event.get("challenge")
            if not isinstance(challenge, str) or len(challenge) > 256:
                return self._refuse("url_verification without a challenge")
            return JSONResponse({"challenge": challenge})
        try:
            answer = await self._inbound.on_event(event)
        except Exception:
            # Feishu retries on a non-200; the event is already marked seen, so it would
            # only be dropped then. Logged here, a plain 200 back.
            log.exception("feishu: handling an event failed")
            answer = None
        return JSONResponse(answer or {})

    def _refuse(self, reason: str) -> Response:
        status = _status(reason)
        log.warning("feishu: callback refused (%s)", reason)
        return PlainTextResponse("refused", status_code=status)
