"""DingTalk Stream mode: robot messages and card callbacks over DingTalk's WebSocket gateway,
without a public address.

Our own asyncio loop on `websockets`, with the SDK's frame classes and constants
(stream_frames). Not the SDK's DingTalkStreamClient because its `open_connection` posts with
blocking `requests` (it would stall the bot's event loop) to a class-level URL built from an
environment variable at import (no base URL per instance, so no fake in tests), and `start()`
loops forever swallowing every error, so wrong credentials would never surface as a stop.
Its handlers also run unbounded and log whole frames (message text) on unknown topics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from bot.adapters.dingtalk import stream_frames as wire

# A robot message's body (the same JSON the HTTP callback gets) → nothing (answers go through
# its sessionWebhook or the APIs).
OnMessage = Callable[[dict[str, Any]], Awaitable[None]]
# A card callback's data → the answer (e.g. the card's new data), None for none.
OnCard = Callable[[dict[str, Any]], Awaitable[dict[str, Any] | None]]

_T = TypeVar("_T")
log = logging.getLogger("arcircle.dingtalk.stream")
# websockets logs every frame's text at DEBUG; pinned to INFO so message text and the ticket in
# the URL never reach a log, whatever the root level.
_wire_log = logging.getLogger("arcircle.dingtalk.stream.wire")
_wire_log.setLevel(logging.INFO)

DEFAULTS: dict[str, float] = {
    "dingtalk.stream_reconnect": 1.0,  # first backoff (s); doubles per failure
    "dingtalk.stream_reconnect_max": 60.0,
    "dingtalk.stream_ping": 20.0,  # WebSocket ping interval (s); the SDK pings every 60 s
    "dingtalk.stream_ping_timeout": 20.0,
    "dingtalk.stream_open_timeout": 10.0,  # connections/open and the WebSocket handshake
    "dingtalk.stream_handler_timeout": 30.0,  # then the slot is freed and an error acked
    "dingtalk.stream_concurrency": 8,  # handlers running at once
    "dingtalk.stream_pending": 200,  # frames waiting for a handler before we answer "busy"
    "dingtalk.stream_close_grace": 5.0,  # close(): how long running handlers may finish
    "dingtalk.stream_stable": 30.0,  # a line up this long resets the backoff when it drops
}


def backoff(failures: int, base: float, cap: float, rand: float) -> float:
    """Seconds before attempt n+1: base * 2^(n-1) capped, times a jitter of 0.5..1 (`rand` in
    [0, 1)) so many bots cut off together do not return in step."""
    return min(base * 2 ** min(max(failures, 1) - 1, 16), cap) * (0.5 + rand / 2)


class StreamStopped(RuntimeError):
    """The connection ended for good (credentials refused): one line, no secret."""


class DingtalkStream:
    def __init__(
        self,
        *,
        base_url: str,
        app_key: str,
        app_secret: str,
        on_message: OnMessage,
        on_card: OnCard,
        client: httpx.AsyncClient,
        tuning: Mapping[str, float] | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._app_key = app_key
        self._app_secret = app_secret
        self._on_message = on_message
        self._on_card = on_card
        self._client = client
        self._tuning = {**DEFAULTS, **dict(tuning or {})}
        self._closing = asyncio.Event()
        self._ws: ClientConnection | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(int(self._t("dingtalk.stream_concurrency")))
        self.connects = 0  # WebSocket sessions opened so far (doctor and tests read it)

    def _t(self, key: str) -> float:
        return float(self._tuning[key])

    async def run(self) -> None:
        """Open the connection (gateway/connections/open), receive, acknowledge; reconnect when
        it drops; raise StreamStopped when no retry can help."""
        failures = 0
        try:
            while not self._closing.is_set():
                try:
                    opened = await self._unless_closed(self._open())
                    if opened is None:
                        break
                    endpoint, ticket = opened
                except wire.OpenRefused as exc:
                    log.error("dingtalk stream: connections/open refused (%s)", exc)
                    raise StreamStopped(
                        f"DingTalk refused the Stream connection ({exc}): check "
                        "DINGTALK_APP_KEY, DINGTALK_APP_SECRET and the app's Stream mode"
                    ) from None
                except wire.OpenFailed as exc:
                    failures += 1
                    log.warning("dingtalk stream: connections/open failed (%s), retrying", exc)
                    await self._pause(failures)
                    continue
                started = time.monotonic()
                outcome = await self._session(endpoint, ticket)
                lasted = time.monotonic() - started
                if outcome == "disconnect":
                    failures = 0  # DingTalk asked for a new line: come back soon
                elif outcome == "served" and lasted >= self._t("dingtalk.stream_stable"):
                    failures = 1
                else:
                    failures += 1  # a line that keeps dropping at once is not hammered
                if not self._closing.is_set():
                    await self._pause(max(failures, 1))
        finally:
            await self._drain()

    async def close(self) -> None:
        """End run(): no new connection or handler; running handlers get a short grace to ack
        on the current line, then it is closed."""
        self._closing.set()
        await self._wait_tasks()
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()

    # --- connection ---------------------------------------------------------------------

    async def _unless_closed(self, work: Awaitable[_T]) -> _T | None:
        """`work`'s result, or None when close() comes first (a hanging open must not hold
        the shutdown for its whole timeout)."""
        task = asyncio.ensure_future(work)
        closing = asyncio.ensure_future(self._closing.wait())
        try:
            await asyncio.wait({task, closing}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closing.cancel()
        if task.done():
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return None

    async def _open(self) -> tuple[str, str]:
        body = wire.open_body(self._app_key, self._app_secret)
        try:
            response = await self._client.post(
                self._base_url + wire.OPEN_PATH,
                json=body,
                headers={"Accept": "application/json"},
                timeout=self._t("dingtalk.stream_open_timeout"),
            )
        except httpx.HTTPError as exc:
            # The exception text may carry the URL only; the secret travels in the body.
            raise wire.OpenFailed(f"network: {type(exc).__name__}") from None
        try:
            answer: Any = response.json()
        except ValueError:
            answer = None
        return wire.parse_open_answer(response.status_code, answer)

    async def _session(self, endpoint: str, ticket: str) -> str:
        """One WebSocket session: "disconnect" (asked to reconnect), "served" (it ran and
        dropped), "failed" (never got going) or "closed" (close() was called)."""
        if self._closing.is_set():
            return "closed"
        url = wire.connect_url(endpoint, ticket)
        try:
            ws = await self._unless_closed(
                connect(
                    url,
                    max_size=wire.MAX_FRAME_BYTES,
                    ping_interval=self._t("dingtalk.stream_ping"),
                    ping_timeout=self._t("dingtalk.stream_ping_timeout"),
                    open_timeout=self._t("dingtalk.stream_open_timeout"),
                    logger=_wire_log,
                    user_agent_header="arcircle-dingtalk-stream",
                )
            )
        except InvalidStatus as exc:
            log.warning(
                "dingtalk stream: the gateway refused the WebSocket (HTTP %s), reopening",
                exc.response.status_code,
            )
            return "failed"
        except (OSError, InvalidHandshake, TimeoutError, ValueError) as exc:
            # The type only: some of these quote the URL, which carries the ticket.
            log.warning("dingtalk stream: WebSocket connect failed (%s)", type(exc).__name__)
            return "failed"
        if ws is None:
            return "closed"
        self._ws = ws
        self.connects += 1
        host = endpoint.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0]
        log.info("dingtalk stream: connected to %s", host)
        outcome = "served"
        try:
            if self._closing.is_set():
                return "closed"
            async for raw in ws:
                if await self._dispatch(ws, raw):
                    outcome = "disconnect"
                    # Running handlers ack on this line before we leave it (bounded by the
                    # close grace); the gateway only closes it after its "disconnect".
                    await self._wait_tasks()
                    break
        except Exception as exc:  # a bug here must not end the messenger: log, reconnect
            if not isinstance(exc, ConnectionClosed):
                log.error("dingtalk stream: the session failed (%s)", type(exc).__name__)
                outcome = "failed"
            elif not self._closing.is_set():
                code = exc.rcvd.code if exc.rcvd else None
                log.warning("dingtalk stream: the line dropped (close code %s)", code)
                outcome = "dropped"
        finally:
            self._ws = None
            with contextlib.suppress(Exception):
                await ws.close()
        if self._closing.is_set():
            return "closed"
        if outcome == "served":
            log.warning("dingtalk stream: the gateway closed the line, reconnecting")
        return "served" if outcome == "dropped" else outcome

    async def _pause(self, failures: int) -> None:
        delay = backoff(
            failures,
            self._t("dingtalk.stream_reconnect"),
            self._t("dingtalk.stream_reconnect_max"),
            random.random(),
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), timeout=delay)

    # --- frames -------------------------------------------------------------------------

    async def _dispatch(self, ws: ClientConnection, raw: str | bytes) -> bool:
        """Handle one frame; True when DingTalk asked us to reconnect."""
        try:
            frame = wire.parse_frame(raw)
        except wire.FrameError as exc:
            log.warning("dingtalk stream: skipped a malformed frame (%s)", exc)
            if exc.message_id is not None:
                await self._send(ws, wire.ack(exc.message_id, wire.BAD_REQUEST, str(exc), {}))
            return False
        if frame.kind == wire.SYSTEM:
            # SystemHandler.raw_process: every system frame is acked with its own data (a ping's
            # "opaque" comes back unchanged).
            await self._send(ws, wire.ack(frame.message_id, wire.OK, "OK", frame.data))
            if frame.topic == wire.DISCONNECT_TOPIC:
                log.info("dingtalk stream: the gateway asked for a new connection")
                return True
            if frame.topic != wire.PING_TOPIC:
                log.info("dingtalk stream: system topic %.64r ignored", frame.topic)
            return False
        if frame.kind == wire.CALLBACK and frame.topic in (wire.BOT_TOPIC, wire.CARD_TOPIC):
            if not isinstance(frame.data, dict):
                log.warning("dingtalk stream: a %s callback without an object body", frame.topic)
                await self._send(ws, wire.callback_ack(frame.message_id, None, wire.BAD_REQUEST))
                return False
            if self._closing.is_set():
                return False  # left unacked: shutting down, no handler starts now
            self._start(ws, frame)
            return False
        # Not subscribed to, so not expected: acked so DingTalk does not push it again.
        log.info("dingtalk stream: %s topic %.64r acked and ignored", frame.kind, frame.topic)
        if frame.kind == wire.EVENT:
            await self._send(ws, wire.event_ack(frame.message_id))
        else:
            await self._send(ws, wire.callback_ack(frame.message_id, None, wire.OK, "ignored"))
        return False

    def _start(self, ws: ClientConnection, frame: wire.Frame) -> None:
        if len(self._tasks) >= int(self._t("dingtalk.stream_pending")):
            log.warning("dingtalk stream: too many frames waiting, answered busy")
            task = asyncio.create_task(
                self._send(ws, wire.callback_ack(frame.message_id, None, wire.SYSTEM_ERROR, "busy"))
            )
        else:
            task = asyncio.create_task(self._handle(ws, frame))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, ws: ClientConnection, frame: wire.Frame) -> None:
        what = "robot message" if frame.topic == wire.BOT_TOPIC else "card callback"
        async with self._slots:
            try:
                async with asyncio.timeout(self._t("dingtalk.stream_handler_timeout")):
                    if frame.topic == wire.BOT_TOPIC:
                        await self._on_message(frame.data)
                        answer: Any = "OK"  # ChatbotHandler's answer in the SDK's examples
                    else:
                        answer = await self._on_card(frame.data)
                        answer = answer if answer is not None else {}
            except TimeoutError:
                log.error("dingtalk stream: the %s handler timed out", what)
                text = wire.callback_ack(frame.message_id, None, wire.SYSTEM_ERROR, "timeout")
            except Exception as exc:  # one bad handler must not end the stream
                # The type only: an exception's text may quote the message.
                log.error("dingtalk stream: the %s handler failed (%s)", what, type(exc).__name__)
                text = wire.callback_ack(frame.message_id, None, wire.SYSTEM_ERROR, "error")
            else:
                try:
                    text = wire.callback_ack(frame.message_id, answer)
                except (TypeError, ValueError):
                    log.error("dingtalk stream: the %s answer is not JSON", what)
                    text = wire.callback_ack(frame.message_id, None, wire.SYSTEM_ERROR, "error")
        await self._send(ws, text)

    async def _send(self, ws: ClientConnection, text: str) -> None:
        try:
            await ws.send(text)
        except ConnectionClosed:
            # The handler ran; a repeat push, if DingTalk sends one, is deduplicated by msgId.
            log.warning("dingtalk stream: an ack was lost with its connection")

    async def _wait_tasks(self) -> set[asyncio.Task[None]]:
        if not self._tasks:
            return set()
        _, pending = await asyncio.wait(
            set(self._tasks), timeout=self._t("dingtalk.stream_close_grace")
        )
        return pending

    async def _drain(self) -> None:
        pending = await self._wait_tasks()
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
