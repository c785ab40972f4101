"""WeCom's callback cryptography (企业微信 回调 加解密), for the smart robot's JSON callbacks.

What this follows (WeCom's "加解密方案说明" and the official sample sbzhu/weworkapi_python
`callback/WXBizMsgCrypt.py`, the same scheme as its `callback_python3` JSON variant):
- msg_signature = hex SHA-1 of the sorted concatenation of token, timestamp, nonce and the
  ciphertext (for URL verification the ciphertext is `echostr`);
- AESKey = base64decode(EncodingAESKey + "="): 43 characters give 32 bytes (AES-256);
- AES-256-CBC, IV = AESKey[:16]; the plaintext is 16 random bytes, the message length as
  4 bytes big-endian, the message, then the receive id (the CorpID for an app, the empty
  string for an internal smart robot); PKCS#7 padding to a 32-byte block (not AES's 16:
  pad bytes up to 32 occur, so a 16-byte unpadder refuses valid messages).

Every failure is a `CryptoError` whose text holds no key, token or plaintext.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32


class CryptoError(ValueError):
    """The callback is not WeCom's: bad signature, bad ciphertext, bad padding, wrong id."""


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte key of a 43-character EncodingAESKey; CryptoError when it is not one."""
    text = encoding_aes_key.strip()
    if len(text) != 43:
        raise CryptoError("the EncodingAESKey must be 43 characters")
    try:
        key = base64.b64decode(text + "=", validate=True)
    except (binascii.Error, ValueError):
        raise CryptoError("the EncodingAESKey is not base64") from None
    if len(key) != 32:
        raise CryptoError("the EncodingAESKey does not decode to 32 bytes")
    return key


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    parts = sorted([token, timestamp, nonce, encrypted])
    return hashlib.sha1("".join(parts).encode("utf-8")).hexdigest()


class WecomCrypto:
    def __init__(self, token: str, encoding_aes_key: str, receive_id: str = "") -> None:
        self._token = token
        self._key = aes_key(encoding_aes_key)
        self._receive_id = receive_id

    def verify(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> None:
        expected = signature(self._token, timestamp, nonce, encrypted)
        # Constant time: the signature is the only thing an attacker can probe for.
        if not hmac.compare_digest(expected, msg_signature.strip().lower()):
            raise CryptoError("signature mismatch")

    def decrypt(self, encrypted: str, *, check_id: str | None = None) -> str:
        """The message inside `encrypted`. `check_id`: the receive id it must carry (None:
        not checked, for an internal smart robot whose receive id is empty)."""
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError):
            raise CryptoError("ciphertext is not base64") from None
        if not data or len(data) % 16:
            raise CryptoError("ciphertext length is not a multiple of the AES block")
        decryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16])).decryptor()
        padded = decryptor.update(data) + decryptor.finalize()
        pad = padded[-1]
        if not 1 <= pad <= BLOCK or padded[-pad:] != bytes([pad]) * pad:
            raise CryptoError("bad padding")
        plain = padded[:-pad]
        if len(plain) < 20:
            raise CryptoError("message too short")
        (length,) = struct.unpack(">I", plain[16:20])
        if 20 + length > len(plain):
            raise CryptoError("bad message length")
        try:
            message = plain[20 : 20 + length].decode("utf-8")
            receive_id = plain[20 + length :].decode("utf-8")
        except UnicodeDecodeError:
            raise CryptoError("message is not UTF-8") from None
        if check_id is not None and not hmac.compare_digest(receive_id.encode(), check_id.encode()):
            raise CryptoError("wrong receive id")
        return message

    def encrypt(self, message: str, *, random_prefix: bytes | None = None) -> str:
        prefix = random_prefix if random_prefix is not None else os.urandom(16)
        body = message.encode("utf-8")
        plain = prefix + struct.pack(">I", len(body)) + body + self._receive_id.encode("utf-8")
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        encryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16])).encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")

    def sign(self, timestamp: str, nonce: str, encrypted: str) -> str:
        return signature(self._token, timestamp, nonce, encrypted)
