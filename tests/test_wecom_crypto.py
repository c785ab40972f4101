"""WeCom callback crypto against published known-answer vectors.

Sources (copied here as literals; tests never read outside the repository):
- Tencent's official sample, GitHub sbzhu/weworkapi_python `callback/Sample.py` (commit
  27220fbe9d5251d46101e33751568eae9f413666): token hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo, key
  6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt, corp ww1436e0e65a779aee (示例一 URL
  verification, 示例二 sReqData; the decryption equals 示例三's sRespData).
- The older official values quoted in that file's docstring (token QDG6eK).
- wechatpy/wechatpy `tests/test_crypto.py` (MIT, 5b8502e3bc4abfee3abae77983e01633ed47cebf):
  check_signature (and its failing nonce 437374424), decrypt_message.
"""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.wecom.crypto import CryptoError, WecomCrypto, aes_key, signature
from tests.fake_wecom import SenderCrypto

OFFICIAL_TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
OFFICIAL_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
OFFICIAL_CORP = "ww1436e0e65a779aee"

# 示例一: GET verification.
VERIFY = {
    "msg_signature": "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb",
    "timestamp": "1476416373",
    "nonce": "47744683",
    "echostr": (
        "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="
    ),
}
VERIFY_PLAIN = "1288432023552776189"

# 示例二: an encrypted POST (pad byte 22: a 16-byte-block unpadder refuses it).
POST = {
    "msg_signature": "0c3914025cb4b4d68103f6bfc8db550f79dcf48e",
    "timestamp": "1476422779",
    "nonce": "1597212914",
    "encrypt": (
        "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AI"
        "jeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3"
        "dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilE"
        "bjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPG"
        "jUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKi"
        "ypE+"
    ),
}
POST_PLAIN = (
    "<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName>"
    "<CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content>"
    "<MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>"
)

# Docstring values of the same Sample.py (pad byte 30).
OLD_TOKEN, OLD_KEY, OLD_CORP = (
    "QDG6eK",
    "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
    "wx5823bf96d3bd56c7",
)
OLD_VERIFY = {
    "msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
    "timestamp": "1409659589",
    "nonce": "263014780",
    "echostr": (
        "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
    ),
}
OLD_VERIFY_PLAIN = "1616140317555161061"

# wechatpy tests/test_crypto.py.
WP_TOKEN, WP_KEY, WP_ID = (
    "123456",
    "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
    "wx49f0ab532d5d035a",
)
WP_CHECK = (
    "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96",
    "1411443780",
    "437374425",
    "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==",
)
WP_CHECK_PLAIN = "5927782489442352469"


def test_official_url_verification_decrypts_the_echostr() -> None:
    crypto = WecomCrypto(OFFICIAL_TOKEN, OFFICIAL_KEY, OFFICIAL_CORP)
    v = VERIFY
    crypto.verify(v["msg_signature"], v["timestamp"], v["nonce"], v["echostr"])
    assert crypto.decrypt(v["echostr"], check_id=OFFICIAL_CORP) == VERIFY_PLAIN


def test_official_post_verifies_and_decrypts_with_32_byte_padding() -> None:
    crypto = WecomCrypto(OFFICIAL_TOKEN, OFFICIAL_KEY, OFFICIAL_CORP)
    crypto.verify(POST["msg_signature"], POST["timestamp"], POST["nonce"], POST["encrypt"])
    assert crypto.decrypt(POST["encrypt"], check_id=OFFICIAL_CORP) == POST_PLAIN
    with pytest.raises(CryptoError, match="wrong receive id"):
        crypto.decrypt(POST["encrypt"], check_id="ww-someone-else")


def test_older_official_values_verify_and_decrypt() -> None:
    crypto = WecomCrypto(OLD_TOKEN, OLD_KEY)
    v = OLD_VERIFY
    crypto.verify(v["msg_signature"], v["timestamp"], v["nonce"], v["echostr"])
    assert crypto.decrypt(v["echostr"], check_id=OLD_CORP) == OLD_VERIFY_PLAIN


def test_wechatpy_signature_and_its_negative_case() -> None:
    crypto = WecomCrypto(WP_TOKEN, WP_KEY)
    sig, stamp, nonce, echostr = WP_CHECK
    crypto.verify(sig, stamp, nonce, echostr)
    assert crypto.decrypt(echostr, check_id=WP_ID) == WP_CHECK_PLAIN
    with pytest.raises(CryptoError, match="signature"):
        crypto.verify(sig, stamp, "437374424", echostr)


def test_signature_is_sha1_of_the_sorted_strings() -> None:
    assert (
        signature(OFFICIAL_TOKEN, POST["timestamp"], POST["nonce"], POST["encrypt"])
        == (POST["msg_signature"])
    )


@pytest.mark.parametrize(
    "key",
    ["", "short", OFFICIAL_KEY + "A", OFFICIAL_KEY[:-1] + "!"],
    ids=["empty", "short", "44 chars", "not base64"],
)
def test_a_malformed_aes_key_is_refused(key: str) -> None:
    with pytest.raises(CryptoError):
        aes_key(key)


def test_bad_padding_and_garbage_are_refused() -> None:
    crypto = WecomCrypto(OFFICIAL_TOKEN, OFFICIAL_KEY)
    raw = bytearray(base64.b64decode(POST["encrypt"]))
    raw[-1] ^= 0x55  # the last block decrypts to garbage: its padding is wrong
    with pytest.raises(CryptoError):
        crypto.decrypt(base64.b64encode(bytes(raw)).decode())
    with pytest.raises(CryptoError, match="base64"):
        crypto.decrypt("not base64 at all!")
    with pytest.raises(CryptoError, match="multiple"):
        crypto.decrypt(base64.b64encode(b"x" * 20).decode())


@given(st.text(max_size=300), st.sampled_from(["", "ww1436e0e65a779aee"]))
def test_bot_and_fake_sender_understand_each_other(message: str, receive_id: str) -> None:
    ours = WecomCrypto(OFFICIAL_TOKEN, OFFICIAL_KEY, receive_id)
    theirs = SenderCrypto(OFFICIAL_TOKEN, OFFICIAL_KEY, receive_id)
    assert ours.decrypt(theirs.encrypt(message), check_id=receive_id) == message
    assert theirs.decrypt(ours.encrypt(message)) == (message, receive_id)
