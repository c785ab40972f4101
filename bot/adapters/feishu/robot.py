"""A Feishu custom group robot (自定义机器人): alerts and the digest into one group, no app.

What this follows (open.feishu.cn "自定义机器人使用指南"): POST {webhook} with
{"timestamp": "<seconds>", "sign": ..., "msg_type": "text"|"interactive", "content": {...}}
(text) or "card": {...} (interactive); sign = base64(HMAC-SHA256(key=timestamp + "\\n" +
secret, msg=b"")) (bot.adapters.feishu.crypto.robot_sign), needed only when the robot has
签名校验 on. The answer is {"code": 0, ...} (older: {"StatusCode": 0}); 19021 = sign
mismatch or timestamp more than an hour off, 19022 = IP not allowed, 19024 = keyword
missing, 9499 = bad request, 11232 = too many messages (100 a minute, 5 a second).

The webhook address is the robot's whole credential: it is read from the environment variable
config names (platforms.feishu.robots.<channel>.webhook), never logged, never in an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from bot.adapters.feishu.crypto import robot_sign
from bot.kernel.config import Config
from bot.kernel.messages import PermanentError, RetryAfter, TransientError

ROBOT_PAUSE = 60.0  # the robot's limit is counted per minute
ROBOT_HINTS: dict[int, str] = {
    19021: "the signature was refused: check the robot's secret variable and the server clock",
    19022: "the server's IP is not on the robot's IP allowlist",
    19024: "the message lacks the robot's required keyword: turn keywords off",
    9499: "the robot refused the request (bad request)",
    19001: "the webhook address is not valid: copy it again from the group's robot settings",
    19002: "the robot was removed or disabled in the group",
}


class RobotSender:
    def __init__(
        self,
        client: httpx.AsyncClient,
        config: Config,
        env: Mapping[str, str],
        clock: Callable[[], float],
    ) -> None:
        self._client = client
        self._robots = config.platforms.feishu.robots
        self._env = env
        self._clock = clock

    def has(self, channel: str) -> bool:
        return channel in self._robots

    def webhook_of(self, channel: str) -> tuple[str, str | None]:
        robot = self._robots.get(channel)
        if robot is None:
            raise PermanentError(
                f"no custom robot for {channel}: add platforms.feishu.robots.{channel}"
            )
        url = (self._env.get(robot.webhook) or "").strip()
        if not url:
            raise PermanentError(f"the robot of {channel} has no address: set {robot.webhook}")
        secret = (self._env.get(robot.secret) or "").strip() if robot.secret else None
        if robot.secret and not secret:
            raise PermanentError(f"the robot of {channel} has no secret: set {robot.secret}")
        return url, secret

    def body(self, secret: str | None, msg_type: str, content: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"msg_type": msg_type}
        if msg_type == "interactive":
            out["card"] = content
        else:
            out["content"] = content
        if secret:
            stamp = int(self._clock())
            out["timestamp"] = str(stamp)
            out["sign"] = robot_sign(secret, stamp)
        return out

    async def send(self, channel: str, msg_type: str, content: dict[str, Any]) -> None:
        url, secret = self.webhook_of(channel)
        what = f"feishu robot of {channel}"
        try:
            response = await self._client.post(url, json=self.body(secret, msg_type, content))
        except httpx.HTTPError as exc:
            raise TransientError(f"{what}: {type(exc).__name__}") from None
        check(response, what)


def check(response: httpx.Response, what: str) -> None:
    """A robot's answer in the outbox's terms."""
    try:
        body = response.json()
    except ValueError:
        body = None
    code = None
    if isinstance(body, dict):
        raw = body.get("code", body.get("StatusCode"))
        code = raw if isinstance(raw, int) else None
    if response.status_code == 429 or code in (11232, 11233):
        raise RetryAfter(ROBOT_PAUSE, f"{what}: rate limited (code {code})")
    if response.status_code >= 500:
        raise TransientError(f"{what}: HTTP {response.status_code}")
    if code == 0:
        return
    hint = ROBOT_HINTS.get(code or 0, f"HTTP {response.status_code}")
    raise PermanentError(f"{what}: code {code} ({hint})")
