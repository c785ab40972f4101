"""The DingTalk plugin against a small DingTalk written from the official docs and SDK only
(tests/official_dingtalk.py), NOT from tests/fake_dingtalk.py: what our code and our own fakes
agree on but the real service does differently shows up here."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from tests.official_dingtalk import BOT_TOPIC, CARD_TOPIC, GROUP, post_callback, running, shown


async def test_a_signed_http_callback_is_answered_at_its_session_webhook(tmp_path: Path) -> None:
    async with running(tmp_path, "http") as bot:
        assert await post_callback(bot, bot.message("@arcircle /ar 逾期")) == 200
        [answer] = bot.ding.session_posts
        assert answer["msgtype"] == "markdown" and answer["markdown"]["title"]
        assert "Northwind Trading" in shown(answer)
        assert bot.ding.sent == []  # nothing through the APIs
        # A wrong sign (another secret) is refused and runs nothing.
        assert await post_callback(bot, bot.message("@arcircle /ar 逾期"), secret="x") == 403
        assert bot.spy.seen == ["/ar 逾期"] and len(bot.ding.session_posts) == 1


async def test_an_expired_session_webhook_falls_back_to_the_group_api(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running(tmp_path, "http") as bot:
        assert await post_callback(bot, bot.message("@arcircle /ar whoami", valid=False)) == 200
        assert bot.ding.session_posts == []
        [(path, sent)] = bot.ding.sent
        assert path == "/v1.0/robot/groupMessages/send"
        assert sent["msgKey"] == "sampleMarkdown" and sent["openConversationId"] == GROUP
        assert "li.na" in sent["msgParam"]["text"] and sent["msgParam"]["title"]
        # A sessionWebhook on a host that is not DingTalk's: never called, the API answers.
        foreign = bot.message("@arcircle /ar whoami")
        foreign["sessionWebhook"] = "https://collector.example/robot/sendBySession?session=s3"
        with caplog.at_level(logging.INFO):
            assert await post_callback(bot, foreign) == 200
        assert len(bot.ding.sent) == 2 and bot.ding.session_posts == []
        # Logged by host only: the query holds the session.
        assert "collector.example" in caplog.text and "session=s3" not in caplog.text


async def test_a_stream_message_is_acked_in_the_sdk_shape_and_answered(tmp_path: Path) -> None:
    async with running(tmp_path, "stream") as bot:
        ack = await bot.ding.push("CALLBACK", BOT_TOPIC, bot.message("@arcircle /ar 逾期"))
        # AckMessage.to_dict: {code, headers {contentType, messageId}, message, data (a JSON
        # string)}; CallbackHandler.raw_process wraps the answer as {"response": …}.
        assert ack["code"] == 200
        assert ack["headers"]["messageId"] == ack["sent_message_id"]
        assert ack["headers"]["contentType"] == "application/json"
        assert isinstance(ack["data"], str) and "response" in json.loads(ack["data"])
        [answer] = bot.ding.session_posts
        assert "Northwind Trading" in shown(answer)
        # The open asked for the robot's and the cards' callbacks (stream.py open_connection).
        [opened] = bot.ding.opens
        assert {"type": "CALLBACK", "topic": BOT_TOPIC} in opened["subscriptions"]
        assert {"type": "CALLBACK", "topic": CARD_TOPIC} in opened["subscriptions"]
        assert isinstance(opened["ua"], str) and isinstance(opened["localIp"], str)
        # A ping is acked with its own data (SystemHandler.raw_process).
        pong = await bot.ding.push("SYSTEM", "ping", {"opaque": "o-1"})
        assert pong["code"] == 200 and json.loads(pong["data"]) == {"opaque": "o-1"}


async def test_a_card_button_over_stream_is_answered_and_updates_the_card(tmp_path: Path) -> None:
    async with running(tmp_path, "stream") as bot:
        # Its sessionWebhook expired, the answer with a button goes as an interactive card.
        await bot.ding.push("CALLBACK", BOT_TOPIC, bot.message("@arcircle /ar 逾期", valid=False))
        [(path, sent)] = bot.ding.sent
        assert path == "/v1.0/im/v1.0/robot/interactiveCards/send"
        assert sent["cardTemplateId"] == "StandardCard" and sent["openConversationId"] == GROUP
        card_id = sent["cardBizId"]
        actions = [
            a
            for c in bot.ding.cards[card_id]["contents"]
            if c.get("type") == "action"
            for a in c["actions"]
        ]
        [button] = [a for a in actions if a.get("actionType") == "request"]
        # The click (card_callback.py CardCallbackMessage: outTrackId, corpId, userId,
        # content a JSON string whose cardPrivateData holds actionIds and params).
        click = {
            "outTrackId": card_id,
            "corpId": "dingcorp",
            "userId": "lina02",
            "type": "actionCallback",
            "spaceType": "IM",
            "content": json.dumps({"cardPrivateData": {"actionIds": [button["id"]], "params": {}}}),
            "extension": "{}",
        }
        ack = await bot.ding.push("CALLBACK", CARD_TOPIC, click)
        assert ack["code"] == 200 and ack["headers"]["messageId"] == ack["sent_message_id"]
        assert bot.ding.updates == [card_id]  # the same card, updated in place
        assert "Northwind Trading" in json.dumps(bot.ding.cards[card_id], ensure_ascii=False)
        assert bot.spy.seen[-1] == "/ar customer C1"


async def test_a_replayed_msg_id_and_hostile_bodies_run_nothing_and_the_line_stays_up(
    tmp_path: Path,
) -> None:
    async with running(tmp_path, "stream") as bot:
        body = bot.message("@arcircle /ar whoami")
        first = await bot.ding.push("CALLBACK", BOT_TOPIC, body)
        again = await bot.ding.push("CALLBACK", BOT_TOPIC, dict(body))  # DingTalk's re-push
        assert first["code"] == again["code"] == 200
        assert bot.spy.seen == ["/ar whoami"] and len(bot.ding.session_posts) == 1
        hostile: list[dict[str, Any]] = [
            body | {"msgId": "h1", "text": {"content": ["not", "text"]}},
            body | {"msgId": "h2", "conversationType": "7"},
            body | {"msgId": None},
            body | {"msgId": "h3", "msgtype": "picture", "content": {"downloadCode": "x"}},
            body | {"msgId": "h4", "sessionWebhookExpiredTime": {"$gt": 0}, "atUsers": "all"},
        ]
        for item in hostile:
            ack = await bot.ding.push("CALLBACK", BOT_TOPIC, item)
            assert ack["code"] == 200  # taken (and ignored): DingTalk need not push it again
        # h4's fields that cannot be read are skipped: it runs, answered through the API.
        assert bot.spy.seen == ["/ar whoami", "/ar whoami"]
        [(path, _)] = bot.ding.sent
        assert path == "/v1.0/robot/groupMessages/send" and len(bot.ding.session_posts) == 1
        assert all("Traceback" not in shown(p) for p in bot.ding.session_posts)
        # Unknown card actions are ignored; the line is still up for the next message.
        junk = {"outTrackId": "x", "userId": "lina02", "content": '{"cardPrivateData": {}}'}
        assert (await bot.ding.push("CALLBACK", CARD_TOPIC, junk))["code"] == 200
        await bot.ding.push("CALLBACK", BOT_TOPIC, bot.message("@arcircle /ar whoami"))
        assert len(bot.spy.seen) == 3 and len(bot.ding.opens) == 1
