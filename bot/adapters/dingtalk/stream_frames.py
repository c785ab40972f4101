"""DingTalk Stream mode's wire format: the connections/open request and answer, the frames the
gateway pushes, and the acks we send back.

Sources: the official SDK dingtalk-stream 0.24.3 (`stream.py` open_connection/route_message,
`frames.py` Headers/SystemMessage/CallbackMessage/EventMessage/AckMessage, `handlers.py`
CallbackHandler/SystemHandler.raw_process, `chatbot.py` ChatbotMessage.TOPIC) and the protocol
description "Stream 模式协议" (open.dingtalk.com/document/direction/stream-mode-protocol-access-
description; open-dingtalk.github.io/developerpedia/docs/learn/stream/protocol). The SDK's
frame classes and constants are reused; only the bounds and the error handling are ours.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from dingtalk_stream.chatbot import ChatbotMessage
from dingtalk_stream.frames import (
    AckMessage,
    CallbackMessage,
    EventMessage,
    Headers,
    SystemMessage,
)
from dingtalk_stream.handlers import CallbackHandler
from dingtalk_stream.version import VERSION_STRING

OPEN_PATH = "/v1.0/gateway/connections/open"
BOT_TOPIC: str = ChatbotMessage.TOPIC  # /v1.0/im/bot/messages/get
CARD_TOPIC: str = CallbackHandler.TOPIC_CARD_CALLBACK  # /v1.0/card/instances/callback
PING_TOPIC = "ping"
DISCONNECT_TOPIC: str = SystemMessage.TOPIC_DISCONNECT
SYSTEM: str = SystemMessage.TYPE
CALLBACK: str = CallbackMessage.TYPE
EVENT: str = EventMessage.TYPE

OK: int = AckMessage.STATUS_OK
BAD_REQUEST: int = AckMessage.STATUS_BAD_REQUEST
SYSTEM_ERROR: int = AckMessage.STATUS_SYSTEM_EXCEPTION

MAX_FRAME_BYTES = 1024 * 1024  # the WebSocket layer drops the line above this
MAX_DATA_CHARS = 256 * 1024  # a frame's `data` JSON string; robot bodies are far smaller
MAX_ENDPOINT = 2048
MAX_TICKET = 1024
MAX_MESSAGE_ID = 256

_ERROR_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


class OpenRefused(Exception):
    """connections/open said no in a way no retry can fix (credentials, app not allowed)."""


class OpenFailed(Exception):
    """connections/open failed for now (5xx, 429, a malformed answer): retry later."""


class FrameError(ValueError):
    """A pushed frame we cannot act on; `message_id` when one could be read (to ack it)."""

    def __init__(self, reason: str, message_id: str | None = None) -> None:
        super().__init__(reason)
        self.message_id = message_id


def open_body(app_key: str, app_secret: str, local_ip: str = "") -> dict[str, Any]:
    """The body the SDK's open_connection posts, with our two callback topics."""
    return {
        "clientId": app_key,
        "clientSecret": app_secret,
        "subscriptions": [
            {"type": CALLBACK, "topic": BOT_TOPIC},
            {"type": CALLBACK, "topic": CARD_TOPIC},
        ],
        "ua": f"arcircle dingtalk-sdk-python/v{VERSION_STRING}-union",
        "localIp": local_ip,
    }


def _error_code(body: Any) -> str:
    """DingTalk's error `code` when it is a short token (never the message: it may echo input)."""
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, str) and _ERROR_CODE.match(code) else ""


def parse_open_answer(status: int, body: Any) -> tuple[str, str]:
    """(endpoint, ticket) out of connections/open's answer; OpenRefused / OpenFailed otherwise.

    401/403 are refused credentials; 400/404 mean a wrong app key, a malformed request or an app
    without Stream mode: none heals by retrying. 408, 429 and 5xx are passing.
    """
    code = _error_code(body)
    label = f"HTTP {status}" + (f", {code}" if code else "")
    if status in (400, 401, 403, 404):
        raise OpenRefused(label)
    if status != 200:
        raise OpenFailed(label)
    if not isinstance(body, dict):
        raise OpenFailed("the answer is not a JSON object")
    endpoint, ticket = body.get("endpoint"), body.get("ticket")
    if not isinstance(endpoint, str) or not endpoint.startswith(("wss://", "ws://")):
        raise OpenFailed("the answer has no ws(s):// endpoint")
    if len(endpoint) > MAX_ENDPOINT or any(c.isspace() for c in endpoint):
        raise OpenFailed("the endpoint is malformed")
    if not isinstance(ticket, str) or not ticket or len(ticket) > MAX_TICKET:
        raise OpenFailed("the answer has no usable ticket")
    return endpoint, ticket


def connect_url(endpoint: str, ticket: str) -> str:
    """`endpoint?ticket=...` as the SDK builds it (quote_plus on the ticket)."""
    joiner = "&" if "?" in endpoint else "?"
    return f"{endpoint}{joiner}ticket={quote_plus(ticket)}"


@dataclass(frozen=True)
class Frame:
    kind: str  # SYSTEM | CALLBACK | EVENT
    topic: str
    message_id: str
    data: Any  # `data` decoded from its JSON string


_KINDS = frozenset({SYSTEM, CALLBACK, EVENT})


def _data(value: Any, message_id: str) -> Any:
    """A frame's `data`: the SDK sends and expects a JSON string (frames.py from_dict
    json.loads it); an already decoded object is taken as it is, an empty one is {}."""
    if value is None or value == "":
        return {}
    if isinstance(value, (dict, list)):
        return value
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        raise FrameError("data is neither a JSON string nor an object", message_id)
    if len(value) > MAX_DATA_CHARS:
        raise FrameError("data is too large", message_id)
    try:
        return json.loads(value)
    except ValueError as exc:
        raise FrameError("data is not JSON", message_id) from exc


def parse_frame(raw: str | bytes) -> Frame:
    """One pushed frame, bounded and type-checked. Read the way the SDK's frames.py reads it
    (type, headers.messageId, headers.topic, data), without its `int(headers["time"])`: a
    header we do not use cannot refuse a frame, nor can unknown fields."""
    try:
        outer = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FrameError("not JSON") from exc
    if not isinstance(outer, dict):
        raise FrameError("not a JSON object")
    headers = outer.get("headers")
    if not isinstance(headers, dict):
        raise FrameError("no headers")
    message_id = headers.get("messageId")
    if isinstance(message_id, int) and not isinstance(message_id, bool):
        message_id = str(message_id)
    if not isinstance(message_id, str) or not message_id or len(message_id) > MAX_MESSAGE_ID:
        raise FrameError("no usable messageId")
    kind = outer.get("type")
    if not isinstance(kind, str) or kind.upper() not in _KINDS:
        raise FrameError("unknown frame type", message_id)
    topic = headers.get("topic")
    if not isinstance(topic, str) or not topic or len(topic) > MAX_ENDPOINT:
        raise FrameError("no topic", message_id)
    data = _data(outer.get("data"), message_id)
    return Frame(kind=kind.upper(), topic=topic, message_id=message_id, data=data)


def ack(message_id: str, code: int, message: str, data: Any) -> str:
    """The ack frame (SDK AckMessage.to_dict): `data` goes out as a JSON string."""
    frame = AckMessage()
    frame.code = code
    frame.headers.message_id = message_id
    frame.headers.content_type = Headers.CONTENT_TYPE_APPLICATION_JSON
    frame.message = message
    frame.data = data
    return json.dumps(frame.to_dict(), ensure_ascii=False)


def event_ack(message_id: str) -> str:
    """An EVENT's ack: the Go SDK (open-dingtalk/dingtalk-stream-sdk-go event/event.go,
    NewEventProcessResultSuccess) answers `{"status": "SUCCESS", "message": "success"}`."""
    return ack(message_id, OK, "OK", {"status": "SUCCESS", "message": "success"})


def callback_ack(message_id: str, response: Any, code: int = OK, message: str = "OK") -> str:
    """A CALLBACK's ack: the SDK's CallbackHandler.raw_process wraps the answer as
    `{"response": answer}` (for a card callback, the card's new data)."""
    return ack(message_id, code, message, {"response": response})
