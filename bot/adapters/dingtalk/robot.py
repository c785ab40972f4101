"""A custom group robot (自定义机器人): a webhook URL (with its access_token) and, with 加签,
a secret, both in environment variables that `platforms.dingtalk.robots.<channel>` names.

Docs "自定义机器人发送群消息" (https://open.dingtalk.com/document/robots/custom-robot-access)
and "自定义机器人安全设置": POST the webhook URL + `&timestamp=<ms>&sign=<urlencoded base64
HMAC-SHA256 of "timestamp\\nsecret">` (sign.signed_webhook_url), body {"msgtype": "markdown",
"markdown": {"title", "text"}, "at": {"atUserIds", "isAtAll"}}; a person is notified when
their userId is in atUserIds and "@userId" is in the text. Answers {"errcode": 0}; 130101:
"send too fast" (20 messages a minute per robot) -> RetryAfter; 310000: the security
settings refused it (wrong sign, a keyword missing, an IP not allowed) and 300001 (no such
access_token) -> PermanentError with a hint. The URL and the secret are credentials: never
logged, never in an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from bot.adapters.dingtalk.api import RETRY_AFTER_LIMIT, TOO_FAST_CODES
from bot.adapters.dingtalk.sign import signed_webhook_url
from bot.kernel.config import Config
from bot.kernel.messages import PermanentError, RetryAfter, TransientError

SECURITY = 310000
NO_TOKEN = 300001


class CustomRobots:
    def __init__(self, client: httpx.AsyncClient, config: Config, env: Mapping[str, str]):
        self._client = client
        self._robots = config.platforms.dingtalk.robots
        self._env = env

    def has(self, channel: str) -> bool:
        return channel in self._robots

    def channels(self) -> list[str]:
        return list(self._robots)

    def url(self, channel: str, now: datetime) -> str:
        robot = self._robots.get(channel)
        if robot is None:
            raise PermanentError(
                f"no custom robot for {channel}: add it under platforms.dingtalk.robots"
            )
        webhook = (self._env.get(robot.webhook) or "").strip()
        if not webhook:
            raise PermanentError(f"the custom robot of {channel}: set {robot.webhook}")
        if robot.secret is None:
            return webhook
        secret = (self._env.get(robot.secret) or "").strip()
        if not secret:
            raise PermanentError(f"the custom robot of {channel}: set {robot.secret}")
        return signed_webhook_url(webhook, secret, now)

    async def send(self, channel: str, payload: dict[str, Any], now: datetime) -> None:
        what = f"custom robot of {channel}"
        url = self.url(channel, now)
        try:
            response = await self._client.post(url, json=payload)
        except httpx.HTTPError as exc:
            raise TransientError(f"{what}: {type(exc).__name__}") from None
        if response.status_code == 429:
            raise RetryAfter(RETRY_AFTER_LIMIT, f"{what}: HTTP 429")
        if response.status_code >= 500:
            raise TransientError(f"{what}: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or body.get("errcode") is None:
            if response.is_success:
                return  # taken without the usual {"errcode": 0}: sending again would repeat it
            raise PermanentError(f"{what}: HTTP {response.status_code}")
        try:
            code = int(body["errcode"])
        except (TypeError, ValueError):
            raise TransientError(f"{what}: the answer's errcode is not a number") from None
        if code == 0:
            return
        if code == -1:
            raise TransientError(f"{what}: errcode -1 (system busy)")
        if code in TOO_FAST_CODES:
            raise RetryAfter(RETRY_AFTER_LIMIT, f"{what}: errcode {code} (20 messages a minute)")
        robot = self._robots[channel]
        if code == SECURITY:
            raise PermanentError(
                f"{what}: errcode 310000, refused by its security settings: the signing "
                f"secret in {robot.secret or '(none set)'} must be the robot's 加签 secret, "
                "or the robot's keyword/IP settings refuse our messages"
            )
        if code == NO_TOKEN:
            raise PermanentError(
                f"{what}: errcode 300001, the webhook's access_token is unknown: copy the "
                f"robot's webhook into {robot.webhook}"
            )
        raise PermanentError(f"{what}: errcode {code}")
