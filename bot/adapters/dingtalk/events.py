"""An app robot's incoming message and an interactive card's callback, parsed into neutral records.

The body is the same JSON whether it comes by HTTP callback or by Stream mode's
`/v1.0/im/bot/messages/get` topic (open.dingtalk.com 企业内部机器人接收消息,
https://open.dingtalk.com/document/orgapp/receive-message, "消息接收格式").
Every field is hostile: lengths are bounded, types checked, and anything malformed is an
`EventError` with a short reason, never a KeyError or TypeError further down.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.adapters.dingtalk.sign import now_ms

MAX_BODY_BYTES = 64 * 1024
MAX_TEXT = 4000
MAX_ID = 256
MAX_NICK = 128
MAX_URL = 2048
MAX_AT_USERS = 50
MAX_PARAMS = 50
GROUP = "2"
DIRECT = "1"

# One or more leading mentions ("@bot ", "@小助手\u2005") before the command; DingTalk puts
# a space or a four-per-em space (U+2005) after a mention depending on the client.
_LEADING_MENTIONS = re.compile(r"^(?:\s*@[^\s\u2005]+(?:[\s\u2005]+|$))+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class EventError(ValueError):
    """The body is not a DingTalk robot message or card callback we can act on."""


@dataclass(frozen=True)
class AtUser:
    dingtalk_id: str
    staff_id: str | None


@dataclass(frozen=True)
class RobotMessage:
    msg_id: str
    text: str
    conversation_id: str
    is_group: bool
    sender_id: str
    sender_staff_id: str | None
    sender_nick: str
    is_in_at_list: bool
    at_users: tuple[AtUser, ...]
    chatbot_user_id: str
    session_webhook: str | None
    session_webhook_expires_ms: int | None
    robot_code: str | None

    @property
    def command(self) -> str:
        """The text without its leading @mentions: `@bot /ar 逾期` -> `/ar 逾期`.

        The router then treats `/ar 逾期` and `逾期` alike.
        """
        return _LEADING_MENTIONS.sub("", self.text).strip()

    def session_webhook_valid(self, now: datetime) -> bool:
        """Whether the reply URL may still be used at `now` (DingTalk expires it, in ms)."""
        if not self.session_webhook or self.session_webhook_expires_ms is None:
            return False
        return now_ms(now) < self.session_webhook_expires_ms


@dataclass(frozen=True)
class CardCallback:
    out_track_id: str
    user_id: str
    params: Mapping[str, str]
    action_ids: tuple[str, ...]
    corp_id: str | None


def _load(body: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(body, Mapping):
        return body
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if len(raw) > MAX_BODY_BYTES:
        raise EventError("the body is too large")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EventError("the body is not JSON") from exc
    if not isinstance(data, dict):
        raise EventError("the body is not a JSON object")
    return data


def _clean(value: str, limit: int) -> str:
    return _CONTROL.sub("", value)[:limit]


def _str(
    data: Mapping[str, Any], key: str, limit: int = MAX_ID, *, required: bool = True
) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise EventError(f"{key} is missing")
        return None
    if not isinstance(value, str):
        raise EventError(f"{key} is not a string")
    if len(value) > limit:
        raise EventError(f"{key} is too long")
    return _clean(value, limit)


def _need(data: Mapping[str, Any], key: str, limit: int = MAX_ID) -> str:
    value = _str(data, key, limit)
    assert value is not None  # required=True raised otherwise
    return value


def _ms(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    # bool is an int in Python; a JSON true is not a time.
    if isinstance(value, bool):
        raise EventError(f"{key} is not a number of milliseconds")
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 16:
        return int(value)
    if isinstance(value, int) and 0 <= value < 10**16:
        return value
    raise EventError(f"{key} is not a number of milliseconds")


def _at_users(value: Any) -> tuple[AtUser, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise EventError("atUsers is not a list")
    users: list[AtUser] = []
    for item in value[:MAX_AT_USERS]:
        if not isinstance(item, dict):
            raise EventError("an atUsers entry is not an object")
        users.append(AtUser(_need(item, "dingtalkId"), _str(item, "staffId", required=False)))
    return tuple(users)


def parse_message(
    body: bytes | str | Mapping[str, Any], *, webhook_prefixes: tuple[str, ...] = ("https://",)
) -> RobotMessage:
    """A text message to the robot; `EventError` for anything else or anything malformed.

    `webhook_prefixes`: where a `sessionWebhook` may point (the plugin passes DingTalk's
    `https://oapi.dingtalk.com/`, a test its fake server's `http://127.0.0.1:port/`).
    """
    data = _load(body)
    msgtype = data.get("msgtype")
    if msgtype != "text":
        raise EventError("only text messages are handled")
    text_obj = data.get("text")
    if not isinstance(text_obj, dict) or not isinstance(text_obj.get("content"), str):
        raise EventError("text.content is missing")
    content: str = text_obj["content"]
    if len(content) > MAX_TEXT:
        raise EventError("the text is too long")
    conversation_type = data.get("conversationType")
    if conversation_type not in (GROUP, DIRECT):
        raise EventError("conversationType is neither 1 (direct) nor 2 (group)")
    webhook = _str(data, "sessionWebhook", MAX_URL, required=False)
    if webhook is not None and not webhook.startswith(webhook_prefixes):
        # The reply (with the chat's data) goes where this URL points: only to DingTalk.
        raise EventError("sessionWebhook points outside the allowed hosts")
    in_at = data.get("isInAtList", False)
    if not isinstance(in_at, bool):
        raise EventError("isInAtList is not a boolean")
    return RobotMessage(
        msg_id=_need(data, "msgId"),
        text=_clean(content, MAX_TEXT),
        conversation_id=_need(data, "conversationId"),
        is_group=conversation_type == GROUP,
        sender_id=_need(data, "senderId"),
        sender_staff_id=_str(data, "senderStaffId", required=False),
        sender_nick=_str(data, "senderNick", MAX_NICK, required=False) or "",
        is_in_at_list=in_at,
        at_users=_at_users(data.get("atUsers")),
        chatbot_user_id=_str(data, "chatbotUserId", required=False) or "",
        session_webhook=webhook,
        session_webhook_expires_ms=_ms(data, "sessionWebhookExpiredTime"),
        robot_code=_str(data, "robotCode", required=False),
    )


def _private(value: Any) -> Mapping[str, Any]:
    """`cardPrivateData` out of `value`/`content`, a JSON string (or an already decoded object)."""
    if isinstance(value, str):
        if len(value) > MAX_BODY_BYTES:
            raise EventError("value is too large")
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise EventError("value is not JSON") from exc
    if not isinstance(value, dict):
        raise EventError("value is not an object")
    private = value.get("cardPrivateData", value)
    if not isinstance(private, dict):
        raise EventError("cardPrivateData is not an object")
    return private


def _params(private: Mapping[str, Any]) -> dict[str, str]:
    params = private.get("params", {})
    if not isinstance(params, dict):
        raise EventError("params is not an object")
    out: dict[str, str] = {}
    for key, item in list(params.items())[:MAX_PARAMS]:
        if not isinstance(item, (str, int)) or isinstance(item, bool):
            raise EventError("a card parameter is not a string or a number")
        out[_clean(str(key), MAX_ID)] = _clean(str(item), MAX_TEXT)
    return out


def _action_ids(private: Mapping[str, Any]) -> tuple[str, ...]:
    ids = private.get("actionIds", [])
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise EventError("actionIds is not a list of strings")
    return tuple(_clean(i, MAX_ID) for i in ids[:MAX_PARAMS])


def parse_card_callback(body: bytes | str | Mapping[str, Any]) -> CardCallback:
    """An interactive card (互动卡片) button callback: which card, who pressed, with what params.

    Shape per open.dingtalk.com 互动卡片回调 (https://open.dingtalk.com/document/orgapp/
    interactive-card-callback) and the dingtalk-stream SDK's `CardCallbackMessage` (topic
    `/v1.0/card/instances/callback`): outTrackId, userId, corpId, and `value` (older cards) or
    `content` (newer ones), a JSON string whose `cardPrivateData` holds `actionIds` and `params`.
    """
    data = _load(body)
    if "value" in data:
        private = _private(data["value"])
    elif "content" in data:
        private = _private(data["content"])
    else:
        # Some SDKs hand over `params` already unpacked.
        private = {"params": data.get("params", {})}
    return CardCallback(
        out_track_id=_need(data, "outTrackId"),
        user_id=_need(data, "userId"),
        params=_params(private),
        action_ids=_action_ids(private),
        corp_id=_str(data, "corpId", required=False),
    )
