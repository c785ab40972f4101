"""An app robot's incoming message and an interactive card's callback, parsed into neutral records.

The body is the same JSON whether it comes by HTTP callback or by Stream mode's
`/v1.0/im/bot/messages/get` topic (open.dingtalk.com 企业内部机器人接收消息,
https://open.dingtalk.com/document/orgapp/receive-message, "消息接收格式").
Every field is hostile: lengths are bounded and types checked. What we cannot act on (no
msgId, no text, an unknown conversationType, a card callback without a card or a user) is an
`EventError` with a short reason, never a KeyError or TypeError further down; what DingTalk
may legitimately vary (ids as numbers, "2" or 2, times as strings, unknown or missing
optional fields) is taken, and a malformed optional field is treated as absent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.adapters.dingtalk.sign import now_ms
from bot.adapters.dingtalk.webhooks import host_of

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
    dropped_webhook_host: str | None = None  # a sessionWebhook refused (its host only)

    @property
    def command(self) -> str:
        """The text without its leading @mentions: `@bot /ar 逾期` -> `/ar 逾期`.

        The router then treats `/ar 逾期` and `逾期` alike.
        """
        return _LEADING_MENTIONS.sub("", self.text).strip()

    def session_webhook_valid(self, now: datetime) -> bool:
        """Whether the reply URL may still be used at `now` (DingTalk expires it at
        sessionWebhookExpiredTime, in ms). Without an expiry it is tried: a refusal falls
        back to the API (inbound.py)."""
        if not self.session_webhook:
            return False
        if self.session_webhook_expires_ms is None:
            return True
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
    """A string field; a number (an id sent as a JSON number) is taken as its digits."""
    value = data.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is None or value == "":
        if required:
            raise EventError(f"{key} is missing")
        return None
    if not isinstance(value, str):
        if not required:
            return None  # an optional field of an unexpected type is as good as absent
        raise EventError(f"{key} is not a string")
    if len(value) > limit:
        raise EventError(f"{key} is too long")
    return _clean(value, limit)


def _need(data: Mapping[str, Any], key: str, limit: int = MAX_ID) -> str:
    value = _str(data, key, limit)
    assert value is not None  # required=True raised otherwise
    return value


def _ms(value: Any) -> int | None:
    """Milliseconds since the epoch from a number or a string of digits; None when absent or
    malformed. A value in seconds (under 10^11: before 1973 as milliseconds) is scaled."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii() or not text.isdigit() or len(text) > 16:
            return None
        value = int(text)
    if isinstance(value, float) and value == value and 0 <= value < 1e16:
        value = int(value)
    if not isinstance(value, int) or not 0 < value < 10**16:
        return None
    return value * 1000 if value < 10**11 else value


def _flag(value: Any) -> bool:
    """A boolean sent as true/false, "true"/"false" or 1/0; anything else is false."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value == 1
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return False


def _conversation_type(value: Any) -> str:
    """ "1" (direct) or "2" (group): the docs send a string, a number is taken too."""
    text = (
        str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    )
    if text not in (GROUP, DIRECT):
        raise EventError("conversationType is neither 1 (direct) nor 2 (group)")
    return text


def _at_users(value: Any) -> tuple[AtUser, ...]:
    """The @mentioned; entries that are not objects with a dingtalkId are skipped."""
    if not isinstance(value, list):
        return ()
    users: list[AtUser] = []
    for item in value[: MAX_AT_USERS * 2]:
        if not isinstance(item, dict):
            continue
        ding_id = _str(item, "dingtalkId", required=False)
        if ding_id:
            users.append(AtUser(ding_id, _str(item, "staffId", required=False)))
    return tuple(users[:MAX_AT_USERS])


def _content(data: Mapping[str, Any]) -> str:
    """The text of a `text` message, or the text pieces of a `richText` one (SDK chatbot.py
    get_text_list: content.richText[].text)."""
    msgtype = data.get("msgtype")
    text_obj = data.get("text")
    if msgtype == "text" or (msgtype is None and isinstance(text_obj, dict)):
        if not isinstance(text_obj, dict) or not isinstance(text_obj.get("content"), str):
            raise EventError("text.content is missing")
        content: str = text_obj["content"]
    elif msgtype == "richText":
        rich = data.get("content")
        items = rich.get("richText") if isinstance(rich, dict) else None
        if not isinstance(items, list):
            raise EventError("content.richText is missing")
        content = "".join(
            i["text"]
            for i in items[:MAX_AT_USERS]
            if isinstance(i, dict) and isinstance(i.get("text"), str)
        )
    else:
        raise EventError("only text messages are handled")
    if len(content) > MAX_TEXT:
        raise EventError("the text is too long")
    return content


def parse_message(
    body: bytes | str | Mapping[str, Any],
    *,
    webhook_prefixes: tuple[str, ...] = ("https://",),
    webhook_allowed: Callable[[str], bool] | None = None,
) -> RobotMessage:
    """A text message to the robot; `EventError` for anything else or anything malformed.

    Tolerant where DingTalk may vary: unknown fields are ignored, ids sent as numbers taken as
    strings, conversationType "2" or 2, times in ms as numbers or strings, a malformed optional
    field treated as absent. A `sessionWebhook` that `webhook_allowed` refuses (default: one
    not starting with a `webhook_prefixes` entry) is dropped, its host kept in
    `dropped_webhook_host` for the log line: the answer then goes through the API.
    """
    data = _load(body)
    content = _content(data)
    conversation_type = _conversation_type(data.get("conversationType"))
    is_group = conversation_type == GROUP
    allowed = webhook_allowed or (lambda url: url.startswith(webhook_prefixes))
    webhook = data.get("sessionWebhook")
    dropped: str | None = None
    if not isinstance(webhook, str) or not webhook:
        webhook = None
    elif len(webhook) > MAX_URL or not allowed(webhook):
        # The reply (with the chat's data) goes where this URL points: only to DingTalk.
        dropped, webhook = host_of(webhook), None
    expires = _ms(data.get("sessionWebhookExpiredTime"))
    if (
        webhook is not None
        and expires is None
        and data.get("sessionWebhookExpiredTime") is not None
    ):
        webhook = None  # an expiry we cannot read: not trusted
    staff_id = _str(data, "senderStaffId", required=False)
    sender_id = _str(data, "senderId", required=staff_id is None) or staff_id
    assert sender_id is not None
    return RobotMessage(
        msg_id=_need(data, "msgId"),
        text=_clean(content, MAX_TEXT),
        conversation_id=_str(data, "conversationId", required=is_group) or "",
        is_group=is_group,
        sender_id=sender_id,
        sender_staff_id=staff_id,
        sender_nick=_str(data, "senderNick", MAX_NICK, required=False) or "",
        # DingTalk pushes a group message to an app robot only when it is @mentioned
        # (企业内部机器人接收消息), and the SDK never filters on this field: absent, it is
        # taken as addressed; only an explicit false leaves the message alone.
        is_in_at_list=_flag(data.get("isInAtList", True)),
        at_users=_at_users(data.get("atUsers")),
        chatbot_user_id=_str(data, "chatbotUserId", required=False) or "",
        session_webhook=webhook,
        session_webhook_expires_ms=expires,
        robot_code=_str(data, "robotCode", required=False),
        dropped_webhook_host=dropped,
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
    """The card's params as strings; values that are not strings or numbers (a multi-select's
    list, a nested object) are skipped: no button of ours sends them."""
    params = private.get("params", {})
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise EventError("params is not an object")
    out: dict[str, str] = {}
    for key, item in list(params.items())[:MAX_PARAMS]:
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            continue
        out[_clean(str(key), MAX_ID)] = _clean(str(item), MAX_TEXT)
    return out


def _action_ids(private: Mapping[str, Any]) -> tuple[str, ...]:
    """The clicked components' ids (a single string taken as a list of one; others skipped)."""
    ids = private.get("actionIds", [])
    if isinstance(ids, str):
        ids = [ids]
    if not isinstance(ids, list):
        return ()
    return tuple(_clean(i, MAX_ID) for i in ids[:MAX_PARAMS] if isinstance(i, str))


def parse_card_callback(body: bytes | str | Mapping[str, Any]) -> CardCallback:
    """An interactive card (互动卡片) button callback: which card, who pressed, with what params.

    Shape per open.dingtalk.com 互动卡片回调 (https://open.dingtalk.com/document/orgapp/
    interactive-card-callback) and the dingtalk-stream SDK's `CardCallbackMessage` (topic
    `/v1.0/card/instances/callback`): outTrackId, userId, corpId, and `value` (older cards) or
    `content` (newer ones), a JSON string whose `cardPrivateData` holds `actionIds` and `params`.
    """
    data = _load(body)
    sources = [data[k] for k in ("content", "value") if data.get(k) not in (None, "")]
    if not sources:
        # Some SDKs hand over `params` already unpacked.
        sources = [{"params": data.get("params", {}), "actionIds": data.get("actionIds", [])}]
    params: dict[str, str] = {}
    action_ids: list[str] = []
    problems: list[EventError] = []
    for source in reversed(sources):  # `content` (the SDK's field) wins over `value`
        try:
            private = _private(source)
            found = _params(private)
        except EventError as exc:
            problems.append(exc)  # the other field may still say what was clicked
            continue
        params.update(found)
        action_ids[:0] = [i for i in _action_ids(private) if i not in action_ids]
    if len(problems) == len(sources):
        raise problems[0]
    return CardCallback(
        out_track_id=_need(data, "outTrackId"),
        user_id=_need(data, "userId"),
        params=params,
        action_ids=tuple(action_ids[:MAX_PARAMS]),
        corp_id=_str(data, "corpId", required=False),
    )
