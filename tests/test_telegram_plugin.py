"""Telegram as a plugin: found by the registry, run by `run` (polling) or `serve` (webhook),
what doctor says without asking Telegram, and start-up refusals in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters import registry
from bot.adapters.base import SetupError
from bot.app import running_messengers
from bot.kernel.config import load_config
from tests.fake_telegram import TOKEN, Answer, FakeTelegram, fake_telegram_fixture  # noqa: F401
from tests.telegram_world import SECRET, World, world_fixture, write_config  # noqa: F401

PLUGIN = registry.plugins()["telegram"]


def test_polling_runs_under_run_and_the_webhook_under_serve(tmp_path: Path) -> None:
    polling = load_config(write_config(tmp_path, "polling"), env={})
    assert not PLUGIN.takes_http(polling)
    assert "telegram" in running_messengers(polling, "run")
    webhook = load_config(write_config(tmp_path, "webhook"), env={})
    assert PLUGIN.takes_http(webhook)
    assert "telegram" not in running_messengers(webhook, "run")
    assert "telegram" in running_messengers(webhook, "serve")
    assert PLUGIN.missing_env(polling, {}) == ["TELEGRAM_BOT_TOKEN"]
    assert PLUGIN.missing_env(webhook, {"TELEGRAM_BOT_TOKEN": TOKEN}) == ["TELEGRAM_WEBHOOK_SECRET"]


async def test_doctor_offline(tmp_path: Path) -> None:
    polling = load_config(write_config(tmp_path, "polling"), env={})
    assert await PLUGIN.doctor(polling, {"TELEGRAM_BOT_TOKEN": TOKEN}, online=False) == []
    webhook = load_config(write_config(tmp_path, "webhook"), env={})
    env = {"TELEGRAM_BOT_TOKEN": "12:short", "TELEGRAM_WEBHOOK_SECRET": "x" * 257}
    found = await PLUGIN.doctor(webhook, env, online=False)
    texts = [f"{f.status} {f.text}" for f in found]
    assert texts[0].startswith("fail TELEGRAM_BOT_TOKEN does not look like a bot token")
    assert texts[1].startswith("fail TELEGRAM_WEBHOOK_SECRET must be 1-256 characters")
    assert texts[2].startswith("warn platforms.telegram.webhook_url is not set")
    assert not any("12:short" in t or "x" * 20 in t for t in texts)


async def test_start_up_refusals_are_one_line_without_secrets(world: World) -> None:
    world.fake.script("getMe", Answer.error(401, "Unauthorized"))
    with pytest.raises(SetupError, match="Telegram rejected TELEGRAM_BOT_TOKEN") as caught:
        await world.messenger()
    assert TOKEN not in str(caught.value)
    world.fake.script("getMe", Answer.server_error())
    with pytest.raises(SetupError, match="cannot reach Telegram"):
        await world.messenger()
