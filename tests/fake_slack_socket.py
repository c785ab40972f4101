"""The Socket Mode side of the fake Slack: a WebSocket server on the fake's own port.

`apps.connections.open` (answered by FakeSlack) hands out `ws://127.0.0.1:PORT/link/?ticket=N`;
a client that connects gets Slack's `hello`, then whatever the test sends:

    envelope = await fake.socket.send("slash_commands", {...payload...})
    ack = await fake.socket.ack(envelope)          # the client's {"envelope_id": ...} answer
    await fake.socket.disconnect("refresh_requested")   # Slack asks the client to reconnect

Envelopes are shaped as Slack sends them (envelope_id, type, payload,
accepts_response_payload, and retry_attempt/retry_reason for events).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from typing import Any

from aiohttp import WSMsgType, web


class SocketModeServer:
    def __init__(self) -> None:
        self.open: list[web.WebSocketResponse] = []
        self.connects = 0  # WebSocket sessions accepted so far
        self.received: list[dict[str, Any]] = []  # what clients sent (acks), in order
        self._tickets = itertools.count(1)

    def url(self, root: str) -> str:
        return f"{root.replace('http://', 'ws://')}/link/?ticket={next(self._tickets)}&app_id=A1"

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/link/", self._link)

    async def _link(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.connects += 1
        self.open.append(ws)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self.open),
                "debug_info": {
                    "host": "applink-fake",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": "A1"},
            }
        )
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    try:
                        data = json.loads(msg.data)
                    except ValueError:
                        data = {"_raw": msg.data}
                    self.received.append(data if isinstance(data, dict) else {"_json": data})
        finally:
            if ws in self.open:
                self.open.remove(ws)
        return ws

    # --- for tests ----------------------------------------------------------------------

    async def wait_connected(self, count: int = 1, timeout: float = 5.0) -> None:
        """Until `count` sessions were accepted and one is open."""
        deadline = time.monotonic() + timeout
        while self.connects < count or not self.open:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"fake slack: {self.connects} Socket Mode session(s)")
            await asyncio.sleep(0.01)

    async def send(
        self, kind: str, payload: dict[str, Any], *, retry_attempt: int | None = None
    ) -> str:
        """Send an envelope on the newest session; its envelope_id."""
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": kind,
            "accepts_response_payload": kind != "events_api",
        }
        if kind == "events_api":
            envelope["retry_attempt"] = retry_attempt or 0
            envelope["retry_reason"] = "timeout" if retry_attempt else ""
        await self.open[-1].send_str(json.dumps(envelope))
        return envelope_id

    async def ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The client's answer to an envelope."""
        deadline = time.monotonic() + timeout
        while True:
            for data in self.received:
                if data.get("envelope_id") == envelope_id:
                    return data
            if time.monotonic() >= deadline:
                raise TimeoutError(f"fake slack: no ack for envelope {envelope_id}")
            await asyncio.sleep(0.01)

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Slack's `disconnect` message on every open session (the client reconnects)."""
        for ws in list(self.open):
            await ws.send_json(
                {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}}
            )

    async def close_all(self) -> None:
        for ws in list(self.open):
            await ws.close()
