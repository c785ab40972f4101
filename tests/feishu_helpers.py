"""What the Feishu tests share: a config, a runtime with the ledger loaded, the messenger built
from Services (as `arcircle serve` does), its HTTP routes, and the fake Feishu."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bot import http
from bot.adapters.base import Services
from bot.adapters.feishu.running import FeishuRunning
from bot.app import Runtime, build_runtime
from bot.kernel.clock import FakeClock, ScaledClock
from bot.kernel.config import load_config
from bot.kernel.identity import Identities
from tests.conftest import LEDGER_HEADER, run_import, write_csv
from tests.fake_feishu import APP_ID, APP_SECRET, FakeFeishu
from tests.loopback import Spy
from tests.test_slack_inbound import LEDGER

# Made-up credentials (the documented vectors are in test_feishu_crypto.py).
ENCRYPT_KEY = "arcircle-feishu-encrypt-key-01"
TOKEN = "arcircleFeishuVerification01"
GROUP = "oc_circle01"
NOW = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)

CONFIG = """\
company: {name: Test Machinery, currency: CNY, timezone: Asia/Shanghai, locale: en}
people:
  wang.wei: {name: 王伟, team: sales, role: lead, feishu: wangwei01}
  tom.baker: {name: Tom Baker, team: sales, feishu: ou_tom0000000001}
  li.na: {name: 李娜, team: finance, role: lead, feishu: lina01}
  zhao.yun: {name: 赵云, team: legal, role: lead, feishu: zhaoyun01}
  liu.yang: {name: 刘洋, role: manager, feishu: liuyang01}
teams:
  sales: {name: Sales, lead: wang.wei, manager: liu.yang}
  finance: {name: Finance, lead: li.na, manager: liu.yang}
  legal: {name: Legal, lead: zhao.yun, manager: liu.yang}
circle:
  channels: {feishu: "oc_circle01"}
platforms:
  console: {enabled: false}
  feishu:
    enabled: true
    mode: http
    bot_names: [arcircle, 催收助手]
"""


@dataclass
class Rig:
    rt: Runtime
    feishu: FakeFeishu
    messenger: FeishuRunning
    web: httpx.AsyncClient
    spy: Spy
    clock: FakeClock

    async def post(self, event: dict[str, Any], **kw: Any) -> httpx.Response:
        body, headers = self.feishu.sealed(event, **kw)
        return await self.web.post("/feishu/events", content=body, headers=headers)

    async def say(
        self,
        text: str,
        *,
        user: str | None,
        open_id: str = "ou_someone",
        chat: str = GROUP,
        chat_type: str = "group",
        mention_bot: bool = True,
    ) -> list[Any]:
        """A message through the callback; what the bot sent back (after the answer ran)."""
        before = len(self.feishu.sent)
        event = self.feishu.message(
            text,
            user_id=user,
            open_id=open_id,
            chat=chat,
            chat_type=chat_type,
            mention_bot=mention_bot,
        )
        answer = await self.post(event)
        assert answer.status_code == 200, answer.text
        await self.drain()
        return self.feishu.sent[before:]

    async def click(
        self,
        value: dict[str, Any],
        *,
        user: str | None,
        message_id: str,
        form_value: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        event = self.feishu.click(value, user_id=user, message_id=message_id)
        if form_value is not None:
            event["event"]["action"]["form_value"] = form_value
        answer = await self.post(event)
        assert answer.status_code == 200, answer.text
        await self.drain()
        result: dict[str, Any] = answer.json()
        return result

    async def drain(self) -> None:
        assert self.messenger.inbound is not None
        await self.messenger.inbound.drain()


def env_for(feishu: FakeFeishu, **more: str) -> dict[str, str]:
    return {
        "FEISHU_APP_ID": APP_ID,
        "FEISHU_APP_SECRET": APP_SECRET,
        "FEISHU_VERIFICATION_TOKEN": TOKEN,
        "FEISHU_ENCRYPT_KEY": ENCRYPT_KEY,
        "FEISHU_API_URL": feishu.root,
        **more,
    }


@asynccontextmanager
async def rig(
    tmp_path: Path,
    *,
    config: str = CONFIG,
    env: Mapping[str, str] | None = None,
    tuning: Mapping[str, float] | None = None,
    encrypt: bool = True,
    start: bool = True,
    robot_secret: str | None = None,
    demo: tuple[float, datetime] | None = None,
) -> AsyncIterator[Rig]:
    """`robot_secret`: the fake serves a custom robot "circle" with it, and the environment
    names it in FEISHU_ROBOT_CIRCLE / FEISHU_ROBOT_SECRET. `demo` (speed, start): the plugin
    is given a demo's scaled business clock over the rig's wall clock (Rig.clock)."""
    path = tmp_path / "config.yaml"
    path.write_text(config, encoding="utf-8")
    cfg = load_config(path, env={})
    clock = FakeClock(NOW)
    rt = build_runtime(cfg, clock, f"sqlite:///{tmp_path}/feishu.db", platforms=("feishu",))
    run_import(rt.db, write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, LEDGER))
    async with FakeFeishu(
        encrypt_key=ENCRYPT_KEY if encrypt else "", token=TOKEN, chats={GROUP}
    ) as feishu:
        feishu.now = int(clock.now().timestamp())
        spy = Spy(rt.router)
        full_env = env_for(feishu, **(env or {}))
        if robot_secret is not None:
            feishu.robots["circle"] = robot_secret
            full_env["FEISHU_ROBOT_CIRCLE"] = f"{feishu.root}/robot/circle"
            full_env["FEISHU_ROBOT_SECRET"] = robot_secret
        if not encrypt:
            full_env["FEISHU_ENCRYPT_KEY"] = ""
        services = Services(
            router=spy,
            config=cfg,
            db=rt.db,
            clock=ScaledClock(demo[0], base=clock, start=demo[1]) if demo else clock,
            env=full_env,
            identities=Identities(cfg),
            tuning=tuning or {},
        )
        messenger = FeishuRunning(services)
        if start:
            await messenger.start()
        app = http.http_app([messenger])
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://feishu.test") as web:
            try:
                yield Rig(rt, feishu, messenger, web, spy, clock)
            finally:
                await messenger.stop()
                rt.db.dispose()
