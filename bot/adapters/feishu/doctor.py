"""What `arcircle doctor` checks for Feishu: the app's credentials and the robots' variables
present; online, a tenant access token, the bot's info, the bot a member of each configured
chat (im/v1/chats/{id}/members/is_in_chat), nothing posted anywhere.
(Missing variables and people without a feishu id are the root's checks: env_vars,
mentions_by_id.)"""

from __future__ import annotations

import time
from collections.abc import Mapping

import httpx

from bot.adapters.base import Finding
from bot.adapters.feishu.api import FeishuApi, FeishuError, base_url
from bot.kernel.config import Config
from bot.kernel.messages import DeliveryError

TIMEOUT = 10.0


def _chats(config: Config) -> list[str]:
    channel = config.circle.channels.get("feishu")
    return [channel] if channel else []


def offline(config: Config, env: Mapping[str, str]) -> list[Finding]:
    section = config.platforms.feishu
    found: list[Finding] = []
    if section.mode in ("http", "websocket"):
        app_id = env.get("FEISHU_APP_ID", "").strip()
        if app_id and not app_id.startswith("cli_"):
            found.append(Finding("warn", "FEISHU_APP_ID usually starts with cli_"))
        if section.mode == "http" and not env.get("FEISHU_ENCRYPT_KEY", "").strip():
            found.append(
                Finding(
                    "warn",
                    "FEISHU_ENCRYPT_KEY is not set: events come unencrypted, checked by the "
                    "verification token only",
                )
            )
    for channel, robot in section.robots.items():
        if not env.get(robot.webhook, "").strip():
            found.append(Finding("fail", f"the robot of {channel}: set {robot.webhook}"))
        elif robot.secret and not env.get(robot.secret, "").strip():
            found.append(Finding("fail", f"the robot of {channel}: set {robot.secret}"))
        else:
            found.append(Finding("ok", f"the robot of {channel} has its address"))
    if section.mode == "robot" and not section.robots:
        found.append(Finding("fail", "mode robot needs platforms.feishu.robots"))
    return found


async def check(config: Config, env: Mapping[str, str], *, online: bool) -> list[Finding]:
    found = offline(config, env)
    section = config.platforms.feishu
    app_id = env.get("FEISHU_APP_ID", "").strip()
    secret = env.get("FEISHU_APP_SECRET", "").strip()
    if not online or section.mode == "robot" or not app_id or not secret:
        return found
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        # A wall clock is right here: it only times the token's cache within this one check.
        api = FeishuApi(client, base_url(env), app_id=app_id, app_secret=secret, clock=time.time)
        try:
            await api.token()
        except FeishuError as exc:
            found.append(Finding("fail", f"no tenant access token: {exc.hint}"))
            return found
        except DeliveryError as exc:
            found.append(Finding("fail", f"Feishu did not answer ({exc.reason})"))
            return found
        found.append(Finding("ok", "the app gets a tenant access token"))
        try:
            bot = await api.bot_info()
            name = str(bot.get("app_name") or "?")[:64]
            found.append(Finding("ok", f"the bot answers ({name})"))
        except DeliveryError as exc:
            found.append(Finding("fail", f"the bot ability is not on? ({exc.reason})"))
        for chat in _chats(config):
            try:
                inside = await api.is_in_chat(chat)
            except DeliveryError as exc:
                found.append(Finding("fail", f"cannot check chat {chat} ({exc.reason})"))
                continue
            if inside:
                found.append(Finding("ok", f"the bot is in chat {chat}"))
            else:
                found.append(Finding("fail", f"the bot is not in chat {chat}: add it to the group"))
    return found
