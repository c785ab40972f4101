"""What the Telegram tests share: a company config with Telegram ids, a runtime on SQLite, the
messenger built against the fake Bot API (tests/fake_telegram.py), and update builders."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest_asyncio

from bot.adapters.base import Services
from bot.adapters.telegram.running import TelegramRunning
from bot.app import Runtime, build_runtime
from bot.kernel.clock import FakeClock
from bot.kernel.config import load_config
from bot.kernel.identity import Identities
from tests.conftest import LEDGER_HEADER, run_import, write_csv
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.test_slack_inbound import LEDGER

GROUP = -1001234567890
SECRET = "s3cret_Token-for-tests"
# Telegram user ids of the people below.
WANG, TOM, LI, ZHAO, LIU, STRANGER = 1001, 1004, 1002, 1003, 1005, 9999

CONFIG = f"""\
company:
  name: Test Machinery
  currency: CNY
  timezone: Asia/Shanghai
  locale: en
  fx_rates: {{USD: "7.00"}}
people:
  wang.wei: {{name: 王伟, team: sales, role: lead, telegram: {WANG}}}
  tom.baker: {{name: Tom Baker, team: sales, telegram: {TOM}}}
  li.na: {{name: 李娜, team: finance, role: lead, telegram: {LI}}}
  zhao.yun: {{name: 赵云, team: legal, role: lead, telegram: {ZHAO}}}
  liu.yang: {{name: 刘洋, role: manager, telegram: {LIU}}}
teams:
  sales: {{name: Sales, lead: wang.wei, manager: liu.yang}}
  finance: {{name: Finance, lead: li.na, manager: liu.yang}}
  legal: {{name: Legal, lead: zhao.yun, manager: liu.yang}}
circle:
  channels: {{telegram: "{GROUP}"}}
platforms:
  console: {{enabled: false}}
  telegram: {{enabled: true, mode: MODE}}
"""


def write_config(tmp_path: Path, mode: str = "polling", extra: str = "") -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG.replace("MODE", mode) + extra, encoding="utf-8")
    return path


def env(fake: FakeTelegram, **more: str) -> dict[str, str]:
    return {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.url, **more}


class World:
    def __init__(self, rt: Runtime, fake: FakeTelegram, tmp_path: Path) -> None:
        self.rt = rt
        self.fake = fake
        self.tmp_path = tmp_path
        self.built: list[TelegramRunning] = []

    async def messenger(
        self,
        *,
        mode: str = "polling",
        router: Any = None,
        settings: dict[str, Any] | None = None,
        **tuning: float,
    ) -> TelegramRunning:
        settings = settings or {}
        base = self.rt.config
        section = base.platforms.telegram.model_copy(update={"mode": mode, **settings})
        platforms = base.platforms.model_copy(update={"telegram": section})
        config = base.model_copy(update={"platforms": platforms})
        services = Services(
            router=router or self.rt.router,
            config=config,
            db=self.rt.db,
            clock=self.rt.clock,
            env=env(self.fake, TELEGRAM_WEBHOOK_SECRET=SECRET),
            identities=Identities(config),
            tuning={"telegram.long_poll": 1, **tuning},
        )
        messenger = TelegramRunning(services)
        await messenger.start()
        self.built.append(messenger)
        return messenger

    async def close(self) -> None:
        for m in self.built:
            await m.stop()


@pytest_asyncio.fixture(name="world")
async def world_fixture(fake_telegram: FakeTelegram, tmp_path: Path) -> AsyncIterator[World]:
    config = load_config(write_config(tmp_path), env={})
    clock = FakeClock(datetime(2026, 3, 16, 2, 0, tzinfo=UTC))  # Monday 10:00 in Shanghai
    rt = build_runtime(config, clock, f"sqlite:///{tmp_path}/tg.db", platforms=("telegram",))
    run_import(rt.db, write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, LEDGER))
    w = World(rt, fake_telegram, tmp_path)
    try:
        yield w
    finally:
        await w.close()
        rt.db.dispose()


_ids = itertools.count(500)
_update_ids = itertools.count(50_000)


def user(uid: int, name: str = "User") -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": name}


def group_message(
    text: str, uid: int, *, chat: int = GROUP, reply_to: dict[str, Any] | None = None, **more: Any
) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "message_id": next(_ids),
        "from": user(uid),
        "chat": {"id": chat, "type": "supergroup", "title": "AR circle"},
        "date": 1773626400,
        "text": text,
        **more,
    }
    if text.startswith("/"):
        word = text.split()[0]
        msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(word)}]
    if reply_to is not None:
        msg["reply_to_message"] = reply_to
    return {"update_id": next(_update_ids), "message": msg}


def private_message(text: str, uid: int) -> dict[str, Any]:
    return {
        "update_id": next(_update_ids),
        "message": {
            "message_id": next(_ids),
            "from": user(uid),
            "chat": {"id": uid, "type": "private", "first_name": "User"},
            "date": 1773626400,
            "text": text,
        },
    }


def click(data: str, uid: int, message: dict[str, Any] | None) -> dict[str, Any]:
    query: dict[str, Any] = {
        "id": f"cq{next(_ids)}",
        "from": user(uid, "Clicker"),
        "chat_instance": "42",
        "data": data,
    }
    if message is not None:
        query["message"] = {
            "message_id": message["message_id"],
            "chat": message["chat"],
            "date": 1773626400,
            "text": message["text"],
        }
    return {"update_id": next(_update_ids), "callback_query": query}


def keyboard(message: dict[str, Any]) -> dict[str, str]:
    """A sent message's inline keyboard: button label -> callback data."""
    markup = message.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


async def open_case(world: World, customer: str = "Northwind Trading") -> None:
    """A case for the customer (number 1 in a fresh database), opened as wang.wei."""
    reply = await world.rt.router.handle(
        f"/ar open {customer}",
        platform="telegram",
        channel=str(GROUP),
        user_id=str(WANG),
        person="wang.wei",
    )
    assert reply is not None and "is open" in reply.plain(), reply


async def case_card(messenger: TelegramRunning, world: World, uid: int) -> dict[str, Any]:
    """Case 1's card, asked for in the group by `uid` (`/ar case 1`): the message sent."""
    await messenger.inbound.update(group_message("/ar case 1", uid))
    [card] = world.fake.sent(GROUP)
    return card


async def form_from_card(
    messenger: TelegramRunning, world: World, uid: int, button: str
) -> dict[str, Any]:
    """The first question of the form behind a button of case 1's card."""
    card = await case_card(messenger, world, uid)
    await messenger.inbound.update(click(keyboard(card)[button], uid, card))
    return world.fake.sent(GROUP)[-1]
