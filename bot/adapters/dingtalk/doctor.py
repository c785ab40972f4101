"""What `arcircle doctor` checks for DingTalk: the app's key and secret (online: an access
token obtained), the robot in the circle group, the custom robots' variables.

"The robot is in the group" is checked with the read-only getBotListInGroup API (docs
获取群内机器人列表: POST /v1.0/robot/getBotListInGroup {openConversationId} ->
chatbotInstanceVOList[].robotCode), so nothing is posted to the group. People without a
DingTalk id and a missing circle.channels.dingtalk are named by the root's checks
(bot/doctor.py, Plugin.mentions_by_id).
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from bot.adapters.base import Finding
from bot.adapters.dingtalk.api import Api, ApiMissing, base_url
from bot.kernel.config import Config
from bot.kernel.messages import DeliveryError

TIMEOUT = 10.0


def offline(config: Config, env: Mapping[str, str]) -> list[Finding]:
    section = config.platforms.dingtalk
    found: list[Finding] = []
    if section.mode != "robot":
        for var in ("DINGTALK_APP_KEY", "DINGTALK_APP_SECRET"):
            value = env.get(var, "")
            if value and (value != value.strip() or not value.isascii()):
                found.append(Finding("fail", f"{var} must be ASCII without spaces"))
    for channel, robot in section.robots.items():
        names = [robot.webhook] + ([robot.secret] if robot.secret else [])
        missing = [n for n in names if not env.get(n, "").strip()]
        if missing:
            found.append(Finding("warn", f"custom robot of {channel}: set {', '.join(missing)}"))
        else:
            found.append(Finding("ok", f"custom robot of {channel}: {', '.join(names)} set"))
    return found


async def check(config: Config, env: Mapping[str, str], *, online: bool) -> list[Finding]:
    found = offline(config, env)
    section = config.platforms.dingtalk
    key = env.get("DINGTALK_APP_KEY", "").strip()
    secret = env.get("DINGTALK_APP_SECRET", "").strip()
    if not online or section.mode == "robot" or not key or not secret:
        return found
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        api = Api(
            client,
            base_url(env),
            app_key=key,
            app_secret=secret,
            robot_code=section.robot_code or key,
            clock=lambda: 0.0,
        )
        try:
            await api.access_token()
        except DeliveryError as exc:
            found.append(Finding("fail", f"no access token: {exc.reason}"))
            return found
        found.append(Finding("ok", "the app gets an access token"))
        group = config.circle.channels.get("dingtalk")
        if group:
            try:
                robots = await api.robots_in_group(group)
            except ApiMissing as exc:
                # Not served here (a proxy, an older deployment): nothing is known, so a
                # warning, not a failure.
                found.append(Finding("warn", f"the circle group was not checked: {exc.reason}"))
                return found
            except DeliveryError as exc:
                found.append(
                    Finding("fail", f"the circle group could not be checked: {exc.reason}")
                )
                return found
            if api.robot_code in robots:
                found.append(Finding("ok", f"the robot is in the circle group {group}"))
            else:
                found.append(
                    Finding(
                        "fail",
                        f"the robot is not in the circle group {group}: add it in the group's "
                        "settings (群设置 → 机器人 → 添加机器人)",
                    )
                )
    return found
