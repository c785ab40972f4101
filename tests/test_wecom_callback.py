"""The smart robot's callback end to end: an encrypted message from the fake WeCom in, the
decrypted passive reply (or the response_url post) out; tampered callbacks run nothing."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.wecom import render
from tests.fake_wecom import SenderCrypto
from tests.wecom_helpers import AES_KEY, GROUP, TOKEN, rig


def content(reply: dict[str, Any]) -> str:
    if reply.get("msgtype") == "stream":
        return str(reply["stream"]["content"])
    card = reply["template_card"]
    return json.dumps(card, ensure_ascii=False)


async def test_url_verification_answers_the_decrypted_echostr(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        echostr = r.wecom.crypto.encrypt("8765309123")
        stamp, nonce = str(r.wecom.now), "42"
        params = {
            "msg_signature": r.wecom.crypto.sign(TOKEN, stamp, nonce, echostr),
            "timestamp": stamp,
            "nonce": nonce,
            "echostr": echostr,
        }
        answer = await r.web.get("/wecom/callback", params=params)
        assert answer.status_code == 200 and answer.text == "8765309123"
        params["nonce"] = "43"
        assert (await r.web.get("/wecom/callback", params=params)).status_code == 403


@pytest.mark.parametrize(
    ("text", "chat"),
    [
        ("@arcircle /ar overdue", GROUP),
        ("@催收助手 逾期", GROUP),
        ("逾期", None),
        ("/ar 逾期", None),
    ],
    ids=["group-slash", "group-chinese", "dm-chinese", "dm-slash"],
)
async def test_a_command_round_trip(tmp_path: Path, text: str, chat: str | None) -> None:
    async with rig(tmp_path) as r:
        answer = await r.send(*r.wecom.text(text, user="LiNa", chat=chat))
        assert answer.status_code == 200
        reply = r.wecom.open_reply(answer.json())
        shown = content(reply)
        assert "Northwind Trading" in shown and "Old Mill Ltd" in shown
        assert r.spy.seen == [text.split(" ", 1)[1] if text.startswith("@") else text]


async def test_an_overdue_card_button_click_updates_the_card(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        answer = await r.send(*r.wecom.text("@arcircle /ar overdue", user="LiNa", chat=GROUP))
        card = r.wecom.open_reply(answer.json())["template_card"]
        assert card["card_type"] == "button_interaction"
        [button] = card["button_list"]
        assert render.command_of(button["key"]) == "/ar customer C1"
        click = r.wecom.click(button["key"], task_id=card["task_id"], user="LiNa", chat=GROUP)
        updated = r.wecom.open_reply((await r.send(*click)).json())
        assert updated["response_type"] == "update_template_card"
        assert updated["template_card"]["task_id"] == card["task_id"]
        assert "Northwind Trading" in json.dumps(updated["template_card"], ensure_ascii=False)
        assert r.spy.seen[-1] == "/ar customer C1"


async def test_a_slow_answer_goes_through_response_url(tmp_path: Path) -> None:
    async with rig(tmp_path, tuning={"wecom.passive_wait": 0.0}) as r:
        r.spy.gate = asyncio.Event()  # the answer is not ready within the wait
        answer = await r.send(*r.wecom.text("help", user="LiNa"))
        assert answer.status_code == 200 and answer.content == b""
        assert r.wecom.responses == []
        r.spy.gate.set()
        await r.messenger.callback.drain()
        [posted] = r.wecom.responses
        assert posted["msgtype"] == "markdown" and "/ar" in posted["markdown"]["content"]


def _tamper(encrypt: str, how: str) -> str:
    raw = bytearray(base64.b64decode(encrypt))
    if how == "padding":
        raw[-20] ^= 0xFF  # the last block decrypts to garbage
    return base64.b64encode(bytes(raw)).decode()


TAMPERED = [
    "signature",
    "stale",
    "future",
    "garbage",
    "padding",
    "receive_id",
    "not-json",
    "no-encrypt",
]


@pytest.mark.parametrize("how", TAMPERED)
async def test_a_tampered_callback_is_refused_and_runs_nothing(
    tmp_path: Path, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with rig(tmp_path, config=_with_receive_id(), receive_id="") as r:
        w = r.wecom
        message = w.text_message("逾期", user="LiNa")
        params, body = w.sealed(message, receive_id="aibot-1")
        encrypt = json.loads(body)["encrypt"]
        if how == "signature":
            params["msg_signature"] = "0" * 40
        elif how == "stale":
            params, body = w.sealed(message, timestamp=w.now - 600, receive_id="aibot-1")
        elif how == "future":
            params, body = w.sealed(message, timestamp=w.now + 600, receive_id="aibot-1")
        elif how in ("garbage", "padding"):
            bad = "!!notbase64!!" if how == "garbage" else _tamper(encrypt, how)
            body = json.dumps({"encrypt": bad}).encode()
            params["msg_signature"] = w.crypto.sign(
                TOKEN, params["timestamp"], params["nonce"], bad
            )
        elif how == "receive_id":
            params, body = w.sealed(message, receive_id="someone-else")
        elif how == "not-json":
            bad = SenderCrypto(TOKEN, AES_KEY, "aibot-1").encrypt("not json")
            body = json.dumps({"encrypt": bad}).encode()
            params["msg_signature"] = w.crypto.sign(
                TOKEN, params["timestamp"], params["nonce"], bad
            )
        elif how == "no-encrypt":
            body = b'{"msg": 1}'
        with caplog.at_level(logging.WARNING):
            answer = await r.send(params, body)
        assert 400 <= answer.status_code < 500
        assert r.spy.seen == []
        logged = caplog.text
        assert "refused" in logged
        for secret in (TOKEN, AES_KEY, encrypt):
            assert secret not in logged


def _with_receive_id() -> str:
    from tests.wecom_helpers import CONFIG

    return CONFIG.replace("    enabled: true\n", "    enabled: true\n    receive_id: aibot-1\n")


async def test_a_replayed_msgid_runs_once(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        sealed = r.wecom.text("逾期", user="LiNa", msgid="msg-777")
        first = await r.send(*sealed)
        again = await r.send(*sealed)
        assert first.status_code == 200 and first.content
        assert again.status_code == 200 and again.content == b""  # WeCom stops retrying
        assert r.spy.seen == ["逾期"]


async def test_a_stranger_is_told_how_to_be_added(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        answer = await r.send(*r.wecom.text("逾期", user="Nobody"))
        shown = content(r.wecom.open_reply(answer.json()))
        assert "may see receivables" in shown


def test_user_text_never_becomes_markup() -> None:
    hostile = '# h\n  # h2\n<@all> [x](http://evil) **b** `c` <font color="warning">'
    out = render.escape(hostile)
    for mark in ("<", ">", "[", "]", "**", "`"):
        assert mark not in out
    assert not any(line.lstrip().startswith("#") for line in out.split("\n"))
    assert render.escape("Case #1") == "Case #1"


@pytest.mark.parametrize(
    "odd",
    [
        {"msgtype": "text", "text": "not an object", "from": {"userid": "LiNa"}},
        {"msgtype": "text", "text": {"content": "逾期"}, "from": "LiNa"},
        {"msgtype": "event", "event": ["x"], "from": {"userid": "LiNa"}},
        {
            "msgtype": "event",
            "event": {
                "eventtype": "template_card_event",
                "template_card_event": {"event_key": "not-ours"},
            },
            "from": {"userid": "LiNa"},
        },
        {"msgtype": "image", "image": {"url": "http://x"}, "from": {"userid": "LiNa"}},
    ],
    ids=["text-not-object", "from-not-object", "event-not-object", "foreign-key", "image"],
)
async def test_odd_messages_get_an_empty_200_and_run_nothing(
    tmp_path: Path, odd: dict[str, Any]
) -> None:
    async with rig(tmp_path) as r:
        answer = await r.send(*r.wecom.sealed({"msgid": "odd-1", **odd}))
        assert answer.status_code == 200 and answer.content == b""
        assert r.spy.seen == []
