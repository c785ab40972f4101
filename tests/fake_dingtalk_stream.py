"""A fake DingTalk Stream gateway on 127.0.0.1: connections/open over HTTP and the WebSocket.

    async with FakeDingtalkStream() as fake:         # base_url for DingtalkStream(base_url=...)
        await fake.wait_connected()
        mid = await fake.push_message(body)          # a robot message (CALLBACK, bot topic)
        ack = await fake.ack(mid)                    # the client's ack, `data` decoded
        mid = await fake.push_card(data)             # an interactive card callback
        await fake.ping(); await fake.disconnect(); await fake.drop()

Shapes per the Stream protocol description (open.dingtalk.com "Stream 模式协议";
open-dingtalk.github.io/developerpedia/docs/learn/stream/protocol) and the official SDK
dingtalk-stream 0.24.3 (frames.py, stream.py): POST /v1.0/gateway/connections/open
{clientId, clientSecret, subscriptions, ua, localIp} → {endpoint, ticket}; the client connects to
`endpoint?ticket=...`; frames are {specVersion, type, headers{appId, connectionId, contentType,
messageId, time, topic}, data: "<JSON string>"}; acks are {code, headers{contentType, messageId},
message, data: "<JSON string>"}. Each ticket is good for one connection.

HTTP (aiohttp) and the WebSocket (`websockets`) listen on two free ports: the websockets server
cannot answer a POST.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import web
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

BOT_TOPIC = "/v1.0/im/bot/messages/get"
CARD_TOPIC = "/v1.0/card/instances/callback"
APP_ID = "fake-app-id"
# The fake's own server logs (frames, the ticket in the path) kept out of the records the tests
# search for leaks: only the client's lines are under test.
_quiet = logging.getLogger("tests.fake_dingtalk_stream")
_quiet.setLevel(logging.WARNING)


class FakeDingtalkStream:
    def __init__(self, *, client_id: str = "ding-app-key", client_secret: str = "ding-secret"):
        self.client_id = client_id
        self.client_secret = client_secret
        # Statuses the next connections/open calls answer instead of a ticket, in order.
        self.open_errors: list[int] = []
        self.open_delay = 0.0  # seconds each connections/open hangs before answering
        self.opens: list[dict[str, Any]] = []  # each open's body, clientSecret masked
        self.tickets: list[str] = []  # issued, in order
        self.connects = 0  # WebSocket sessions accepted
        self.refused = 0  # WebSocket handshakes refused (bad or used ticket)
        self.acks: list[dict[str, Any]] = []  # acks received, `data` decoded
        self.junk: list[str] = []  # non-JSON text the client sent
        self.open: list[ServerConnection] = []
        self._unused: set[str] = set()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._ws_server: Server | None = None
        self.base_url = ""
        self.ws_port = 0

    # --- lifecycle ----------------------------------------------------------------------

    async def __aenter__(self) -> FakeDingtalkStream:
        await self.start_socket()
        app = web.Application()
        self.add_routes(app)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop_socket()
        if self._runner is not None:
            await self._runner.cleanup()

    # To mount on another fake's aiohttp app (one base URL for the APIs and the gateway):
    #     stream = FakeDingtalkStream(...); stream.add_routes(app); await stream.start_socket()
    #     ... await stream.stop_socket()
    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1.0/gateway/connections/open", self._open)

    async def start_socket(self) -> None:
        self._ws_server = await serve(
            self._session, "127.0.0.1", 0, process_request=self._check_ticket, logger=_quiet
        )
        self.ws_port = self._ws_server.sockets[0].getsockname()[1]

    async def stop_socket(self) -> None:
        if self._ws_server is not None:
            self._ws_server.close()
            await self._ws_server.wait_closed()
            self._ws_server = None

    # --- HTTP: connections/open ---------------------------------------------------------

    async def _open(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except ValueError:
            return web.json_response({"code": "InvalidParameter", "message": "body"}, status=400)
        self.opens.append({**body, "clientSecret": "***"})
        if self.open_delay:
            await asyncio.sleep(self.open_delay)
        if self.open_errors:
            status = self.open_errors.pop(0)
            return web.json_response({"code": "ServiceUnavailable", "message": "x"}, status=status)
        if body.get("clientId") != self.client_id or body.get("clientSecret") != self.client_secret:
            return web.json_response(
                {"code": "InvalidAuthentication", "message": "clientId or clientSecret wrong"},
                status=401,
            )
        subs = body.get("subscriptions")
        if not isinstance(subs, list) or not subs:
            return web.json_response({"code": "InvalidParameter", "message": "subs"}, status=400)
        ticket = f"tk-{uuid.uuid4()}"
        self.tickets.append(ticket)
        self._unused.add(ticket)
        return web.json_response(
            {"endpoint": f"ws://127.0.0.1:{self.ws_port}/connect", "ticket": ticket}
        )

    # --- WebSocket ----------------------------------------------------------------------

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        ticket = parse_qs(url.query).get("ticket", [""])[0]
        if url.path != "/connect" or ticket not in self._unused:
            self.refused += 1
            return Response(401, "Unauthorized", Headers(), b"bad ticket")
        self._unused.discard(ticket)
        return None

    async def _session(self, ws: ServerConnection) -> None:
        self.connects += 1
        self.open.append(ws)
        try:
            async for raw in ws:
                text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
                try:
                    frame = json.loads(text)
                    frame["data"] = json.loads(frame["data"])
                except (ValueError, KeyError, TypeError):
                    self.junk.append(text)
                    continue
                self.acks.append(frame)
        except ConnectionClosed:
            pass  # a dropped line ends the session like a close
        finally:
            if ws in self.open:
                self.open.remove(ws)

    # --- for tests ----------------------------------------------------------------------

    def frame(self, kind: str, topic: str, data: Any) -> tuple[str, str]:
        """(messageId, frame text) shaped as the gateway pushes it."""
        message_id = f"msg-{next(self._ids)}-{uuid.uuid4().hex[:8]}"
        frame = {
            "specVersion": "1.0",
            "type": kind,
            "headers": {
                "appId": APP_ID,
                "connectionId": "conn-fake",
                "contentType": "application/json",
                "messageId": message_id,
                "time": str(int(time.time() * 1000)),
                "topic": topic,
            },
            "data": data if isinstance(data, str) else json.dumps(data, ensure_ascii=False),
        }
        return message_id, json.dumps(frame, ensure_ascii=False)

    async def send_raw(self, text: str) -> None:
        """Any text on the newest session (for malformed frames)."""
        await self.open[-1].send(text)

    async def push(self, kind: str, topic: str, data: Any) -> str:
        message_id, text = self.frame(kind, topic, data)
        await self.send_raw(text)
        return message_id

    async def push_message(self, body: dict[str, Any]) -> str:
        """A robot message, the body exactly as the HTTP callback carries it."""
        return await self.push("CALLBACK", BOT_TOPIC, body)

    async def push_card(self, data: dict[str, Any]) -> str:
        """An interactive card callback (CardCallbackMessage's fields)."""
        return await self.push("CALLBACK", CARD_TOPIC, data)

    async def ping(self, opaque: str | None = None) -> str:
        return await self.push("SYSTEM", "ping", {"opaque": opaque or uuid.uuid4().hex})

    async def disconnect(self) -> str:
        """DingTalk's "disconnect" system frame: the client should reconnect with a new ticket."""
        return await self.push("SYSTEM", "disconnect", {"reason": "server restarting"})

    async def drop(self) -> None:
        """Cut every session without a close frame (a network drop)."""
        for ws in list(self.open):
            ws.transport.abort()

    async def wait_connected(self, count: int = 1, timeout: float = 5.0) -> None:
        """Until `count` sessions were accepted and one is open."""
        deadline = time.monotonic() + timeout
        while self.connects < count or not self.open:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"fake dingtalk: {self.connects} stream session(s)")
            await asyncio.sleep(0.005)

    async def ack(self, message_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The client's ack for `message_id` (its `data` decoded from the JSON string)."""
        deadline = time.monotonic() + timeout
        while True:
            for frame in self.acks:
                headers = frame.get("headers")
                if isinstance(headers, dict) and headers.get("messageId") == message_id:
                    return frame
            if time.monotonic() >= deadline:
                raise TimeoutError(f"fake dingtalk: no ack for {message_id}")
            await asyncio.sleep(0.005)

    def acks_for(self, message_id: str) -> list[dict[str, Any]]:
        return [f for f in self.acks if f.get("headers", {}).get("messageId") == message_id]
