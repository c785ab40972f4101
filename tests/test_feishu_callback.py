"""Feishu's HTTP callback end to end: an event from the fake Feishu (encrypted and signed, or
plain with the token only), the answer through the fake Open API; tampered requests run
nothing and log no secret."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from tests.fake_feishu import lark_signature, seal
from tests.feishu_helpers import ENCRYPT_KEY, GROUP, TOKEN, rig


def shown(sent: list[Any]) -> str:
    return "\n".join(s.card_text() if s.msg_type == "interactive" else s.text for s in sent)


async def test_url_verification_is_answered_with_the_challenge(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        event = {"challenge": "ch-4711", "token": TOKEN, "type": "url_verification"}
        answer = await r.post(event)
        assert answer.status_code == 200 and answer.json() == {"challenge": "ch-4711"}
        # The wrong token: refused, no challenge echoed.
        bad = await r.post({**event, "token": "not-it"})
        assert bad.status_code == 403 and "ch-4711" not in bad.text


async def test_url_verification_without_an_encrypt_key(tmp_path: Path) -> None:
    async with rig(tmp_path, encrypt=False) as r:
        event = {"challenge": "ch-1", "token": TOKEN, "type": "url_verification"}
        answer = await r.post(event)
        assert answer.json() == {"challenge": "ch-1"}
        no_token = await r.post({"challenge": "ch-1", "type": "url_verification"})
        assert no_token.status_code == 403


@pytest.mark.parametrize(
    ("text", "chat_type", "mention"),
    [
        ("@_user_1 /ar 逾期", "group", True),
        ("@_user_1 逾期", "group", True),
        ("@_user_1 /ar overdue", "group", True),
        ("逾期", "p2p", False),
    ],
    ids=["group-slash", "group-chinese", "group-english", "p2p"],
)
async def test_a_command_round_trip(
    tmp_path: Path, text: str, chat_type: str, mention: bool
) -> None:
    async with rig(tmp_path) as r:
        sent = await r.say(
            text, user="lina01", chat_type=chat_type, mention_bot=mention, chat="oc_dm01"
        )
        assert sent, "an answer went back"
        assert all(s.reply_to is not None and s.reply_to.startswith("om_in") for s in sent)
        text_shown = shown(sent)
        assert "Northwind Trading" in text_shown and "Old Mill Ltd" in text_shown
        assert r.spy.seen == [text.removeprefix("@_user_1 ")]
        # A group answer opens a thread under the question; a direct chat has none.
        assert all(s.in_thread == (chat_type == "group") for s in sent)


async def test_slash_and_bare_commands_give_the_same_answer(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        one = shown(await r.say("@_user_1 /ar 逾期", user="lina01"))
        two = shown(await r.say("@_user_1 逾期", user="lina01"))
        assert one == two and "Northwind Trading" in one


async def test_a_group_message_without_the_bot_mention_runs_nothing(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        sent = await r.say("逾期", user="lina01", mention_bot=False)
        assert sent == [] and r.spy.seen == []
        # The bot's name typed by hand still counts.
        sent = await r.say("@arcircle 逾期", user="lina01", mention_bot=False)
        assert sent and r.spy.seen == ["逾期"]


async def test_whoami_names_the_feishu_user(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        sent = await r.say("@_user_1 /ar whoami", user="lina01")
        text = shown(sent)
        assert "li.na" in text or "李娜" in text
        # Known by open_id only (no user_id scope): still that person.
        sent = await r.say("@_user_1 /ar whoami", user=None, open_id="ou_tom0000000001")
        assert "tom.baker" in shown(sent) or "Tom Baker" in shown(sent)


def _tamper_sign(r: Any, body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    return body, {**headers, "X-Lark-Signature": "0" * 64}


def _tamper_body(r: Any, body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    # A body re-encrypted after signing: the signature no longer covers it.
    event = json.dumps({"x": 1})
    return json.dumps({"encrypt": seal(ENCRYPT_KEY, event)}).encode(), headers


def _wrong_key(r: Any, body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    # Signed correctly with our key, but encrypted with another: does not decrypt.
    plain = json.dumps({"header": {"event_id": "e"}})
    new = json.dumps({"encrypt": seal("another-key", plain)}).encode()
    stamp, nonce = headers["X-Lark-Request-Timestamp"], headers["X-Lark-Request-Nonce"]
    return new, {**headers, "X-Lark-Signature": lark_signature(stamp, nonce, ENCRYPT_KEY, new)}


def _garbage(r: Any, body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    new = json.dumps({"encrypt": "not base64 at all!!"}).encode()
    stamp, nonce = headers["X-Lark-Request-Timestamp"], headers["X-Lark-Request-Nonce"]
    return new, {**headers, "X-Lark-Signature": lark_signature(stamp, nonce, ENCRYPT_KEY, new)}


def _unsigned(r: Any, body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    return body, {"content-type": "application/json"}


def _oversize(r: Any, body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    return b'{"encrypt": "' + b"A" * (600 * 1024) + b'"}', headers


@pytest.mark.parametrize(
    ("tamper", "status"),
    [
        (_tamper_sign, 401),
        (_tamper_body, 401),
        (_unsigned, 401),
        (_wrong_key, 400),
        (_garbage, 400),
        (_oversize, 413),
    ],
    ids=["bad-signature", "body-swapped", "unsigned", "wrong-key", "not-base64", "oversize"],
)
async def test_tampered_requests_run_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, tamper: Any, status: int
) -> None:
    caplog.set_level(logging.INFO)
    async with rig(tmp_path) as r:
        event = r.feishu.message("@_user_1 /ar 逾期", user_id="lina01")
        body, headers = r.feishu.sealed(event)
        body, headers = tamper(r, body, headers)
        answer = await r.web.post("/feishu/events", content=body, headers=headers)
        await r.drain()
        assert answer.status_code == status
        assert r.spy.seen == [] and r.feishu.sent == []
        logged = caplog.text
        assert "callback refused" in logged
        assert ENCRYPT_KEY not in logged and TOKEN not in logged


async def test_a_wrong_token_inside_a_good_signature_is_refused(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        event = r.feishu.message("@_user_1 逾期", user_id="lina01")
        event["header"]["token"] = "someone-elses-token"
        answer = await r.post(event)
        assert answer.status_code == 403 and r.spy.seen == []


async def test_plain_events_need_the_token(tmp_path: Path) -> None:
    async with rig(tmp_path, encrypt=False) as r:
        event = r.feishu.message("@_user_1 逾期", user_id="lina01")
        assert (await r.post(event)).status_code == 200
        await r.drain()
        assert r.spy.seen == ["逾期"]
        event = r.feishu.message("@_user_1 逾期", user_id="lina01")
        event["header"]["token"] = "nope"
        assert (await r.post(event)).status_code == 403
        assert r.spy.seen == ["逾期"]


async def test_a_replayed_event_id_runs_once(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        event = r.feishu.message("@_user_1 逾期", user_id="lina01", event_id="ev-same")
        for _ in range(3):
            answer = await r.post(event)
            assert answer.status_code == 200
        await r.drain()
        assert r.spy.seen == ["逾期"]
        assert len(r.feishu.sent) == 1


async def test_a_stale_event_runs_nothing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with rig(tmp_path) as r:
        event = r.feishu.message("@_user_1 逾期", user_id="lina01")
        two_days = int(r.clock.now().timestamp() - 2 * 86400) * 1000
        event["header"]["create_time"] = str(two_days)
        answer = await r.post(event)
        await r.drain()
        assert answer.status_code == 200 and r.spy.seen == [] and r.feishu.sent == []
        assert "older than 12 hours" in caplog.text
        # A card callback's create_time in microseconds, two days old: ignored too.
        click = r.feishu.click({"ar": "/ar help"}, user_id="lina01", message_id="om_1")
        click["header"]["create_time"] = str(two_days * 1000)
        assert (await r.post(click)).json() == {} and r.spy.seen == []
        # Six hours old (Feishu's last retry): still handled.
        event = r.feishu.message("@_user_1 逾期", user_id="lina01")
        event["header"]["create_time"] = str(int(r.clock.now().timestamp() - 6 * 3600) * 1000)
        await r.post(event)
        await r.drain()
        assert r.spy.seen == ["逾期"]


async def test_an_unexpected_error_says_sorry_with_a_ref(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with rig(tmp_path) as r:
        r.spy.fail = True
        sent = await r.say("@_user_1 逾期", user="lina01")
        [answer] = sent
        assert "Sorry, something went wrong (ref " in answer.text
        assert "secret-detail" not in answer.text and "Traceback" not in answer.text
        ref = answer.text.split("(ref ")[1].rstrip(").")
        assert ref in caplog.text


async def test_mention_injection_in_a_name_does_not_ping(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        # A customer name typed by the user is echoed escaped: no <at> tag can be formed.
        typed = '@_user_1 /ar customer <at user_id="all"></at>'
        sent = await r.say(typed, user="lina01")
        assert sent and all(s.msg_type == "text" for s in sent)  # no markdown in text
        text = shown(sent)
        assert "<at" not in text and "＜at" in text


async def test_unknown_card_value_is_ignored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with rig(tmp_path) as r:
        answer = await r.click({"other": "thing"}, user="lina01", message_id="om_x")
        assert r.spy.seen == [] and "toast" in answer
        assert "not ours, ignored" in caplog.text
        # A value that is ours but not a command: ignored as well.
        await r.click({"ar": "rm -rf /"}, user="lina01", message_id="om_x")
        assert r.spy.seen == []


async def test_a_button_click_answers_with_a_toast_or_a_reply(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        card_mid = (await r.say("@_user_1 逾期", user="lina01"))[0].message_id
        answer = await r.click({"ar": "/ar customer C1"}, user="lina01", message_id=card_mid)
        assert answer["toast"]["type"] in ("info", "success")
        replies = [s for s in r.feishu.sent if s.reply_to == card_mid]
        assert replies, "the customer card followed in the thread"
        assert r.spy.seen[-1] == "/ar customer C1"
        _ = GROUP


async def test_a_card_answer_escapes_markdown_from_outside(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        sent = await r.say("@_user_1 /ar customer C1", user="lina01")
        [card] = [s for s in sent if s.msg_type == "interactive"]
        assert "Northwind Trading" in card.card_text()
