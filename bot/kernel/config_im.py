"""config.yaml `platforms.feishu` and `platforms.dingtalk`: the two WeChat-style messengers
after WeCom, each an app robot with an HTTP callback or a long connection, or a custom group
robot alone for teams that only want alerts and the digest.

    platforms:
      feishu:
        enabled: true
        mode: websocket          # http: POST /feishu/events on `arcircle serve`;
                                 # websocket: the long connection (no public address);
                                 # robot: custom group robots only (alerts and digest)
        robots:                  # channel -> the env variables of its custom robot
          "oc_5ad11d72b8": {webhook: FEISHU_ROBOT_WEBHOOK, secret: FEISHU_ROBOT_SECRET}
      dingtalk:
        enabled: true
        mode: stream             # http: POST /dingtalk/callback; stream: Stream mode
        robot_code: dingxxxx     # the app robot's robotCode (default: DINGTALK_APP_KEY)

Webhook addresses and signing secrets are credentials: config.yaml names the environment
variables that hold them, never the values.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _env_name(value: str) -> str:
    if not re.fullmatch(r"[A-Z][A-Z0-9_]{0,63}", value):
        raise ValueError(
            f"{value!r} must be the NAME of an environment variable (e.g. FEISHU_ROBOT_WEBHOOK), "
            "not the address or secret itself"
        )
    return value


EnvName = Annotated[str, AfterValidator(_env_name)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CustomRobot(_Strict):
    """A group's custom robot (自定义机器人): the env variables of its webhook address and of
    its signing secret (None: the robot has no 加签 secret, e.g. it checks keywords or IPs)."""

    webhook: EnvName
    secret: EnvName | None = None


class FeishuPlatform(_Strict):
    enabled: bool = False
    mode: Literal["http", "websocket", "robot"] = "http"
    # The app's name(s) as typed in "@arcircle /ar 逾期" when Feishu sends no mention record.
    bot_names: list[str] = Field(default_factory=lambda: ["arcircle"])
    # Cards reply in the card's thread (reply_in_thread) where the chat allows it.
    reply_in_thread: bool = True
    robots: dict[str, CustomRobot] = Field(default_factory=dict)


class DingtalkPlatform(_Strict):
    enabled: bool = False
    mode: Literal["http", "stream", "robot"] = "http"
    bot_names: list[str] = Field(default_factory=lambda: ["arcircle"])
    # The robot's robotCode for the group and 1:1 APIs; None: DINGTALK_APP_KEY (the same for
    # an internal app's robot).
    robot_code: str | None = Field(default=None, max_length=128)
    # An interactive card template id (互动卡片) for circle cards; None: the built-in
    # StandardCard template used through the robot's interactiveCards API.
    card_template_id: str | None = Field(default=None, max_length=128)
    robots: dict[str, CustomRobot] = Field(default_factory=dict)
