"""The whole circle on Feishu over the long connection (`platforms.feishu.mode: websocket`),
against the fake Feishu API (tests/fake_feishu.py) and the fake long-connection gateway
(tests/fake_feishu_ws.py) behind one base URL, as open.feishu.cn serves both.

The messenger is built from Services as `arcircle run` builds it (bot.app.start_messengers);
its `connection()` runs as a task against the gateway over real sockets on 127.0.0.1 with
tiny reconnect intervals. The clock is fake; the jobs are driven step by step, as in
tests/test_feishu_circle.py: scan → the circle card through the API → an answer by command
pushed as im.message.receive_v1 over the line (acked 200, the answer a reply to the message
through the API) → a card button pushed as card.action.trigger (acked with the toast in the
ack's data) → the silent leads @mentioned by Feishu user_id after the window → a decision by
command over the line → the same card edited in place (PATCH). Then: an event_id pushed
twice runs once, and an event pushed after the server dropped the line runs once it is back.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.adapters.base import Services
from bot.adapters.feishu.running import FeishuRunning
from bot.app import Runtime, build_runtime, start_messengers
from bot.kernel.clock import FakeClock
from bot.kernel.config import load_config
from bot.kernel.identity import Identities
from jobs.circle import scan_overdue, tick
from tests.conftest import LEDGER_HEADER, run_import, write_csv
from tests.fake_feishu import APP_ID, APP_SECRET, FakeFeishu, Sent
from tests.fake_feishu_ws import TICKET, FakeFeishuWs
from tests.feishu_helpers import CONFIG, GROUP, NOW, Spy
from tests.outbox_helpers import case, deliver, outbox
from tests.test_slack_inbound import LEDGER

WS_CONFIG = CONFIG.replace("    mode: http\n", "    mode: websocket\n")
# The long connection's endpoint path (lark-oapi 1.7.5 ws/const.py GEN_ENDPOINT_URI), written
# here rather than imported from the plugin so a wrong path in the plugin fails this test.
ENDPOINT = "/callback/ws/endpoint"
# Real seconds on the sockets (the business clock stays fake): reconnect at once.
TUNING = {
    "feishu.ws_reconnect": 0.02,
    "feishu.ws_reconnect_nonce": 0.01,
    "feishu.ws_open_timeout": 2.0,
    "feishu.ws_drain": 0.5,
    "feishu.card_wait": 2.0,
}
# Headers that belong to one hop, not to the request the front door passes on.
HOP = {"host", "content-length", "transfer-encoding", "connection", "accept-encoding"}
KEPT = {"content-type", "x-ogw-ratelimit-reset"}


class FrontDoor:
    """One base URL (FEISHU_API_URL) for both fakes: the endpoint call to the gateway's fake,
    everything else to the API's fake. Neither fake has a hook to add a route to its frozen
    aiohttp app, so a small reverse proxy on 127.0.0.1 joins them without editing either."""

    def __init__(self, api: str, gateway: str) -> None:
        self._api = api
        self._gateway = gateway
        self.paths: list[str] = []
        self.root = ""
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> FrontDoor:
        self._session = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(runner, sock).start()
        self._runner = runner
        self.root = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        self.paths.append(request.path)
        upstream = self._gateway if request.path == ENDPOINT else self._api
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP}
        async with self._session.request(
            request.method, upstream + request.path_qs, headers=headers, data=await request.read()
        ) as answer:
            body = await answer.read()
            kept = {k: v for k, v in answer.headers.items() if k.lower() in KEPT}
            return web.Response(status=answer.status, body=body, headers=kept)


@dataclass
class WsRig:
    rt: Runtime
    feishu: FakeFeishu
    gateway: FakeFeishuWs
    door: FrontDoor
    messenger: FeishuRunning
    spy: Spy
    clock: FakeClock
    connection: asyncio.Task[None]

    def message(
        self,
        text: str,
        *,
        user: str | None,
        open_id: str = "ou_someone",
        event_id: str | None = None,
    ) -> dict[str, Any]:
        """An @mention of the bot in the circle group, created now on the fake clock."""
        self.feishu.now = int(self.clock.now().timestamp())
        return self.feishu.message(text, user_id=user, open_id=open_id, event_id=event_id)

    async def push(
        self, event: dict[str, Any], *, kind: str = "event", parts: int = 1
    ) -> tuple[dict[str, Any], list[Sent]]:
        """Pushed over the line: its ack, and what the bot sent through the API for it (the
        ack of a message comes before its answer, which runs in the background)."""
        before = len(self.feishu.sent)
        ack = await self.gateway.ack(await self.gateway.push_event(event, kind=kind, parts=parts))
        assert ack["code"] == 200, ack
        assert self.messenger.inbound is not None
        await self.messenger.inbound.drain()
        return ack, self.feishu.sent[before:]

    def click(self, value: dict[str, Any], *, user: str, message_id: str) -> dict[str, Any]:
        """card.action.trigger for a button, created now on the fake clock."""
        self.feishu.now = int(self.clock.now().timestamp())
        return self.feishu.click(value, user_id=user, message_id=message_id)


@asynccontextmanager
async def ws_rig(tmp_path: Path) -> AsyncIterator[WsRig]:
    path = tmp_path / "config.yaml"
    path.write_text(WS_CONFIG, encoding="utf-8")
    cfg = load_config(path, env={})
    assert cfg.platforms.feishu.mode == "websocket"
    clock = FakeClock(NOW)
    rt = build_runtime(cfg, clock, f"sqlite:///{tmp_path}/feishu.db", platforms=("feishu",))
    run_import(rt.db, write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, LEDGER))
    async with (
        FakeFeishu(chats={GROUP}) as feishu,
        FakeFeishuWs(app_id=APP_ID, app_secret=APP_SECRET) as gateway,
        FrontDoor(feishu.root, gateway.base_url) as door,
    ):
        feishu.now = int(clock.now().timestamp())
        spy = Spy(rt.router)
        # What an admin sets for the long connection: no verification token, no Encrypt Key
        # (events on the line are neither signed nor encrypted), no public address.
        env = {
            "FEISHU_APP_ID": APP_ID,
            "FEISHU_APP_SECRET": APP_SECRET,
            "FEISHU_API_URL": door.root,
        }
        services = Services(
            router=spy,
            config=cfg,
            db=rt.db,
            clock=clock,
            env=env,
            identities=Identities(cfg),
            tuning=TUNING,
        )
        # As `arcircle run`: every messenger that needs no public address, built and started.
        [messenger] = await start_messengers(cfg, "run", services)
        assert isinstance(messenger, FeishuRunning) and not messenger.routes()
        running = messenger.connection()
        assert running is not None
        task = asyncio.create_task(running, name="feishu connection")
        try:
            await gateway.connected()
            yield WsRig(rt, feishu, gateway, door, messenger, spy, clock, task)
            assert not task.done(), "the connection ended on its own"
        finally:
            await messenger.stop()
            await asyncio.wait_for(task, 2)
            rt.db.dispose()


def shown(sent: list[Sent]) -> str:
    return json.dumps([s.content for s in sent], ensure_ascii=False)


async def test_the_whole_circle_over_the_feishu_long_connection(tmp_path: Path) -> None:
    async with ws_rig(tmp_path) as r:
        worker = outbox(r)
        today = r.clock.now().astimezone(r.rt.config.company.zone).date()
        # The line was opened through FEISHU_API_URL, with the app's credentials.
        assert ENDPOINT in r.door.paths
        assert r.gateway.endpoint_calls[0]["body"] == {"AppID": APP_ID, "AppSecret": APP_SECRET}

        # The scan opens a case; its card goes to the group through the API (not the line).
        assert scan_overdue(r.rt.db, r.rt.circle, today=today, now=r.clock.now()).cases == (1,)
        await deliver(r, worker)
        [card] = [s for s in r.feishu.cards() if s.receive_id == GROUP]
        assert card.msg_type == "interactive" and card.reply_to is None
        assert "Case #1" in card.content["header"]["title"]["content"]
        assert "Northwind Trading" in card.card_text()
        assert "<at id=lina01></at>" in card.card_text()
        buttons = [
            a["value"]
            for e in card.content["elements"]
            if e["tag"] == "action"
            for a in e["actions"]
        ]
        assert {"ar": "/ar phrase 1"} in buttons

        # Finance answers by command over the line, in two frames: acked 200 with no data,
        # the answer a reply to that message through the API, the card edited in place.
        said = r.message("@_user_1 /ar input 1 finance Statement sent", user="lina01")
        ack, sent = await r.push(said, parts=2)
        assert ack["type"] == "event" and ack["answer"] is None
        assert r.spy.seen == ["/ar input 1 finance Statement sent"]
        assert [i.team for i in case(r).inputs] == ["finance"]
        assert sent and all(s.reply_to == said["event"]["message"]["message_id"] for s in sent)
        await deliver(r, worker)
        assert [p[0] for p in r.feishu.patches] == [card.message_id]
        assert "Statement sent" in json.dumps(r.feishu.patches[-1][1], ensure_ascii=False)

        # A button of the card, pushed as card.action.trigger: its command runs and the
        # toast rides back in the ack's data; the long answer follows in the card's thread.
        # It comes in an "event" frame: lark-oapi 1.7.5 ws/client.py hands only
        # MessageType.EVENT frames to its dispatcher, which maps p2.card.action.trigger.
        before = len(r.feishu.sent)
        clicked = r.click({"ar": "/ar phrase 1"}, user="lina01", message_id=card.message_id)
        ack, _ = await r.push(clicked)
        assert ack["answer"] == {"toast": {"type": "info", "content": "Done."}}
        assert r.spy.seen[-1] == "/ar phrase 1"
        [phrased] = r.feishu.sent[before:]
        assert phrased.reply_to == card.message_id
        assert "Northwind" in phrased.card_text()

        # Sales and legal stay silent: after the window their leads are @mentioned by Feishu
        # user_id (finance answered in time and is not).
        r.clock.advance(timedelta(minutes=15))
        tick(r.rt.db, r.rt.circle, r.clock.now())
        await deliver(r, worker)
        escalations = [s.text for s in r.feishu.texts() if "has not answered in time" in s.text]
        assert any('<at user_id="wangwei01"></at>' in e for e in escalations)
        assert any('<at user_id="zhaoyun01"></at>' in e for e in escalations)
        assert not any('<at user_id="lina01"></at>' in e for e in escalations)

        # Legal decides in Chinese over the line; the answer a reply to that message.
        decided = r.message("@_user_1 决定 1 lawyers_letter final notice", user="zhaoyun01")
        _, sent = await r.push(decided)
        assert sent and sent[0].reply_to == decided["event"]["message"]["message_id"]
        assert "Lawyer" in shown(sent)
        assert case(r).decisions[-1].action == "lawyers_letter"
        assert case(r).decisions[-1].person == "zhao.yun"

        # The same card edited in place (PATCH): never a second circle card.
        patches = len(r.feishu.patches)
        await deliver(r, worker)
        assert len(r.feishu.patches) > patches
        target, latest = r.feishu.patches[-1]
        assert target == card.message_id
        assert "final notice" in json.dumps(latest, ensure_ascii=False)
        assert [s for s in r.feishu.cards() if s.reply_to is None and s.receive_id == GROUP] == [
            card
        ]
        assert r.gateway.connects == 1
        assert [a["code"] for a in r.gateway.acks] == [200, 200, 200]


async def test_an_event_id_pushed_twice_runs_once(tmp_path: Path) -> None:
    async with ws_rig(tmp_path) as r:
        said = r.message("@_user_1 /ar whoami", user="lina01", event_id="ev-twice-0001")
        first, answered = await r.push(said)
        again, repeated = await r.push(json.loads(json.dumps(said)))  # Feishu's redelivery
        assert (first["code"], again["code"]) == (200, 200)
        assert first["message_id"] != again["message_id"]  # two frames, one event
        assert r.spy.seen == ["/ar whoami"]
        assert len(answered) == 1 and "李娜" in shown(answered)
        assert repeated == []

        # A button click redelivered, once as an event frame and once as a legacy "card"
        # frame: its command runs once, only the first ack carries the toast.
        click = r.click({"ar": "/ar phrase 1"}, user="lina01", message_id="om_some_card")
        first, _ = await r.push(click)
        again, _ = await r.push(json.loads(json.dumps(click)), kind="card")
        assert first["answer"]["toast"]["content"]
        assert again["answer"] is None
        assert r.spy.seen == ["/ar whoami", "/ar phrase 1"]


async def test_an_event_pushed_after_the_line_dropped_runs_once_it_is_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.adapters.feishu")
    async with ws_rig(tmp_path) as r:
        before = r.message("@_user_1 /ar whoami", user="lina01", event_id="ev-before-drop")
        await r.push(before)

        # The gateway restarts: the client fetches a fresh URL and is back on a new line.
        await r.gateway.drop()
        await r.gateway.connected(count=2)
        assert len(r.gateway.endpoint_calls) == 2
        assert r.door.paths.count(ENDPOINT) == 2

        # Tom is known by his open_id only (config names him so).
        late = r.message(
            "@_user_1 /ar whoami", user=None, open_id="ou_tom0000000001", event_id="ev-after-drop"
        )
        _, answered = await r.push(late)
        # The event acked before the drop, pushed again on the new line, still ran once.
        _, repeated = await r.push(json.loads(json.dumps(before)))
        assert r.spy.seen == ["/ar whoami", "/ar whoami"]
        assert len(answered) == 1 and "Tom Baker" in shown(answered)
        assert repeated == []
        assert not r.connection.done()
    # The reconnect was logged without the line's tokens or the app's secret.
    assert "reconnecting" in caplog.text
    assert TICKET not in caplog.text and APP_SECRET not in caplog.text
