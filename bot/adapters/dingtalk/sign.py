"""DingTalk's two HMAC-SHA256 signatures: the app robot's callback and the custom robot's webhook.

Both formulas are the same HMAC; what differs is who signs and where the value travels.
No wall clock here: the caller passes `now`, so a replay window is testable with a fake clock.
Every failure is a `SignatureError` whose text holds no secret and no signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import quote_plus, unquote

# DingTalk refuses (and tells receivers to refuse) callbacks more than an hour off.
MAX_SKEW_MS = 60 * 60 * 1000
# A millisecond timestamp has 13 digits until the year 2286; bound hostile headers well before.
MAX_TIMESTAMP_DIGITS = 16
MAX_SIGN_LENGTH = 128


class SignatureError(ValueError):
    """The request is not DingTalk's: a missing, malformed, stale or wrong signature."""


def _hmac_b64(secret: str, timestamp_ms: int) -> str:
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def now_ms(now: datetime) -> int:
    """Milliseconds since the epoch of an aware datetime (the injected clock's reading)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return int(now.timestamp() * 1000)


def callback_sign(app_secret: str, timestamp_ms: int) -> str:
    """The `sign` header DingTalk sends with an app robot's HTTP callback.

    Source: open.dingtalk.com 企业内部机器人接收消息
    (https://open.dingtalk.com/document/orgapp/receive-message),
    "校验签名": sign = Base64(HmacSHA256(key=appSecret, data=timestamp + "\\n" + appSecret)),
    where timestamp is the `timestamp` header in milliseconds.
    """
    return _hmac_b64(app_secret, timestamp_ms)


def _header(headers: Mapping[str, str], name: str) -> str:
    # HTTP header names are case-insensitive; frameworks differ in how they hand them over.
    for key, value in headers.items():
        if key.lower() == name:
            return value
    raise SignatureError(f"the {name} header is missing")


def check_callback(headers: Mapping[str, str], app_secret: str, now: datetime) -> int:
    """Accept an HTTP callback's `timestamp` and `sign` headers or raise `SignatureError`.

    Returns the timestamp (ms). Refused: a missing header, a timestamp that is not a number,
    one more than an hour before or after `now` (the documented one-hour window, which also
    bounds replays), and a sign that differs (compared in constant time).
    """
    if not app_secret:
        raise SignatureError("no app secret is configured")
    raw_timestamp = _header(headers, "timestamp").strip()
    raw_sign = _header(headers, "sign").strip()
    if not raw_timestamp.isascii() or not raw_timestamp.isdigit():
        raise SignatureError("the timestamp header is not a number of milliseconds")
    if len(raw_timestamp) > MAX_TIMESTAMP_DIGITS:
        raise SignatureError("the timestamp header is too long")
    if not raw_sign or len(raw_sign) > MAX_SIGN_LENGTH:
        raise SignatureError("the sign header is empty or too long")
    timestamp_ms = int(raw_timestamp)
    if abs(now_ms(now) - timestamp_ms) > MAX_SKEW_MS:
        raise SignatureError("the timestamp is more than an hour away from now")
    expected = callback_sign(app_secret, timestamp_ms).encode("ascii")
    # DingTalk sends the base64 as it is; a proxy may have percent-encoded it (as the custom
    # robot's sign is in its URL), so that form is accepted too.
    candidates = {raw_sign, unquote(raw_sign)} if "%" in raw_sign else {raw_sign}
    if not any(hmac.compare_digest(expected, c.encode("utf-8", "replace")) for c in candidates):
        raise SignatureError("the sign header does not match")
    return timestamp_ms


def webhook_sign(secret: str, timestamp_ms: int) -> str:
    """The URL-encoded `sign` query value of a custom robot (自定义机器人) webhook.

    Source: open.dingtalk.com 自定义机器人安全设置, 加签
    (https://open.dingtalk.com/document/robots/customize-robot-security-settings):
    string_to_sign = timestamp + "\\n" + secret (timestamp in milliseconds); sign =
    urlEncode(Base64(HmacSHA256(key=secret, data=string_to_sign))), UTF-8.
    """
    return quote_plus(_hmac_b64(secret, timestamp_ms))


def signed_webhook_url(webhook_url: str, secret: str, now: datetime) -> str:
    """The webhook URL with `&timestamp=...&sign=...` appended, signed at `now`.

    DingTalk accepts the signature for an hour after `timestamp`, so sign just before sending.
    """
    if not secret:
        raise SignatureError("no webhook secret is configured")
    timestamp_ms = now_ms(now)
    separator = "&" if "?" in webhook_url else "?"
    sign = webhook_sign(secret, timestamp_ms)
    return f"{webhook_url}{separator}timestamp={timestamp_ms}&sign={sign}"
