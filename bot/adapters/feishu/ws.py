"""Feishu's long connection (长连接, the WebSocket event client): events and card actions
without a public address.

Why our own loop rather than lark-oapi's `ws.Client`: the SDK binds a module-level event loop
at import and `start()` blocks forever in it (`loop.run_until_complete`), fetches the endpoint
with blocking `requests`, and logs the wss URL (its query holds the connection tokens). None of
that fits a coroutine inside the bot's running loop. The wire format is still the SDK's: its
pbbp2 `Frame` protobuf class, endpoint codes and ack encoding (see ws_frames.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

from bot.adapters.feishu import ws_frames as wf

log = logging.getLogger(__name__)

# The decoded event JSON (schema 2.0: im.message.receive_v1, card.action.trigger) → the
# answer for a card action (its response body), None for an event.
OnEvent = Callable[[dict[str, Any]], Awaitable[dict[str, Any] | None]]


class LongConnectionStopped(RuntimeError):
    """The connection ended for good (credentials refused, app disabled): one line, no secret."""


class FeishuLongConnection:
    def __init__(
        self,
        *,
        base_url: str,
        app_id: str,
        app_secret: str,
        on_event: OnEvent,
        client: httpx.AsyncClient,
        tuning: Mapping[str, float] | None = None,
        max_handlers: int = 8,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._app_id = app_id
        self._app_secret = app_secret
        self._on_event = on_event
        self._client = client
        self._tuning = dict(tuning or {})
        self._config = wf.ClientConfig()
        self._handlers = asyncio.Semaphore(max(1, max_handlers))
        # Beyond this many frames in flight we stop taking new ones: Feishu redelivers what
        # is not acknowledged, so shedding load is safe where an unbounded backlog is not.
        self._max_in_flight = max(1, max_handlers) * 8
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = asyncio.Event()
        self._ws: ClientConnection | None = None
        self._send_lock = asyncio.Lock()
        self._combiner = wf.Combiner()

    @property
    def config(self) -> wf.ClientConfig:
        """The ClientConfig last pushed by Feishu (endpoint answer or pong)."""
        return self._config

    async def run(self) -> None:
        """Connect, receive, acknowledge; reconnect when the line drops; raise
        LongConnectionStopped when no retry can help."""
        failures = 0
        try:
            while not self._closed.is_set():
                try:
                    endpoint = await self._endpoint()
                    self._config = endpoint.config
                    async with connect(
                        endpoint.url,
                        proxy=None,
                        max_size=wf.MAX_FRAME,
                        ping_interval=None,  # Feishu's own ping frames keep the line alive
                        open_timeout=self._tuning.get("feishu.ws_open_timeout", 10.0),
                    ) as ws:
                        failures = 0
                        log.info("feishu ws: connected to %s", endpoint.where)
                        await self._session(ws, endpoint.service_id)
                except wf.EndpointError as exc:
                    if exc.fatal:
                        raise LongConnectionStopped(
                            f"Feishu long connection: {exc} (check FEISHU_APP_ID, "
                            "FEISHU_APP_SECRET and that the app is enabled)"
                        ) from None
                    log.warning("feishu ws: %s", exc)
                except InvalidStatus as exc:
                    self._refused(exc)
                except (OSError, TimeoutError, httpx.HTTPError, WebSocketException) as exc:
                    # The exception text may quote the URL: name only its kind.
                    log.warning("feishu ws: line lost (%s)", type(exc).__name__)
                except Exception as exc:  # whatever else: retried with backoff, never a dead bot
                    log.error("feishu ws: unexpected %s, reconnecting", type(exc).__name__)
                if self._closed.is_set():
                    return
                failures += 1
                count = int(
                    self._tuning.get("feishu.ws_reconnect_count", self._config.ReconnectCount)
                )
                if 0 <= count < failures:
                    raise LongConnectionStopped(
                        f"Feishu long connection: no connection after {count} retries"
                    )
                await self._pause(failures)
        finally:
            await self._drain()

    async def close(self) -> None:
        self._closed.set()
        ws = self._ws
        if ws is not None:
            await ws.close()

    async def _endpoint(self) -> wf.Endpoint:
        response = await self._client.post(
            self._base_url + wf.ENDPOINT_PATH,
            json={"AppID": self._app_id, "AppSecret": self._app_secret},
            headers={"locale": "zh"},  # as the SDK sends it (client._get_conn_url)
            timeout=self._tuning.get("feishu.ws_open_timeout", 10.0),
        )
        return wf.parse_endpoint(response.status_code, response.content, self._config)

    def _refused(self, exc: InvalidStatus) -> None:
        """A refused handshake: fatal for 403 and for the connection limit, as in the SDK."""
        headers = exc.response.headers
        status = headers.get(wf.HANDSHAKE_STATUS, "")
        auth = headers.get(wf.HANDSHAKE_AUTH_ERRCODE, "")
        if status == str(wf.FORBIDDEN) or (
            status == str(wf.AUTH_FAILED) and auth == str(wf.EXCEED_CONN_LIMIT)
        ):
            raise LongConnectionStopped(
                f"Feishu long connection: handshake refused ({status[:10]})"
            ) from None
        log.warning("feishu ws: handshake refused (HTTP %s)", exc.response.status_code)

    async def _pause(self, failures: int) -> None:
        """The SDK's timing: a random part of ReconnectNonce first, then ReconnectInterval
        between tries; we add the jitter to every try so many bots do not retry in step."""
        interval = self._tuning.get("feishu.ws_reconnect", max(1.0, self._config.ReconnectInterval))
        nonce = self._tuning.get("feishu.ws_reconnect_nonce", self._config.ReconnectNonce)
        delay = (interval if failures > 1 else 0.0) + random.random() * nonce
        if "feishu.ws_reconnect" not in self._tuning:
            delay = max(1.0, delay)  # never hammer the endpoint, whatever the server pushed
        log.info("feishu ws: reconnecting in %.1f s (try %d)", delay, failures)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closed.wait(), timeout=delay)

    async def _session(self, ws: ClientConnection, service_id: int) -> None:
        self._ws = ws
        pinger = asyncio.create_task(self._ping_loop(ws, service_id))
        try:
            if self._closed.is_set():
                return
            async for raw in ws:
                if isinstance(raw, str):
                    log.warning("feishu ws: text frame skipped")
                    continue
                self._on_frame(ws, raw)
        except ConnectionClosed:
            pass
        finally:
            self._ws = None
            pinger.cancel()
        if not self._closed.is_set():
            log.warning("feishu ws: the server closed the line")

    async def _ping_loop(self, ws: ClientConnection, service_id: int) -> None:
        frame = wf.ping(service_id)
        while True:
            try:
                await self._send(ws, frame)
            except ConnectionClosed:
                return
            # A floor on the server's value: a pushed 0 must not turn pings into a flood.
            interval = self._tuning.get("feishu.ws_ping", max(5.0, self._config.PingInterval))
            await asyncio.sleep(max(0.01, interval))

    def _on_frame(self, ws: ClientConnection, raw: bytes) -> None:
        try:
            frame = wf.decode(raw)
            kind = wf.header(frame, "type")
            if frame.method == wf.CONTROL:
                if kind == wf.PONG and frame.payload:
                    self._config = self._config.merged(json.loads(frame.payload))
                return
            if frame.method != wf.DATA or kind not in (wf.EVENT, wf.CARD):
                log.info("feishu ws: frame of kind %.16r skipped", kind)
                return
            payload = self._whole(frame)
        except ValueError as exc:  # json.JSONDecodeError is a ValueError too
            log.warning("feishu ws: malformed frame skipped (%s)", exc)
            return
        except Exception as exc:  # e.g. RecursionError from absurdly nested JSON in a pong
            log.warning("feishu ws: malformed frame skipped (%s)", type(exc).__name__)
            return
        if payload is None:
            return
        if len(self._tasks) >= self._max_in_flight:
            log.warning("feishu ws: too many events in flight, one left for redelivery")
            return
        task = asyncio.create_task(self._handle(ws, frame, payload))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _whole(self, frame: Any) -> bytes | None:
        total = wf.header(frame, "sum") or "1"
        seq = wf.header(frame, "seq") or "0"
        if not (total.isdigit() and seq.isdigit()):
            raise ValueError("bad part numbering")
        payload = bytes(frame.payload)
        if int(total) > 1:
            return self._combiner.add(
                wf.header(frame, "message_id") or "", int(total), int(seq), payload
            )
        if len(payload) > wf.MAX_PAYLOAD:
            raise ValueError("payload too large")
        return payload

    async def _handle(self, ws: ClientConnection, frame: Any, payload: bytes) -> None:
        async with self._handlers:
            started = time.monotonic()
            code, answer = 200, None
            try:
                event = json.loads(payload)
                if not isinstance(event, dict):
                    raise ValueError("event is not an object")
                answer = await self._on_event(event)
            except Exception as exc:  # the ack must go out whatever the handler did
                code = 500
                log.error(
                    "feishu ws: event handling failed (%s, message %.64r)",
                    type(exc).__name__,
                    wf.header(frame, "message_id") or "?",
                )
            elapsed = int((time.monotonic() - started) * 1000)
            try:
                data = wf.ack(frame, code=code, answer=answer, biz_rt_ms=elapsed)
            except (TypeError, ValueError):
                log.error("feishu ws: the handler's answer is not JSON")
                data = wf.ack(frame, code=500, answer=None, biz_rt_ms=elapsed)
            try:
                await self._send(ws, data)
            except ConnectionClosed:
                log.warning("feishu ws: ack not sent, the line dropped (Feishu redelivers)")

    async def _send(self, ws: ClientConnection, data: bytes) -> None:
        async with self._send_lock:
            await ws.send(data)

    async def _drain(self) -> None:
        """Let running handlers finish their ack briefly, then cancel what is left."""
        if not self._tasks:
            return
        grace = self._tuning.get("feishu.ws_drain", 2.0)
        _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in pending:
            task.cancel()
