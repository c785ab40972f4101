"""Feishu/Lark callback security against a published vector and the documented formulas.

Sources (copied here as literals; tests never read outside the repository):
- The decryption known answer: nonebot/adapter-feishu `tests/test_feishu_utils.py`
  (test_aes: encrypt_key "test key" → "hello world"), the same example as Feishu's docs
  (open.feishu.cn, 事件订阅 › "配置 Encrypt Key": `{"encrypt": "P37w+VZImNgPEO1RBhJ6RtKl7n6zy
  mIbEG1pReEzghk="}` decrypts to "hello world" with the key "test key").
- The request signature: open.feishu.cn, 事件订阅 › "安全校验" (签名校验): X-Lark-Signature is
  the hex SHA-256 of X-Lark-Request-Timestamp + X-Lark-Request-Nonce + Encrypt Key + body.
- The custom robot sign: open.feishu.cn, "自定义机器人使用指南" › 签名校验: base64 of
  HMAC-SHA256 keyed by `timestamp + "\\n" + secret` over an empty message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.feishu.crypto import (
    MAX_BODY_BYTES,
    FeishuCryptoError,
    decrypt,
    encrypt,
    event_signature,
    open_request,
    robot_sign,
    verify_signature,
    verify_token,
)

VECTOR_KEY = "test key"
VECTOR_ENCRYPT = "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk="

KEY = "kP9x2cQ7encryptkeyfromconsole"
TOKEN = "v3rIf1cAt10nT0ken"
TS = "1764337200"
NONCE = "c0ffee-nonce-42"


def test_the_published_vector_decrypts_to_hello_world() -> None:
    assert decrypt(VECTOR_KEY, VECTOR_ENCRYPT) == "hello world"


def test_encrypt_then_decrypt_round_trips_unicode() -> None:
    sealed = encrypt(KEY, '{"text":"逾期 ¥1,200"}', iv=bytes(range(16)))
    assert base64.b64decode(sealed)[:16] == bytes(range(16))
    assert decrypt(KEY, sealed) == '{"text":"逾期 ¥1,200"}'


def test_signature_is_the_documented_sha256() -> None:
    body = b'{"encrypt":"abc"}'
    by_hand = hashlib.sha256(f"{TS}{NONCE}{KEY}".encode() + body).hexdigest()
    assert event_signature(TS, NONCE, KEY, body) == by_hand
    verify_signature(TS, NONCE, by_hand, KEY, body)
    verify_signature(TS, NONCE, by_hand.upper(), KEY, body)


def test_robot_sign_is_the_documented_hmac() -> None:
    key = b"1599360473\nsecretFromRobot"
    by_hand = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert robot_sign("secretFromRobot", 1599360473) == by_hand
    assert robot_sign("secretFromRobot", 1599360474) != by_hand


def test_token_v1_and_v2() -> None:
    verify_token({"token": TOKEN, "type": "url_verification"}, TOKEN)
    verify_token({"schema": "2.0", "header": {"token": TOKEN}}, TOKEN)
    with pytest.raises(FeishuCryptoError):
        verify_token({"schema": "2.0", "header": {"token": "other"}}, TOKEN)
    with pytest.raises(FeishuCryptoError):
        verify_token({"schema": "2.0", "header": {}}, TOKEN)
    with pytest.raises(FeishuCryptoError):
        verify_token({"token": 12345}, TOKEN)
    with pytest.raises(FeishuCryptoError, match="configured"):
        verify_token({"token": ""}, "")


def _event() -> dict[str, Any]:
    return {
        "schema": "2.0",
        "header": {
            "event_id": "5e3702a84e847582be8db7fb73283c02",
            "event_type": "im.message.receive_v1",
            "create_time": "1764337200000",
            "token": TOKEN,
            "app_id": "cli_9f5343c580712013",
            "tenant_key": "2ca1d211f64f6438",
        },
        "event": {},
    }


def _signed(plain: dict[str, Any], key: str = KEY) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"encrypt": encrypt(key, json.dumps(plain))}).encode()
    headers = {
        "X-Lark-Request-Timestamp": TS,
        "X-Lark-Request-Nonce": NONCE,
        "X-Lark-Signature": event_signature(TS, NONCE, key, body),
    }
    return body, headers


def test_a_signed_encrypted_event_opens() -> None:
    body, headers = _signed(_event())
    # Header names in any case, as a server may hand them over.
    lower = {k.lower(): v for k, v in headers.items()}
    opened = open_request(body, lower, encrypt_key=KEY, verification_token=TOKEN)
    assert opened["header"]["event_id"] == "5e3702a84e847582be8db7fb73283c02"


def test_a_plain_event_opens_without_an_encrypt_key() -> None:
    body = json.dumps(_event()).encode()
    opened = open_request(body, {}, encrypt_key="", verification_token=TOKEN)
    assert opened["header"]["event_type"] == "im.message.receive_v1"


def test_the_unsigned_challenge_opens_but_nothing_else_unsigned() -> None:
    challenge = {"challenge": "ajls384kdjx98XX", "token": TOKEN, "type": "url_verification"}
    body, _ = _signed(challenge)
    assert open_request(body, {}, encrypt_key=KEY, verification_token=TOKEN) == challenge
    body, _ = _signed(_event())
    with pytest.raises(FeishuCryptoError, match="signature missing"):
        open_request(body, {}, encrypt_key=KEY, verification_token=TOKEN)
    forged, _ = _signed({**challenge, "token": "forged"})
    with pytest.raises(FeishuCryptoError, match="token mismatch"):
        open_request(forged, {}, encrypt_key=KEY, verification_token=TOKEN)


def _tamper(case: str) -> tuple[bytes, dict[str, str]]:
    body, headers = _signed(_event())
    encrypted = json.loads(body)["encrypt"]
    raw = base64.b64decode(encrypted)

    def resealed(new: str) -> tuple[bytes, dict[str, str]]:
        # A correctly signed body with bad contents: only decryption can refuse it.
        again = json.dumps({"encrypt": new}).encode()
        return again, {**headers, "X-Lark-Signature": event_signature(TS, NONCE, KEY, again)}

    if case == "wrong signature":
        return body, {**headers, "X-Lark-Signature": "0" * 64}
    if case == "signature of another nonce":
        return body, {**headers, "X-Lark-Request-Nonce": "other"}
    if case == "body changed":
        return body.replace(b'"encrypt"', b'"encrypt" '), headers
    if case == "wrong token":
        event = _event()
        event["header"]["token"] = "forged"
        return _signed(event)
    if case == "wrong key":
        return _signed(_event(), key="someone else's key")
    if case == "non-base64 encrypt":
        return resealed("not base64 at all!!")
    if case == "truncated ciphertext":
        return resealed(base64.b64encode(raw[:-5]).decode())
    if case == "only an IV":
        return resealed(base64.b64encode(raw[:16]).decode())
    if case == "bad padding":
        # Flipping the IV's last byte flips the last plaintext byte of a one-block message.
        short = base64.b64decode(encrypt(KEY, "{}", iv=bytes(16)))
        bad = short[:15] + bytes([short[15] ^ 0x20]) + short[16:]
        return resealed(base64.b64encode(bad).decode())
    if case == "decrypts to non-JSON":
        return resealed(encrypt(KEY, "hello world"))
    if case == "not encrypted although a key is set":
        plain = json.dumps(_event()).encode()
        return plain, {**headers, "X-Lark-Signature": event_signature(TS, NONCE, KEY, plain)}
    if case == "body not JSON":
        return b"\xff\xfe", headers
    if case == "body too large":
        return b" " * (MAX_BODY_BYTES + 1), headers
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("wrong signature", "signature mismatch"),
        ("signature of another nonce", "signature mismatch"),
        ("body changed", "signature mismatch"),
        ("wrong token", "verification token mismatch"),
        ("wrong key", "signature mismatch"),
        ("non-base64 encrypt", "not base64"),
        ("truncated ciphertext", "whole AES blocks"),
        ("only an IV", "whole AES blocks"),
        ("bad padding", "bad padding"),
        ("decrypts to non-JSON", "not JSON"),
        ("not encrypted although a key is set", "not encrypted"),
        ("body not JSON", "not JSON"),
        ("body too large", "too large"),
    ],
)
def test_a_tampered_request_is_refused_without_leaking_secrets(case: str, reason: str) -> None:
    body, headers = _tamper(case)
    with pytest.raises(FeishuCryptoError, match=reason) as caught:
        open_request(body, headers, encrypt_key=KEY, verification_token=TOKEN)
    said = str(caught.value)
    assert KEY not in said and TOKEN not in said and "forged" not in said


def test_a_wrong_key_is_refused_by_decrypt_itself() -> None:
    # One block with a wrong key: PKCS#7 could pass by chance (1 in ~256), so try several IVs
    # and require that most are refused and none returns the plaintext.
    outcomes = []
    for i in range(16):
        sealed = encrypt(KEY, "hello world", iv=bytes([i]) * 16)
        try:
            outcomes.append(decrypt("wrong", sealed))
        except FeishuCryptoError:
            outcomes.append(None)
    assert "hello world" not in outcomes
    assert outcomes.count(None) >= 14


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(max_size=200) | st.binary(max_size=96).map(lambda b: base64.b64encode(b).decode())
)
def test_any_ciphertext_decrypts_or_is_a_crypto_error(text: str) -> None:
    try:
        plain = decrypt(KEY, text)
    except FeishuCryptoError:
        return
    assert isinstance(plain, str)
