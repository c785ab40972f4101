"""What the DingTalk tests share: a config, a runtime with the ledger loaded, the messenger
built directly from Services (as `arcircle serve` does), the fake DingTalk, and an HTTP
client on the messenger's routes."""

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
from bot.adapters.dingtalk.running import DingtalkRunning
from bot.app import Runtime, build_runtime
from bot.kernel.clock import FakeClock, ScaledClock
from bot.kernel.config import load_config
from bot.kernel.identity import Identities
from tests.conftest import LEDGER_HEADER, run_import, write_csv
from tests.fake_dingtalk import FakeDingtalk
from tests.loopback import Spy
from tests.test_slack_inbound import LEDGER

# A made-up app (not a real one's credentials).
APP_KEY = "dingarcircletestkey01"
APP_SECRET = "arcircle-dingtalk-test-secret-0000000000000000000000"
GROUP = "cidArCircle0000000000000=="  # the circle group's openConversationId
NOW = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)
USERS = {"manager4220", "tom01", "lina02", "zhaoyun03", "liuyang04"}

CONFIG = f"""\
company: {{name: Test Machinery, currency: CNY, timezone: Asia/Shanghai, locale: en}}
people:
  wang.wei: {{name: 王伟, team: sales, role: lead, dingtalk: manager4220}}
  tom.baker: {{name: Tom Baker, team: sales, dingtalk: tom01}}
  li.na: {{name: 李娜, team: finance, role: lead, dingtalk: lina02}}
  zhao.yun: {{name: 赵云, team: legal, role: lead, dingtalk: zhaoyun03}}
  liu.yang: {{name: 刘洋, role: manager, dingtalk: liuyang04}}
teams:
  sales: {{name: Sales, lead: wang.wei, manager: liu.yang}}
  finance: {{name: Finance, lead: li.na, manager: liu.yang}}
  legal: {{name: Legal, lead: zhao.yun, manager: liu.yang}}
circle:
  channels: {{dingtalk: "{GROUP}"}}
platforms:
  console: {{enabled: false}}
  dingtalk:
    enabled: true
    mode: http
    bot_names: [arcircle, 催收助手]
"""


@dataclass
class Rig:
    rt: Runtime
    ding: FakeDingtalk
    messenger: DingtalkRunning
    web: httpx.AsyncClient
    spy: Spy
    clock: FakeClock

    async def post(
        self, body: dict[str, Any] | bytes, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        self.ding.now_ms = int(self.clock.now().timestamp() * 1000)
        content = body if isinstance(body, bytes) else _json(body)
        return await self.web.post(
            "/dingtalk/callback",
            content=content,
            headers={"content-type": "application/json", **(headers or self.ding.headers())},
        )

    async def say(
        self, text: str, *, user: str, group: str | None = GROUP, expired: bool = False
    ) -> httpx.Response:
        self.ding.now_ms = int(self.clock.now().timestamp() * 1000)
        answer = await self.post(self.ding.message(text, user=user, group=group, expired=expired))
        assert answer.status_code == 200, answer.text
        return answer

    async def click(self, card_id: str, action_id: str, *, user: str) -> httpx.Response:
        answer = await self.post(self.ding.click(card_id, action_id, user=user))
        assert answer.status_code == 200, answer.text
        return answer


def _json(body: dict[str, Any]) -> bytes:
    import json

    return json.dumps(body, ensure_ascii=False).encode()


def env_for(ding: FakeDingtalk, **more: str) -> dict[str, str]:
    return {
        "DINGTALK_APP_KEY": APP_KEY,
        "DINGTALK_APP_SECRET": APP_SECRET,
        "DINGTALK_API_URL": ding.root,
        # "{root}" in a value: the fake's address (known once it runs).
        **{k: v.replace("{root}", ding.root) for k, v in more.items()},
    }


@asynccontextmanager
async def rig(
    tmp_path: Path,
    *,
    config: str = CONFIG,
    env: Mapping[str, str] | None = None,
    robot_tokens: Mapping[str, str] | None = None,
    demo: tuple[float, datetime] | None = None,
) -> AsyncIterator[Rig]:
    """`demo` (speed, start): the plugin is given a demo's scaled business clock over the
    rig's wall clock (Rig.clock, by which the fake DingTalk signs and stamps)."""
    path = tmp_path / "config.yaml"
    path.write_text(config, encoding="utf-8")
    cfg = load_config(path, env={})
    clock = FakeClock(NOW)
    rt = build_runtime(cfg, clock, f"sqlite:///{tmp_path}/dingtalk.db", platforms=("dingtalk",))
    run_import(rt.db, write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, LEDGER))
    async with FakeDingtalk(
        app_key=APP_KEY,
        app_secret=APP_SECRET,
        groups={GROUP},
        users=set(USERS),
        robot_tokens=dict(robot_tokens or {}),
    ) as ding:
        ding.now_ms = int(clock.now().timestamp() * 1000)
        spy = Spy(rt.router)
        services = Services(
            router=spy,
            config=cfg,
            db=rt.db,
            clock=ScaledClock(demo[0], base=clock, start=demo[1]) if demo else clock,
            env=env_for(ding, **(env or {})),
            identities=Identities(cfg),
        )
        messenger = DingtalkRunning(services)
        app = http.http_app([messenger])
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://dingtalk.test") as web:
            try:
                yield Rig(rt, ding, messenger, web, spy, clock)
            finally:
                await messenger.stop()
                rt.db.dispose()
