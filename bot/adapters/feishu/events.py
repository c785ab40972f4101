"""A decoded Feishu/Lark event body as a small neutral value the plugin can route.

Shapes followed (open.feishu.cn, 事件订阅 › "接收消息 im.message.receive_v1" and
"卡片回传交互 card.action.trigger"; schema 2.0): `header {event_id, event_type, create_time,
token, app_id, tenant_key}` and `event {...}`; a url_verification challenge is `{challenge,
token, type}`. A text message's `content` is itself JSON (`{"text": "@_user_1 /ar 逾期"}`)
where each @mention is a placeholder key listed in `message.mentions`.

Everything here is outside text: ids and texts are bounded, a malformed field is an
`EventError` (whose text holds no content), an unknown event type is None.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.adapters.feishu.crypto import MAX_BODY_BYTES

MAX_ID = 128
MAX_TEXT = 4000
MAX_NAME = 64
MAX_MENTIONS = 50
MAX_CHALLENGE = 256

# A placeholder Feishu puts where a person was @mentioned: @_user_1, @_user_2, ... (and
# @_all for @所有人). Not `\b`: Chinese may follow with no space (`@_user_1逾期`), and
# `@_user_1` must not match inside `@_user_12`.
_PLACEHOLDER = re.compile(r"@_(?:user_\d{1,4}(?!\d)|all(?![A-Za-z0-9_]))")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
# A name shown in text: no line breaks or controls, so it cannot forge a second line.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


class EventError(ValueError):
    """The body is not a well-formed Feishu event."""


@dataclass(frozen=True)
class UrlVerification:
    challenge: str


@dataclass(frozen=True)
class Mention:
    key: str
    open_id: str | None
    user_id: str | None
    name: str


@dataclass(frozen=True)
class MessageEvent:
    event_id: str
    chat_id: str
    chat_type: str  # "p2p" or "group"
    open_id: str
    user_id: str | None
    message_id: str
    message_type: str
    # The command text: the bot's own mention stripped, others as `@name`; "" for non-text.
    text: str
    # A direct message, or a group message that @mentions the bot.
    addressed: bool
    mentions: tuple[Mention, ...] = ()


@dataclass(frozen=True)
class CardAction:
    event_id: str
    value: dict[str, Any]
    operator_open_id: str
    operator_user_id: str | None
    open_message_id: str
    open_chat_id: str | None
    # The component's tag ("button", "select_static", "input", ...), a select's chosen
    # option, an input's text and a form's fields, when the card had them.
    tag: str | None = None
    option: str | None = None
    input_value: str | None = None
    form_value: dict[str, Any] = field(default_factory=dict)


FeishuEvent = UrlVerification | MessageEvent | CardAction


def load(body: bytes | str) -> dict[str, Any]:
    """The JSON object of a body; EventError when it is too large or not one."""
    if len(body) > MAX_BODY_BYTES:
        raise EventError("body too large")
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        raise EventError("body is not JSON") from None
    if not isinstance(value, dict):
        raise EventError("body is not a JSON object")
    return value


def _obj(parent: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = parent.get(key)
    if not isinstance(value, Mapping):
        raise EventError(f"{key} missing or not an object")
    return value


def _str(parent: Mapping[str, Any], key: str, *, limit: int = MAX_ID) -> str:
    value = parent.get(key)
    if not isinstance(value, str) or not value:
        raise EventError(f"{key} missing or not a string")
    if len(value) > limit:
        raise EventError(f"{key} too long")
    return value


def _opt_str(parent: Mapping[str, Any], key: str, *, limit: int = MAX_ID) -> str | None:
    value = parent.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise EventError(f"{key} not a string")
    if len(value) > limit:
        raise EventError(f"{key} too long")
    return value


def parse(event: Mapping[str, Any], *, bot_open_id: str | None = None) -> FeishuEvent | None:
    """The event in a decoded (and already verified) body; None for a type we do not handle.

    `bot_open_id`: the app's own open_id, to tell its mention from a colleague's; when it is
    unknown, the mentions leading the text are taken as the bot's (in a group the bot only
    hears messages that @mention it).
    """
    if not isinstance(event, Mapping):
        raise EventError("event is not an object")
    if event.get("type") == "url_verification":
        return UrlVerification(_str(event, "challenge", limit=MAX_CHALLENGE))
    header = event.get("header")
    if not isinstance(header, Mapping):
        return None  # a v1 event or something else: none we subscribe to
    kind = header.get("event_type")
    if kind == "im.message.receive_v1":
        return _message(_str(header, "event_id"), _obj(event, "event"), bot_open_id)
    if kind == "card.action.trigger":
        return _card_action(_str(header, "event_id"), _obj(event, "event"))
    return None


def _message(event_id: str, body: Mapping[str, Any], bot_open_id: str | None) -> MessageEvent:
    sender_id = _obj(_obj(body, "sender"), "sender_id")
    message = _obj(body, "message")
    chat_type = _str(message, "chat_type")
    message_type = _str(message, "message_type")
    mentions = _mentions(message.get("mentions"))
    text, bot_keys = "", set[str]()
    if message_type == "text":
        raw = _content_text(message.get("content"))
        text, bot_keys = _command_text(raw, mentions, bot_open_id)
    return MessageEvent(
        event_id=event_id,
        chat_id=_str(message, "chat_id"),
        chat_type=chat_type,
        open_id=_str(sender_id, "open_id"),
        user_id=_opt_str(sender_id, "user_id"),
        message_id=_str(message, "message_id"),
        message_type=message_type,
        text=text,
        addressed=chat_type == "p2p" or bool(bot_keys),
        mentions=tuple(m for m in mentions if m.key not in bot_keys),
    )


def _content_text(content: Any) -> str:
    if not isinstance(content, str):
        raise EventError("content missing or not a string")
    if len(content) > 4 * MAX_TEXT:
        raise EventError("content too long")
    try:
        value = json.loads(content)
    except (ValueError, RecursionError):
        raise EventError("content is not JSON") from None
    if not isinstance(value, dict) or not isinstance(value.get("text"), str):
        raise EventError("content has no text")
    return str(value["text"])


def _mentions(raw: Any) -> list[Mention]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise EventError("mentions not a list")
    if len(raw) > MAX_MENTIONS:
        raise EventError("too many mentions")
    found = []
    for item in raw:
        if not isinstance(item, Mapping):
            raise EventError("mention not an object")
        ids = item.get("id")
        ids = ids if isinstance(ids, Mapping) else {}
        name = item.get("name")
        name = name if isinstance(name, str) else ""
        found.append(
            Mention(
                key=_str(item, "key", limit=32),
                open_id=_opt_str(ids, "open_id"),
                user_id=_opt_str(ids, "user_id"),
                name=_SPACES.sub(" ", _CONTROL.sub("", name)).strip()[:MAX_NAME],
            )
        )
    return found


def _command_text(
    raw: str, mentions: list[Mention], bot_open_id: str | None
) -> tuple[str, set[str]]:
    """The text with the bot's mention stripped and others' placeholders as `@name`, and the
    placeholder keys that were the bot's."""
    by_key = {m.key: m for m in mentions}
    text = raw[: 4 * MAX_TEXT]
    bot_keys: set[str] = set()
    if bot_open_id is None:
        # Unknown bot id: the placeholders that lead the text address the bot.
        while True:
            lead = _PLACEHOLDER.match(text.lstrip())
            if lead is None:
                break
            bot_keys.add(lead.group(0))
            text = text.lstrip()[lead.end() :]

    def swap(match: re.Match[str]) -> str:
        mention = by_key.get(match.group(0))
        if mention is None or match.group(0) in bot_keys:
            return ""
        if bot_open_id is not None and mention.open_id == bot_open_id:
            bot_keys.add(mention.key)
            return ""
        return f"@{mention.name}" if mention.name else ""

    text = _PLACEHOLDER.sub(swap, text)
    text = _SPACES.sub(" ", text).strip()
    return text[:MAX_TEXT], bot_keys


def _card_action(event_id: str, body: Mapping[str, Any]) -> CardAction:
    operator = _obj(body, "operator")
    action = _obj(body, "action")
    context = body.get("context")
    context = context if isinstance(context, Mapping) else {}
    value = action.get("value", {})
    if not isinstance(value, dict):
        raise EventError("action value not an object")
    form_value = action.get("form_value", {})
    if not isinstance(form_value, dict):
        raise EventError("form_value not an object")
    # The value comes back as we sent it, but it crossed the network: bound it.
    if len(json.dumps(value, ensure_ascii=False)) > MAX_TEXT:
        raise EventError("action value too large")
    if len(json.dumps(form_value, ensure_ascii=False)) > MAX_TEXT:
        raise EventError("form_value too large")
    return CardAction(
        event_id=event_id,
        value=value,
        operator_open_id=_str(operator, "open_id"),
        operator_user_id=_opt_str(operator, "user_id"),
        open_message_id=_str(context, "open_message_id"),
        open_chat_id=_opt_str(context, "open_chat_id"),
        tag=_opt_str(action, "tag", limit=32),
        option=_opt_str(action, "option"),
        input_value=_opt_str(action, "input_value", limit=MAX_TEXT),
        form_value=form_value,
    )
