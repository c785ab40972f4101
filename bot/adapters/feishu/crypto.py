"""Feishu/Lark event-callback security: signature, decryption, verification token, robot sign.

What this follows (open.feishu.cn, 开发者文档 › 事件订阅 › "配置 Encrypt Key" / "接收事件" and
"自定义机器人使用指南" › 签名校验):
- With an Encrypt Key set, the body is `{"encrypt": "<base64>"}`; key = SHA-256(Encrypt Key),
  AES-256-CBC, IV = the first 16 bytes of the base64-decoded data, PKCS#7 padding;
- `X-Lark-Signature` = hex SHA-256 of (X-Lark-Request-Timestamp + X-Lark-Request-Nonce +
  Encrypt Key + the raw body bytes);
- the verification token sits in `token` (v1 events, url_verification) or `header.token` (v2);
- a custom group robot signs with base64 HMAC-SHA256 keyed by `timestamp + "\\n" + secret`
  over an empty message, timestamp in seconds.

Why not lark-oapi here: it installs (1.7.5), but for these few lines it would bring
pycryptodome, requests and websockets beside our `cryptography`, its dispatcher compares the
signature with `!=` (not constant time) and fails with a TypeError when a header is missing.
Its WebSocket client may still serve the long-connection mode later.

Every failure is a `FeishuCryptoError` whose text holds no key, token, body or plaintext.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# Feishu's events are a few KiB; a cap keeps a hostile body from costing memory or CPU.
MAX_BODY_BYTES = 512 * 1024
BLOCK = 16

TIMESTAMP_HEADER = "X-Lark-Request-Timestamp"
NONCE_HEADER = "X-Lark-Request-Nonce"
SIGNATURE_HEADER = "X-Lark-Signature"


class FeishuCryptoError(ValueError):
    """The request is not Feishu's: bad signature or token, undecryptable or oversized body."""


def event_signature(timestamp: str, nonce: str, encrypt_key: str, body: bytes) -> str:
    return hashlib.sha256((timestamp + nonce + encrypt_key).encode("utf-8") + body).hexdigest()


def verify_signature(
    timestamp: str, nonce: str, signature: str, encrypt_key: str, body: bytes
) -> None:
    expected = event_signature(timestamp, nonce, encrypt_key, body)
    # Constant time: the signature is what an attacker can probe for.
    if not hmac.compare_digest(expected.encode("ascii"), signature.strip().lower().encode()):
        raise FeishuCryptoError("signature mismatch")


def _aes_key(encrypt_key: str) -> bytes:
    if not encrypt_key:
        raise FeishuCryptoError("no Encrypt Key configured")
    return hashlib.sha256(encrypt_key.encode("utf-8")).digest()


def decrypt(encrypt_key: str, encrypted: str) -> str:
    """The plaintext (JSON text) inside an event's `encrypt` field."""
    if len(encrypted) > MAX_BODY_BYTES:
        raise FeishuCryptoError("ciphertext too long")
    try:
        data = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError):
        raise FeishuCryptoError("ciphertext is not base64") from None
    # The IV and at least one block of ciphertext, whole blocks only.
    if len(data) < 2 * BLOCK or len(data) % BLOCK:
        raise FeishuCryptoError("ciphertext length is not whole AES blocks")
    iv, body = data[:BLOCK], data[BLOCK:]
    decryptor = Cipher(algorithms.AES(_aes_key(encrypt_key)), modes.CBC(iv)).decryptor()
    padded = decryptor.update(body) + decryptor.finalize()
    pad = padded[-1]
    if not 1 <= pad <= BLOCK or padded[-pad:] != bytes([pad]) * pad:
        raise FeishuCryptoError("bad padding (wrong Encrypt Key?)")
    try:
        return padded[:-pad].decode("utf-8")
    except UnicodeDecodeError:
        raise FeishuCryptoError("plaintext is not UTF-8") from None


def encrypt(encrypt_key: str, plaintext: str, *, iv: bytes | None = None) -> str:
    """Feishu's side of `decrypt`, for the fake server and tests."""
    vector = iv if iv is not None else os.urandom(BLOCK)
    body = plaintext.encode("utf-8")
    pad = BLOCK - len(body) % BLOCK
    encryptor = Cipher(algorithms.AES(_aes_key(encrypt_key)), modes.CBC(vector)).encryptor()
    sealed = encryptor.update(body + bytes([pad]) * pad) + encryptor.finalize()
    return base64.b64encode(vector + sealed).decode("ascii")


def event_token(event: Mapping[str, Any]) -> str | None:
    """The verification token an event carries: v2 `header.token`, else v1 `token`."""
    header = event.get("header")
    if isinstance(header, Mapping) and isinstance(header.get("token"), str):
        return str(header["token"])
    token = event.get("token")
    return token if isinstance(token, str) else None


def verify_token(event: Mapping[str, Any], verification_token: str) -> None:
    if not verification_token:
        raise FeishuCryptoError("no verification token configured")
    token = event_token(event)
    if token is None or not hmac.compare_digest(
        token.encode("utf-8"), verification_token.encode("utf-8")
    ):
        raise FeishuCryptoError("verification token mismatch")


def robot_sign(secret: str, timestamp: int) -> str:
    """The `sign` of a custom group robot's webhook message (timestamp in seconds)."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def _header(headers: Mapping[str, str], name: str) -> str | None:
    # HTTP headers are case-insensitive; a plain dict from a test or framework may not be.
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _json_object(text: str | bytes) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise FeishuCryptoError("body is not JSON") from None
    if not isinstance(value, dict):
        raise FeishuCryptoError("body is not a JSON object")
    return value


def open_request(
    body: bytes,
    headers: Mapping[str, str],
    *,
    encrypt_key: str,
    verification_token: str,
) -> dict[str, Any]:
    """The decoded event of an HTTP callback, checked; FeishuCryptoError when it is not Feishu's.

    With an Encrypt Key set, a signed request has its signature checked before anything is
    decrypted. The official SDK (lark-oapi's EventDispatcherHandler) checks no signature on the
    url_verification challenge, so the challenge may come unsigned: an unsigned request is
    decrypted and accepted only when it is that challenge with the right token.
    """
    if len(body) > MAX_BODY_BYTES:
        raise FeishuCryptoError("body too large")
    outer = _json_object(body)
    if encrypt_key:
        encrypted = outer.get("encrypt")
        if not isinstance(encrypted, str):
            raise FeishuCryptoError("an Encrypt Key is set but the body is not encrypted")
        timestamp = _header(headers, TIMESTAMP_HEADER)
        nonce = _header(headers, NONCE_HEADER)
        signature = _header(headers, SIGNATURE_HEADER)
        signed = False
        if timestamp is not None and nonce is not None and signature is not None:
            verify_signature(timestamp, nonce, signature, encrypt_key, body)
            signed = True
        event = _json_object(decrypt(encrypt_key, encrypted))
        if not signed and event.get("type") != "url_verification":
            raise FeishuCryptoError("signature missing")
    else:
        event = outer
    verify_token(event, verification_token)
    return event
