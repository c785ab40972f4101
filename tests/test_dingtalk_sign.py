"""DingTalk signatures against values computed here from the documented formulas.

Callback: open.dingtalk.com 企业内部机器人接收消息 — sign = Base64(HmacSHA256(key=appSecret,
data=timestamp + "\\n" + appSecret)). Custom robot: open.dingtalk.com 自定义机器人安全设置 —
sign = urlEncode(Base64(HmacSHA256(key=secret, data=timestamp + "\\n" + secret))).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.adapters.dingtalk.sign import (
    SignatureError,
    callback_sign,
    check_callback,
    signed_webhook_url,
    webhook_sign,
)

SECRET = "SEC-test-app-secret-0123456789abcdef"
NOW = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
TS = 1795867200000  # NOW in milliseconds


def documented(secret: str, timestamp_ms: int) -> str:
    string_to_sign = (str(timestamp_ms) + "\n" + secret).encode("utf-8")
    mac = hmac.new(secret.encode("utf-8"), string_to_sign, digestmod=hashlib.sha256).digest()
    return base64.b64encode(mac).decode("ascii")


def test_now_is_the_fixed_timestamp() -> None:
    assert int(NOW.timestamp() * 1000) == TS


def test_callback_sign_matches_the_documented_formula() -> None:
    assert callback_sign(SECRET, TS) == documented(SECRET, TS)
    assert callback_sign(SECRET, TS) != callback_sign(SECRET, TS + 1)


def test_a_genuine_callback_is_accepted() -> None:
    headers = {"timestamp": str(TS), "sign": documented(SECRET, TS)}
    assert check_callback(headers, SECRET, NOW) == TS


def test_header_names_are_case_insensitive_and_a_59_minute_old_callback_passes() -> None:
    old = TS - 59 * 60 * 1000
    headers = {"Timestamp": str(old), "Sign": documented(SECRET, old)}
    assert check_callback(headers, SECRET, NOW) == old


HOUR_AND_A_BIT = 60 * 60 * 1000 + 1


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"timestamp": str(TS), "sign": documented("another-secret", TS)}, "does not match"),
        ({"timestamp": str(TS), "sign": documented(SECRET, TS)[:-2] + "AA"}, "does not match"),
        ({"timestamp": str(TS + 1), "sign": documented(SECRET, TS)}, "does not match"),
        (
            {
                "timestamp": str(TS - HOUR_AND_A_BIT),
                "sign": documented(SECRET, TS - HOUR_AND_A_BIT),
            },
            "an hour",
        ),
        (
            {
                "timestamp": str(TS + HOUR_AND_A_BIT),
                "sign": documented(SECRET, TS + HOUR_AND_A_BIT),
            },
            "an hour",
        ),
        ({"timestamp": "17958672OO000", "sign": documented(SECRET, TS)}, "not a number"),
        ({"timestamp": "-1", "sign": documented(SECRET, TS)}, "not a number"),
        ({"timestamp": "１７９５", "sign": documented(SECRET, TS)}, "not a number"),
        ({"timestamp": "9" * 40, "sign": documented(SECRET, TS)}, "too long"),
        ({"timestamp": str(TS), "sign": ""}, "empty or too long"),
        ({"timestamp": str(TS), "sign": "x" * 10_000}, "empty or too long"),
        ({"timestamp": str(TS), "sign": "签名"}, "does not match"),
        ({"sign": documented(SECRET, TS)}, "timestamp header is missing"),
        ({"timestamp": str(TS)}, "sign header is missing"),
        ({}, "missing"),
    ],
)
def test_tampered_callbacks_are_refused_without_leaking_the_secret(
    headers: dict[str, str], reason: str
) -> None:
    with pytest.raises(SignatureError, match=reason) as caught:
        check_callback(headers, SECRET, NOW)
    assert SECRET not in str(caught.value)
    assert documented(SECRET, TS) not in str(caught.value)


def test_no_secret_configured_refuses_everything() -> None:
    with pytest.raises(SignatureError, match="no app secret"):
        check_callback({"timestamp": str(TS), "sign": documented("", TS)}, "", NOW)


def test_a_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        check_callback(
            {"timestamp": str(TS), "sign": documented(SECRET, TS)}, SECRET, NOW.replace(tzinfo=None)
        )


def test_webhook_sign_is_the_url_encoded_documented_value() -> None:
    raw = documented(SECRET, TS)
    expected = raw.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    assert "%3D" in expected  # 32 bytes of HMAC always end in one "=" pad
    assert webhook_sign(SECRET, TS) == expected


def test_signed_webhook_url_carries_timestamp_and_sign() -> None:
    base = "https://oapi.dingtalk.com/robot/send?access_token=abc123"
    url = signed_webhook_url(base, SECRET, NOW + timedelta(milliseconds=7))
    assert url.startswith(base + "&timestamp=")
    query = parse_qs(urlsplit(url).query)
    assert query["access_token"] == ["abc123"]
    assert query["timestamp"] == [str(TS + 7)]
    # parse_qs undoes the URL encoding: what DingTalk decodes must be the plain base64 value.
    assert query["sign"] == [documented(SECRET, TS + 7)]


def test_a_webhook_without_secret_is_refused() -> None:
    with pytest.raises(SignatureError):
        signed_webhook_url("https://oapi.dingtalk.com/robot/send?access_token=x", "", NOW)
