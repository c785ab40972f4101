"""The whole circle on DingTalk in Stream mode (`platforms.dingtalk.mode: stream`), against
the fake DingTalk API with the fake Stream gateway mounted on it (one base URL, as
api.dingtalk.com serves both).

The messenger is built from Services as `arcircle run` builds it (bot.app.start_messengers);
its `connection()` runs as a task against the gateway over real sockets on 127.0.0.1, with
tiny reconnect intervals. The clock is fake; the jobs are driven step by step, as in
tests/test_dingtalk_circle.py: scan → the circle card through the API → an answer by command
pushed as a robot message over the stream (acked, answered through the sessionWebhook) → the
card's button pushed as a card callback (acked, answered one to one) → escalation
@mentioning the silent leads by DingTalk userId after the window → a decision by command over
the stream → the same card updated in place. Then: a msgId pushed twice runs once, and what
is pushed while the stream reconnects after a drop runs once it is back.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.adapters.base import Services
from bot.adapters.dingtalk import cards
from bot.adapters.dingtalk.running import DingtalkRunning
from bot.app import Runtime, build_runtime, start_messengers
from bot.kernel.clock import FakeClock
from bot.kernel.config import load_config
from bot.kernel.identity import Identities
from jobs.circle import scan_overdue, tick
from tests.conftest import LEDGER_HEADER, run_import, write_csv
from tests.dingtalk_helpers import APP_KEY, APP_SECRET, CONFIG, GROUP, NOW, USERS, Spy, env_for
from tests.fake_dingtalk import FakeDingtalk
from tests.fake_dingtalk_stream import FakeDingtalkStream
from tests.outbox_helpers import case, deliver, outbox
from tests.test_slack_inbound import LEDGER

STREAM_CONFIG = CONFIG.replace("    mode: http\n", "    mode: stream\n")
# Real seconds on the sockets (the business clock stays fake): reconnect at once.
TUNING = {
    "dingtalk.stream_reconnect": 0.01,
    "dingtalk.stream_reconnect_max": 0.05,
    "dingtalk.stream_open_timeout": 2.0,
    "dingtalk.stream_handler_timeout": 3.0,
    "dingtalk.stream_close_grace": 0.5,
    "dingtalk.stream_ping": 5.0,
    "dingtalk.stream_ping_timeout": 5.0,
}


class FakeDingtalkWithGateway(FakeDingtalk):
    """FakeDingtalk's APIs and the Stream gateway's connections/open on one aiohttp app.
    FakeDingtalk builds and freezes its app inside __aenter__ (no hook to add routes), so its
    route table is repeated here rather than changing the shared fake."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.gateway = FakeDingtalkStream(client_id=self.app_key, client_secret=self.app_secret)

    async def __aenter__(self) -> FakeDingtalkWithGateway:
        app = web.Application()
        app.router.add_post("/v1.0/oauth2/accessToken", self._token)
        app.router.add_post("/v1.0/robot/groupMessages/send", self._group)
        app.router.add_post("/v1.0/robot/oToMessages/batchSend", self._direct)
        app.router.add_post("/v1.0/im/v1.0/robot/interactiveCards/send", self._card)
        app.router.add_put("/v1.0/im/robots/interactiveCards", self._update)
        app.router.add_post("/v1.0/robot/getBotListInGroup", self._bots)
        app.router.add_post("/session/{n}", self._session)
        app.router.add_post("/robot/send", self._robot)
        self.gateway.add_routes(app)
        await self.gateway.start_socket()
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(runner, sock).start()
        self._runner = runner
        self.root = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.gateway.stop_socket()
        await super().__aexit__(*exc)


@dataclass
class StreamRig:
    rt: Runtime
    ding: FakeDingtalkWithGateway
    messenger: DingtalkRunning
    spy: Spy
    clock: FakeClock
    connection: asyncio.Task[None]

    @property
    def gateway(self) -> FakeDingtalkStream:
        return self.ding.gateway

    def message(self, text: str, *, user: str, msg_id: str | None = None) -> dict[str, Any]:
        """A group message to the robot, its sessionWebhook valid on the fake clock."""
        self.ding.now_ms = int(self.clock.now().timestamp() * 1000)
        return self.ding.message(text, user=user, group=GROUP, msg_id=msg_id)

    async def say(self, body: dict[str, Any]) -> dict[str, Any]:
        """Pushed over the stream; the ack comes once the handler has run (its answer sent)."""
        ack = await self.gateway.ack(await self.gateway.push_message(body))
        assert ack["code"] == 200, ack
        return ack

    async def click(self, card_id: str, action_id: str, *, user: str) -> dict[str, Any]:
        body = self.ding.click(card_id, action_id, user=user)
        ack = await self.gateway.ack(await self.gateway.push_card(body))
        assert ack["code"] == 200, ack
        return ack


@asynccontextmanager
async def stream_rig(tmp_path: Path) -> AsyncIterator[StreamRig]:
    path = tmp_path / "config.yaml"
    path.write_text(STREAM_CONFIG, encoding="utf-8")
    cfg = load_config(path, env={})
    assert cfg.platforms.dingtalk.mode == "stream"
    clock = FakeClock(NOW)
    rt = build_runtime(cfg, clock, f"sqlite:///{tmp_path}/dingtalk.db", platforms=("dingtalk",))
    run_import(rt.db, write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, LEDGER))
    async with FakeDingtalkWithGateway(
        app_key=APP_KEY, app_secret=APP_SECRET, groups={GROUP}, users=set(USERS)
    ) as ding:
        ding.now_ms = int(clock.now().timestamp() * 1000)
        spy = Spy(rt.router)
        services = Services(
            router=spy,
            config=cfg,
            db=rt.db,
            clock=clock,
            env=env_for(ding),
            identities=Identities(cfg),
            tuning=TUNING,
        )
        # As `arcircle run`: every messenger that needs no public address, built and started.
        [messenger] = await start_messengers(cfg, "run", services)
        assert isinstance(messenger, DingtalkRunning) and not messenger.routes()
        running = messenger.connection()
        assert running is not None
        task = asyncio.create_task(running, name="dingtalk connection")
        try:
            await ding.gateway.wait_connected()
            yield StreamRig(rt, ding, messenger, spy, clock, task)
            assert not task.done(), "the connection ended on its own"
        finally:
            await messenger.stop()
            await asyncio.wait_for(task, 5)
            rt.db.dispose()


def shown(post: dict[str, Any]) -> str:
    """What a sessionWebhook answer shows (markdown or text)."""
    return str(post.get("markdown", {}).get("text") or post.get("text", {}).get("content"))


async def test_the_whole_circle_over_dingtalk_stream_mode(tmp_path: Path) -> None:
    async with stream_rig(tmp_path) as r:
        worker = outbox(r)
        today = r.clock.now().astimezone(r.rt.config.company.zone).date()

        # The scan opens a case; its card goes to the group through the API (not the stream).
        assert scan_overdue(r.rt.db, r.rt.circle, today=today, now=r.clock.now()).cases == (1,)
        await deliver(r, worker)
        [card_id] = r.ding.cards
        card = r.ding.cards[card_id]
        assert card.conversation == GROUP and card_id.startswith(cards.CIRCLE_PREFIX)
        assert "Case #1 ·" in r.ding.card_text(card_id)
        assert {a["userId"] for a in card.at} >= {"lina02", "manager4220"}

        # Finance answers by command, pushed as a robot message over the stream: acked 200
        # once it ran, the answer through the message's sessionWebhook, the case changed.
        body = r.message("@arcircle /ar input 1 finance Statement sent", user="lina02")
        ack = await r.say(body)
        assert ack["data"] == {"response": "OK"}
        assert r.spy.seen == ["/ar input 1 finance Statement sent"]
        assert [i.team for i in case(r).inputs] == ["finance"]
        [answer] = r.ding.session_posts
        assert "Finance" in shown(answer) or "finance" in shown(answer)
        assert r.ding.group_messages == []  # answered through the sessionWebhook only
        await deliver(r, worker)
        assert "Statement sent" in r.ding.card_text(card_id)  # updated in place
        assert r.ding.cards[card_id].updates == 1

        # The card's button (the only one a StandardCard can carry without typed input),
        # pushed as a card callback over the stream: acked, the clicker answered one to one.
        [phrase] = [b for b in r.ding.buttons(card_id) if cards.command_of(b["id"])]
        assert cards.command_of(phrase["id"]) == "/ar phrase 1"
        ack = await r.click(card_id, phrase["id"], user="manager4220")
        assert ack["data"] == {"response": {}}
        assert r.spy.seen[-1] == "/ar phrase 1"
        [direct] = r.ding.direct_messages
        assert direct["userIds"] == ["manager4220"]
        assert "Northwind" in str(direct["msgParam"])

        # Sales and legal do not answer: after the window their leads are @mentioned by
        # DingTalk userId (finance answered in time).
        r.clock.advance(timedelta(minutes=15))
        tick(r.rt.db, r.rt.circle, r.clock.now())
        await deliver(r, worker)
        escalations = [
            c
            for i, c in r.ding.cards.items()
            if i != card_id and c.at and "has not answered" in str(c.data)
        ]
        assert all(c.conversation == GROUP for c in escalations)
        assert sorted(a["userId"] for c in escalations for a in c.at) == [
            "manager4220",
            "zhaoyun03",
        ]

        # Legal decides in Chinese over the stream; the answer by sessionWebhook.
        await r.say(r.message("@arcircle 决定 1 lawyers_letter final notice", user="zhaoyun03"))
        assert "Lawyer" in shown(r.ding.session_posts[-1])
        assert case(r).decisions[-1].action == "lawyers_letter"
        assert case(r).decisions[-1].person == "zhao.yun"

        # The same card updated in place: never a second circle card.
        before = r.ding.cards[card_id].updates
        await deliver(r, worker)
        assert r.ding.cards[card_id].updates > before
        assert "final notice" in r.ding.card_text(card_id)
        assert [c for c in r.ding.cards if c.startswith(cards.CIRCLE_PREFIX)] == [card_id]
        assert r.gateway.connects == 1 and r.gateway.junk == []


async def test_a_msg_id_pushed_twice_runs_once(tmp_path: Path) -> None:
    async with stream_rig(tmp_path) as r:
        body = r.message("@arcircle /ar whoami", user="lina02", msg_id="msgTwice0001")
        first = await r.say(body)
        again = await r.say(dict(body))  # a new stream messageId, the same msgId
        assert first["headers"]["messageId"] != again["headers"]["messageId"]
        assert r.spy.seen == ["/ar whoami"]
        [answer] = r.ding.session_posts
        assert "李娜" in shown(answer)


async def test_a_message_pushed_while_the_stream_reconnects_runs_once_it_is_back(
    tmp_path: Path,
) -> None:
    async with stream_rig(tmp_path) as r:
        gateway = r.gateway
        ran = r.message("@arcircle /ar whoami", user="lina02", msg_id="msgBeforeDrop")
        await r.say(ran)

        # The line drops and the gateway refuses every open until told otherwise: the client
        # keeps trying. What is pushed meanwhile waits at DingTalk for the next connection
        # (the fake holds no queue: the test pushes it once the line is back), with the first
        # message again, as DingTalk re-pushes what it may not have seen acked.
        gateway.open_errors.extend([503] * 1000)
        await gateway.drop()
        async with asyncio.timeout(5):
            while gateway.open or len(gateway.opens) < 3:  # down, and two reopens refused
                await asyncio.sleep(0.005)
        late = r.message("@arcircle /ar overdue", user="lina02")
        assert gateway.connects == 1 and r.spy.seen == ["/ar whoami"]

        gateway.open_errors.clear()
        await gateway.wait_connected(2)
        acks = [await r.say(late), await r.say(dict(ran))]
        assert [a["code"] for a in acks] == [200, 200]
        assert r.spy.seen == ["/ar whoami", "/ar overdue"]
        # The late one answered at its sessionWebhook; the repeat of the first not again.
        assert len(r.ding.session_posts) == 2
        assert "Northwind" in shown(r.ding.session_posts[-1])
        assert r.gateway.connects == 2
