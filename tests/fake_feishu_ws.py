"""A fake of Feishu's long connection on 127.0.0.1: the endpoint and the WebSocket gateway.

    async with FakeFeishuWs() as fake:          # app_id "cli_fake", app_secret "fake-secret"
        conn = FeishuLongConnection(base_url=fake.base_url, app_id=fake.app_id, ...)
        await fake.connected()                 # the client is on the line
        mid = await fake.push_event({...})     # an event (or kind="card"; parts=3 splits it)
        ack = await fake.ack(mid)              # {"code": 200, "answer": {...} | None, ...}
        fake.acks                              # every ack so far, in order
        await fake.drop()                      # the server closes the line

Shaped like the real one (lark-oapi 1.7.5 lark_oapi/ws/client.py is the reference):
POST /callback/ws/endpoint with {"AppID", "AppSecret"} → {"code": 0, "data": {"URL":
"ws://…?device_id=…&service_id=…&access_key=…&ticket=…", "ClientConfig": {...}}}; the line
carries pbbp2 `Frame`s: data frames (method 1) with headers type/message_id/sum/seq/trace_id,
acks are the same frame sent back with a `biz_rt` header and a JSON Response payload whose
"data" is base64 of the answer's JSON; pings are control frames (method 0) answered by a pong
whose payload is the ClientConfig.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import socket
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import web
from lark_oapi.ws.pb.pbbp2_pb2 import Frame
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

SERVICE_ID = 7
TICKET = "fake-ticket-0f3e"  # stands for the tokens the real URL carries


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FakeFeishuWs:
    def __init__(self, *, app_id: str = "cli_fake", app_secret: str = "fake-secret") -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.endpoint_code = 0  # set non-zero to refuse (1 = busy, 10003 = bad app, ...)
        self.config: dict[str, Any] = {
            "ReconnectCount": -1,
            "ReconnectInterval": 120,
            "ReconnectNonce": 30,
            "PingInterval": 120,
        }
        self.pong_config: dict[str, Any] | None = None  # None: pong carries self.config
        # Headers of a refused WebSocket handshake, e.g. {"handshake-status": "403", ...}.
        self.refuse_handshake: dict[str, str] | None = None
        self.endpoint_calls: list[dict[str, Any]] = []
        self.acks: list[dict[str, Any]] = []
        self.pings = 0
        self.connects = 0
        self._conn: ServerConnection | None = None
        self._connected = asyncio.Condition()
        self._acked = asyncio.Condition()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._server: Server | None = None
        self.base_url = ""
        self._ws_port = 0

    async def __aenter__(self) -> FakeFeishuWs:
        app = web.Application()
        app.router.add_post("/callback/ws/endpoint", self._endpoint)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        port = _free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.base_url = f"http://127.0.0.1:{port}"
        self._server = await serve(self._line, "127.0.0.1", 0, process_request=self._gate)
        self._ws_port = next(iter(self._server.sockets)).getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- the endpoint -------------------------------------------------------------------

    async def _endpoint(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.endpoint_calls.append({"body": body, "headers": dict(request.headers)})
        if self.endpoint_code:
            return web.json_response({"code": self.endpoint_code, "msg": "refused"})
        if body.get("AppID") != self.app_id or body.get("AppSecret") != self.app_secret:
            # Feishu's answer to a wrong app id/secret is a non-zero code (ClientException).
            return web.json_response({"code": 10003, "msg": "invalid app_id or app_secret"})
        url = (
            f"ws://127.0.0.1:{self._ws_port}/ws?device_id=dev{len(self.endpoint_calls)}"
            f"&service_id={SERVICE_ID}&access_key=k&ticket={TICKET}"
        )
        return web.json_response({"code": 0, "data": {"URL": url, "ClientConfig": self.config}})

    # --- the line -----------------------------------------------------------------------

    def _gate(self, conn: ServerConnection, request: Request) -> Response | None:
        if self.refuse_handshake is None:
            return None
        response = conn.respond(HTTPStatus.FORBIDDEN, "refused\n")
        for key, value in self.refuse_handshake.items():
            response.headers[key] = value
        return response

    async def _line(self, conn: ServerConnection) -> None:
        query = parse_qs(urlsplit(conn.request.path if conn.request else "").query)
        if query.get("ticket") != [TICKET]:
            await conn.close(1008, "bad ticket")
            return
        self._conn = conn
        async with self._connected:
            self.connects += 1
            self._connected.notify_all()
        try:
            async for raw in conn:
                if isinstance(raw, bytes):
                    await self._received(conn, raw)
        except ConnectionClosed:
            pass
        finally:
            if self._conn is conn:
                self._conn = None

    async def _received(self, conn: ServerConnection, raw: bytes) -> None:
        frame = Frame()
        frame.ParseFromString(raw)
        headers = {h.key: h.value for h in frame.headers}
        if frame.method == 0 and headers.get("type") == "ping":
            self.pings += 1
            pong = Frame(SeqID=0, LogID=0, service=frame.service, method=0)
            pong.headers.add(key="type", value="pong")
            config = self.pong_config if self.pong_config is not None else self.config
            pong.payload = json.dumps(config).encode()
            await conn.send(pong.SerializeToString())
            return
        response = json.loads(frame.payload)
        data = response.get("data")
        ack = {
            "message_id": headers.get("message_id"),
            "code": response.get("code"),
            "answer": json.loads(base64.b64decode(data)) if data else None,
            "biz_rt": headers.get("biz_rt"),
            "type": headers.get("type"),
        }
        async with self._acked:
            self.acks.append(ack)
            self._acked.notify_all()

    # --- what tests call ----------------------------------------------------------------

    async def connected(self, count: int = 1, timeout: float = 1.5) -> None:
        """Wait until `count` WebSocket sessions have been accepted in all."""
        async with self._connected:
            await asyncio.wait_for(
                self._connected.wait_for(lambda: self.connects >= count and self._conn is not None),
                timeout,
            )

    async def push_event(
        self, event: dict[str, Any], *, kind: str = "event", parts: int = 1
    ) -> str:
        """Send an event (kind "event") or card callback ("card"), split into `parts` frames."""
        message_id = f"msg_{next(self._ids)}"
        payload = json.dumps(event, ensure_ascii=False).encode()
        size = -(-len(payload) // parts)
        chunks = [payload[i * size : (i + 1) * size] for i in range(parts)]
        for seq, chunk in enumerate(chunks):
            await self.send_raw(self.data_frame(message_id, kind, chunk, total=parts, seq=seq))
        return message_id

    @staticmethod
    def data_frame(
        message_id: str, kind: str, payload: bytes, *, total: int = 1, seq: int = 0
    ) -> bytes:
        frame = Frame(SeqID=seq, LogID=1, service=SERVICE_ID, method=1, payload=payload)
        for key, value in (
            ("type", kind),
            ("message_id", message_id),
            ("sum", str(total)),
            ("seq", str(seq)),
            ("trace_id", "trace-" + message_id),
        ):
            frame.headers.add(key=key, value=value)
        return bytes(frame.SerializeToString())

    async def send_raw(self, data: bytes) -> None:
        await self.connected()
        assert self._conn is not None
        await self._conn.send(data)

    async def ack(self, message_id: str, timeout: float = 1.5) -> dict[str, Any]:
        """The client's acknowledgement of this message."""

        def found() -> dict[str, Any] | None:
            return next((a for a in self.acks if a["message_id"] == message_id), None)

        async with self._acked:
            await asyncio.wait_for(self._acked.wait_for(lambda: found() is not None), timeout)
        ack = found()
        assert ack is not None
        return ack

    async def drop(self) -> None:
        """The server ends the line as a gateway restart would."""
        conn = self._conn
        if conn is not None:
            self._conn = None
            await conn.close(1001, "going away")
