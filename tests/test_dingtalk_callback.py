"""The app robot's HTTP callback end to end against the fake DingTalk: signed messages in,
answers out through the sessionWebhook (or the API once it expired); tampered callbacks run
nothing; a card button updates its card."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.dingtalk import cards
from tests.dingtalk_helpers import APP_SECRET, GROUP, Rig, rig


def shown(post: dict[str, Any]) -> str:
    return str(post["markdown"]["text"])


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("@arcircle /ar overdue", GROUP),
        ("@催收助手 逾期", GROUP),
        ("@arcircle\u2005逾期", GROUP),
        ("逾期", None),
        ("/ar 逾期", None),
    ],
    ids=["group-slash", "group-chinese", "group-em-space", "dm-chinese", "dm-slash"],
)
async def test_a_command_round_trip(tmp_path: Path, text: str, group: str | None) -> None:
    async with rig(tmp_path) as r:
        await r.say(text, user="lina02", group=group)
        # The answer comes at the message's sessionWebhook (it takes no card: the list's
        # button shows its command to type); nothing through the API.
        [post] = r.ding.session_posts
        body = shown(post)
        assert "Northwind Trading" in body and "Old Mill Ltd" in body
        assert "/ar customer C1" in body
        assert r.ding.cards == {} and r.ding.group_messages == r.ding.direct_messages == []
        expected = text.split(" ", 1)[1] if text.startswith("@arcircle ") else text
        if text.startswith("@催收助手"):
            expected = "逾期"
        if "\u2005" in text:
            expected = "逾期"
        assert r.spy.seen == [expected]


async def test_slash_and_bare_commands_answer_the_same(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        await r.say("@arcircle /ar whoami", user="lina02")
        await r.say("@arcircle whoami", user="lina02")
        first, second = (shown(p) for p in r.ding.session_posts)
        assert first == second and "li.na" in first


async def test_the_answer_uses_the_session_webhook_only_while_valid(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        await r.say("@arcircle help", user="lina02")
        assert len(r.ding.session_posts) == 1 and r.ding.group_messages == []
        await r.say("@arcircle help", user="lina02", expired=True)
        assert len(r.ding.session_posts) == 1, "an expired sessionWebhook is never called"
        [sent] = r.ding.group_messages
        assert sent["openConversationId"] == GROUP and "/ar" in sent["msgParam"]["text"]
        # One to one, expired: the one-to-one API to the sender.
        await r.say("help", user="lina02", group=None, expired=True)
        [direct] = r.ding.direct_messages
        assert direct["userIds"] == ["lina02"]


async def test_a_group_message_not_for_the_robot_runs_nothing(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        body = r.ding.message("逾期", user="lina02", group=GROUP, at_robot=False)
        assert (await r.post(body)).status_code == 200
        assert r.spy.seen == [] and r.ding.session_posts == []


async def bad_requests(r: Rig) -> dict[str, tuple[int, Any]]:
    good = r.ding.message("@arcircle help", user="lina02", group=GROUP)
    stamp = r.ding.now_ms
    return {
        "wrong sign": (403, await r.post(good, r.ding.headers(secret="not-the-secret"))),
        "stale timestamp": (
            403,
            await r.post(good, r.ding.headers(timestamp=stamp - 3600_001)),
        ),
        "future timestamp": (
            403,
            await r.post(good, r.ding.headers(timestamp=stamp + 3600_001)),
        ),
        "no headers": (403, await r.post(good, {"x-other": "1"})),
        "sign only": (403, await r.post(good, {"sign": r.ding.headers()["sign"]})),
        "oversize": (413, await r.post(b"{" + b" " * 70_000 + b"}")),
        "not JSON": (400, await r.post(b"<xml>hello</xml>")),
    }


async def test_tampered_callbacks_are_refused_and_run_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with rig(tmp_path) as r:
        with caplog.at_level(logging.DEBUG):
            results = await bad_requests(r)
        for what, (status, answer) in results.items():
            assert answer.status_code == status, what
        assert r.spy.seen == [] and r.ding.session_posts == []
        assert set(r.ding.calls) <= {"token"}, "nothing was sent for a refused callback"
        assert APP_SECRET not in caplog.text
        assert r.ding.headers()["sign"] not in caplog.text


async def test_a_replayed_msg_id_is_answered_200_and_runs_nothing(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        body = r.ding.message("@arcircle help", user="lina02", group=GROUP, msg_id="msgREPLAY1")
        assert (await r.post(body)).status_code == 200
        r.clock.advance(timedelta(minutes=10))
        assert (await r.post(body)).status_code == 200
        assert r.spy.seen == ["help"] and len(r.ding.session_posts) == 1


async def test_a_card_button_updates_its_card_in_place(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        # Its sessionWebhook expired: the answer with a button goes as a card, by the API.
        await r.say("@arcircle /ar overdue", user="lina02", expired=True)
        [card_id] = r.ding.cards
        [button] = r.ding.buttons(card_id)
        assert cards.command_of(button["id"]) == "/ar customer C1"
        await r.click(card_id, button["id"], user="lina02")
        card = r.ding.cards[card_id]
        assert card.updates == 1 and len(r.ding.cards) == 1
        assert "Northwind Trading" in r.ding.card_text(card_id)
        assert r.spy.seen[-1] == "/ar customer C1"
        # The same click again at once (DingTalk's retry) runs nothing more.
        await r.click(card_id, button["id"], user="lina02")
        assert card.updates == 1 and r.spy.seen.count("/ar customer C1") == 1


async def test_a_retried_click_across_a_block_boundary_runs_once(tmp_path: Path) -> None:
    """A click and DingTalk's retry of it a moment later, whatever second they fall on."""
    from datetime import timedelta

    from bot.adapters.dingtalk.inbound import DEDUP_WINDOW

    async with rig(tmp_path) as r:
        await r.say("@arcircle /ar overdue", user="lina02", expired=True)
        [card_id] = r.ding.cards
        [button] = r.ding.buttons(card_id)
        now = r.clock.now().timestamp()
        to_edge = DEDUP_WINDOW - (now % DEDUP_WINDOW) - 0.1  # just before a block ends
        r.clock.advance(timedelta(seconds=to_edge))
        await r.click(card_id, button["id"], user="lina02")
        r.clock.advance(timedelta(seconds=0.2))  # the retry, in the next block
        await r.click(card_id, button["id"], user="lina02")
        assert r.spy.seen.count("/ar customer C1") == 1
        # A new click two blocks later is a new click.
        r.clock.advance(timedelta(seconds=2 * DEDUP_WINDOW))
        await r.click(card_id, button["id"], user="lina02")
        assert r.spy.seen.count("/ar customer C1") == 2


async def test_an_unknown_card_action_is_ignored_with_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with rig(tmp_path) as r:
        await r.say("@arcircle /ar overdue", user="lina02", expired=True)
        [card_id] = r.ding.cards
        with caplog.at_level(logging.INFO):
            await r.click(card_id, "button_1646816888257", user="lina02")
            forged = "ar_" + "L2FyIGN1c3RvbWVyIEMx"[:-2]  # a truncated command
            await r.click(card_id, forged, user="lina02")
        assert r.spy.seen == ["/ar overdue"]
        assert r.ding.cards[card_id].updates == 0
        assert "card action that is not ours" in caplog.text


async def test_no_traceback_reaches_the_chat(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        r.spy.fail = True
        await r.say("@arcircle help", user="lina02")
        [post] = r.ding.session_posts
        assert "Sorry, something went wrong (ref " in shown(post)
        assert "boom" not in shown(post) and "Traceback" not in shown(post)


async def test_outside_text_cannot_mention_or_link(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        await r.say("@arcircle /ar customer [x](http://evil) @all @manager4220", user="lina02")
        [post] = r.ding.session_posts
        text = shown(post)
        assert "](" not in text and "@all" not in text and "@manager4220" not in text
        assert post["at"]["atUserIds"] == []


async def test_a_refusing_session_webhook_falls_back_to_the_api(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        r.ding.script("session", 130101)
        await r.say("@arcircle help", user="lina02")
        assert r.ding.session_posts == []
        [sent] = r.ding.group_messages
        assert sent["openConversationId"] == GROUP and "/ar" in sent["msgParam"]["text"]
