"""What the WeCom tests share: a config, a runtime with the ledger loaded, the messenger built
directly from Services (as `arcircle serve` does), and an HTTP client on its routes."""

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
from bot.adapters.wecom.running import WecomRunning
from bot.app import Runtime, build_runtime
from bot.kernel.clock import FakeClock
from bot.kernel.config import load_config
from bot.kernel.identity import Identities
from tests.conftest import LEDGER_HEADER, run_import, write_csv
from tests.fake_wecom import FakeWecom
from tests.loopback import Spy
from tests.test_slack_inbound import LEDGER

# A made-up robot's credentials (not WeCom's samples: those are in test_wecom_crypto.py).
TOKEN = "arcircleWecomTestToken01"
AES_KEY = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"  # 43 chars of base64 -> 32 bytes
ROBOT_KEY = "robot-key-0001"
GROUP = "wrkSFfCgAAxxxx"  # the circle group's chatid
NOW = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)

CONFIG = """\
company: {name: Test Machinery, currency: CNY, timezone: Asia/Shanghai, locale: en}
people:
  wang.wei: {name: 王伟, team: sales, role: lead, wecom: WangWei}
  tom.baker: {name: Tom Baker, team: sales, wecom: TomBaker}
  li.na: {name: 李娜, team: finance, role: lead, wecom: LiNa}
  zhao.yun: {name: 赵云, team: legal, role: lead, wecom: ZhaoYun}
  liu.yang: {name: 刘洋, role: manager, wecom: LiuYang}
teams:
  sales: {name: Sales, lead: wang.wei, manager: liu.yang}
  finance: {name: Finance, lead: li.na, manager: liu.yang}
  legal: {name: Legal, lead: zhao.yun, manager: liu.yang}
circle:
  channels: {wecom: "#ar-circle"}
platforms:
  console: {enabled: false}
  wecom:
    enabled: true
    bot_names: [arcircle, 催收助手]
    webhooks: {"#ar-circle": WECOM_WEBHOOK_CIRCLE}
"""


@dataclass
class Rig:
    rt: Runtime
    wecom: FakeWecom
    messenger: WecomRunning
    web: httpx.AsyncClient
    spy: Spy
    clock: FakeClock

    async def send(self, params: Mapping[str, str], body: bytes) -> httpx.Response:
        return await self.web.post("/wecom/callback", params=params, content=body)

    async def say(self, text: str, *, user: str, chat: str | None = GROUP) -> dict[str, Any]:
        """A message from WeCom now (the sender's clock is ours); the decrypted reply."""
        self.wecom.now = int(self.clock.now().timestamp())
        answer = await self.send(*self.wecom.text(text, user=user, chat=chat))
        assert answer.status_code == 200, answer.text
        return self.wecom.open_reply(answer.json()) if answer.content else {}


def env_for(wecom: FakeWecom, **more: str) -> dict[str, str]:
    return {
        "WECOM_BOT_TOKEN": TOKEN,
        "WECOM_BOT_AES_KEY": AES_KEY,
        "WECOM_API_URL": wecom.root,
        "WECOM_WEBHOOK_CIRCLE": ROBOT_KEY,
        **more,
    }


@asynccontextmanager
async def rig(
    tmp_path: Path,
    *,
    config: str = CONFIG,
    env: Mapping[str, str] | None = None,
    tuning: Mapping[str, float] | None = None,
    receive_id: str = "",
) -> AsyncIterator[Rig]:
    path = tmp_path / "config.yaml"
    path.write_text(config, encoding="utf-8")
    cfg = load_config(path, env={})
    clock = FakeClock(NOW)
    rt = build_runtime(cfg, clock, f"sqlite:///{tmp_path}/wecom.db", platforms=("wecom",))
    run_import(rt.db, write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, LEDGER))
    async with FakeWecom(
        token=TOKEN, aes_key=AES_KEY, receive_id=receive_id, robot_keys={ROBOT_KEY}
    ) as wecom:
        wecom.now = int(clock.now().timestamp())
        spy = Spy(rt.router)
        services = Services(
            router=spy,
            config=cfg,
            db=rt.db,
            clock=clock,
            env=env_for(wecom, **(env or {})),
            identities=Identities(cfg),
            tuning=tuning or {},
        )
        messenger = WecomRunning(services)
        app = http.http_app([messenger])
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://wecom.test") as web:
            try:
                yield Rig(rt, wecom, messenger, web, spy, clock)
            finally:
                await messenger.stop()
                rt.db.dispose()
