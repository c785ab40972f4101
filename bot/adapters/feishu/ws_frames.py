"""The wire format of Feishu's long connection: pbbp2 `Frame`s (the SDK's own protobuf class),
the endpoint answer, the pushed ClientConfig and the combining of split payloads.

Source: lark-oapi 1.7.5, lark_oapi/ws/{client.py,const.py,enum.py,model.py,pb/pbbp2_pb2.py}.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lark_oapi.ws.pb.pbbp2_pb2 import Frame

ENDPOINT_PATH = "/callback/ws/endpoint"  # const.GEN_ENDPOINT_URI

# Endpoint answer codes (const.py): the SDK raises ServerException (retried) for these two and
# ClientException (fatal: bad credentials, app disabled, ...) for any other non-zero code.
OK = 0
RETRYABLE_CODES = frozenset({1, 1000040343})  # SYSTEM_BUSY, INTERNAL_ERROR
# WebSocket handshake refusals carry these headers (client._parse_ws_conn_exception):
# 403 is fatal; 514 is fatal only with auth error code EXCEED_CONN_LIMIT.
HANDSHAKE_STATUS = "handshake-status"
HANDSHAKE_AUTH_ERRCODE = "handshake-autherrcode"
FORBIDDEN = 403
AUTH_FAILED = 514
EXCEED_CONN_LIMIT = 1000040350

CONTROL, DATA = 0, 1  # enum.FrameType
PING, PONG, EVENT, CARD = "ping", "pong", "event", "card"  # enum.MessageType

MAX_FRAME = 2 * 1024 * 1024  # one WebSocket message
MAX_PAYLOAD = 1024 * 1024  # one event after combining
MAX_PARTS = 64
MAX_PENDING = 64  # split messages waiting for their other parts
PART_TTL = 5.0  # the SDK keeps parts 5 s (client._combine)


@dataclass(frozen=True)
class ClientConfig:
    """Seconds, as the endpoint and every pong send them; ReconnectCount -1 means forever.
    Defaults are the SDK's until the server says otherwise."""

    ReconnectCount: int = -1
    ReconnectInterval: float = 120.0
    ReconnectNonce: float = 30.0
    PingInterval: float = 120.0

    def merged(self, raw: object) -> ClientConfig:
        """A config updated by the fields of `raw` that are sane numbers; the rest kept."""
        if not isinstance(raw, dict):
            return self
        changes: dict[str, Any] = {}
        for name in ("ReconnectCount", "ReconnectInterval", "ReconnectNonce", "PingInterval"):
            value = raw.get(name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            if name == "ReconnectCount":
                changes[name] = max(-1, min(int(value), 10_000))
            else:
                changes[name] = max(0.0, min(float(value), 3600.0))
        return replace(self, **changes) if changes else self


class EndpointError(Exception):
    """The endpoint refused; `fatal` when retrying cannot help. The text holds no secret."""

    def __init__(self, text: str, *, fatal: bool) -> None:
        super().__init__(text)
        self.fatal = fatal


@dataclass(frozen=True)
class Endpoint:
    url: str  # carries tokens in its query: never log it
    service_id: int
    config: ClientConfig

    @property
    def where(self) -> str:
        """The URL without its query, for log lines."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.hostname}{parts.path}"


def parse_endpoint(status: int, body: bytes, base: ClientConfig) -> Endpoint:
    """The answer of POST /callback/ws/endpoint → where to connect, or EndpointError."""
    if status != 200:
        raise EndpointError(f"endpoint answered HTTP {status}", fatal=False)
    if len(body) > 64 * 1024:
        raise EndpointError("endpoint answer too large", fatal=False)
    try:
        doc = json.loads(body)
    except ValueError:
        raise EndpointError("endpoint answer is not JSON", fatal=False) from None
    if not isinstance(doc, dict):
        raise EndpointError("endpoint answer is not an object", fatal=False)
    code = doc.get("code")
    if code != OK:
        shown = code if isinstance(code, int) else "?"
        fatal = not (isinstance(code, int) and code in RETRYABLE_CODES)
        raise EndpointError(f"endpoint refused with code {shown}", fatal=fatal)
    data = doc.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("URL"), str):
        raise EndpointError("endpoint answer has no URL", fatal=False)
    url: str = data["URL"]
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    service = (query.get("service_id") or [""])[0]
    if parts.scheme not in ("ws", "wss") or not parts.hostname or not service.isdigit():
        raise EndpointError("endpoint answer has an unusable URL", fatal=False)
    return Endpoint(url=url, service_id=int(service), config=base.merged(data.get("ClientConfig")))


def decode(raw: bytes) -> Frame:
    """One frame from the wire; ValueError when it is not a well-formed pbbp2 Frame."""
    if len(raw) > MAX_FRAME:
        raise ValueError("frame too large")
    frame = Frame()
    try:
        frame.ParseFromString(raw)
    except Exception as exc:  # protobuf's DecodeError and friends
        raise ValueError("frame does not parse") from exc
    if not frame.IsInitialized():
        raise ValueError("frame misses a required field")
    return frame


def header(frame: Frame, key: str) -> str | None:
    for item in frame.headers:
        if item.key == key:
            return str(item.value)
    return None


def ping(service_id: int) -> bytes:
    """client._new_ping_frame."""
    frame = Frame(SeqID=0, LogID=0, service=service_id, method=CONTROL)
    frame.headers.add(key="type", value=PING)
    return bytes(frame.SerializeToString())


def ack(frame: Frame, *, code: int, answer: dict[str, Any] | None, biz_rt_ms: int) -> bytes:
    """The frame sent back with a `biz_rt` header and the JSON Response as payload: the
    handler's answer is base64 of its JSON in "data" (client._handle_data_frame)."""
    out = Frame()
    out.CopyFrom(frame)
    out.headers.add(key="biz_rt", value=str(max(0, biz_rt_ms)))
    response: dict[str, Any] = {"code": code}
    if answer is not None:
        encoded = json.dumps(answer, ensure_ascii=False).encode()
        response["data"] = base64.b64encode(encoded).decode("ascii")
    out.payload = json.dumps(response, ensure_ascii=False).encode()
    return bytes(out.SerializeToString())


class Combiner:
    """Joins a payload split over `sum` frames by `message_id` and `seq` (client._combine),
    with bounds: parts expire, few messages wait at once, the whole stays under MAX_PAYLOAD."""

    def __init__(self) -> None:
        self._waiting: dict[str, tuple[float, list[bytes | None]]] = {}

    def add(self, message_id: str, total: int, seq: int, part: bytes) -> bytes | None:
        """The whole payload when this part completes it, else None; ValueError when bad."""
        if not 1 < total <= MAX_PARTS or not 0 <= seq < total or not message_id:
            raise ValueError("bad part numbering")
        now = time.monotonic()
        self._expire(now)
        entry = self._waiting.get(message_id)
        if entry is None or len(entry[1]) != total:
            if len(self._waiting) >= MAX_PENDING:
                raise ValueError("too many split messages waiting")
            entry = (now + PART_TTL, [None] * total)
            self._waiting[message_id] = entry
        parts = entry[1]
        parts[seq] = part
        if sum(len(p) for p in parts if p is not None) > MAX_PAYLOAD:
            del self._waiting[message_id]
            raise ValueError("split payload too large")
        if any(p is None for p in parts):
            return None
        del self._waiting[message_id]
        return b"".join(p for p in parts if p is not None)

    def _expire(self, now: float) -> None:
        for key in [k for k, (deadline, _) in self._waiting.items() if deadline < now]:
            del self._waiting[key]
