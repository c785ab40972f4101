"""DingTalk robot messages, card callbacks and markdown payloads, from realistic bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.adapters.dingtalk.events import EventError, parse_card_callback, parse_message
from bot.adapters.dingtalk.markdown import build, escape
from bot.adapters.dingtalk.webhooks import WebhookPolicy

NOW = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
NOW_MS = 1795867200000


def group_message(**overrides: Any) -> dict[str, Any]:
    """Shaped like the documented 企业内部机器人接收消息 body of an @mention in a group."""
    body: dict[str, Any] = {
        "conversationId": "cidz8G0Hx2mLqJ0hYtT2rqG3A==",
        "atUsers": [
            {"dingtalkId": "$:LWCP_v1:$botbotbot"},
            {"dingtalkId": "$:LWCP_v1:$lead", "staffId": "lead01"},
        ],
        "chatbotCorpId": "dingcorp123",
        "chatbotUserId": "$:LWCP_v1:$botbotbot",
        "msgId": "msgQ5tZ1v8m2Bj3lQH1u0w==",
        "senderNick": "张三",
        "isAdmin": False,
        "senderStaffId": "manager4220",
        "sessionWebhookExpiredTime": NOW_MS + 5_400_000,
        "createAt": NOW_MS - 1000,
        "senderCorpId": "dingcorp123",
        "conversationType": "2",
        "senderId": "$:LWCP_v1:$sender",
        "conversationTitle": "应收催收群",
        "isInAtList": True,
        "sessionWebhook": "https://oapi.dingtalk.com/robot/sendBySession?session=abc",
        "text": {"content": "@arcircle /ar 逾期"},
        "robotCode": "dingrobot123",
        "msgtype": "text",
    }
    body.update(overrides)
    return body


def test_a_group_mention_is_parsed() -> None:
    message = parse_message(json.dumps(group_message(), ensure_ascii=False).encode())
    assert message.msg_id == "msgQ5tZ1v8m2Bj3lQH1u0w=="
    assert message.is_group
    assert message.sender_staff_id == "manager4220"
    assert message.sender_nick == "张三"
    assert message.is_in_at_list
    assert [u.staff_id for u in message.at_users] == [None, "lead01"]
    assert message.robot_code == "dingrobot123"
    assert message.command == "/ar 逾期"


@pytest.mark.parametrize(
    ("content", "command"),
    [
        ("@arcircle /ar 逾期", "/ar 逾期"),
        ("@arcircle 逾期", "逾期"),
        (" 逾期", "逾期"),  # DingTalk often strips the mention itself and leaves the space
        ("@arcircle\u2005逾期", "逾期"),
        ("@arcircle @lead01 /ar 逾期", "/ar 逾期"),
        ("逾期 @lead01", "逾期 @lead01"),
        ("@arcircle", ""),
        ("   ", ""),
    ],
)
def test_the_leading_mention_is_stripped(content: str, command: str) -> None:
    assert parse_message(group_message(text={"content": content})).command == command


def test_mention_with_or_without_ar_reaches_the_same_verb() -> None:
    with_ar = parse_message(group_message(text={"content": "@bot /ar 逾期"})).command
    without = parse_message(group_message(text={"content": "@bot 逾期"})).command
    assert with_ar.removeprefix("/ar ") == without


def test_a_direct_message() -> None:
    message = parse_message(
        group_message(conversationType="1", isInAtList=False, text={"content": "逾期"})
    )
    assert not message.is_group
    assert message.command == "逾期"


def test_a_session_webhook_outside_the_allowed_hosts_is_dropped_not_the_message() -> None:
    dingtalk = ("https://oapi.dingtalk.com/",)
    assert parse_message(group_message(), webhook_prefixes=dingtalk).session_webhook
    message = parse_message(
        group_message(sessionWebhook="https://oapi.dingtalk.com.evil.example/x?session=s"),
        webhook_prefixes=dingtalk,
    )
    # The command still runs; its answer goes through the API, never to that host.
    assert message.command == "/ar 逾期"
    assert message.session_webhook is None and not message.session_webhook_valid(NOW)
    assert message.dropped_webhook_host == "oapi.dingtalk.com.evil.example"
    fake = parse_message(
        group_message(sessionWebhook="http://127.0.0.1:8765/robot/sendBySession?session=s"),
        webhook_prefixes=("http://127.0.0.1:8765/",),
    )
    assert fake.session_webhook_valid(NOW)


@pytest.mark.parametrize(
    ("base", "url", "allowed"),
    [
        ("", "https://oapi.dingtalk.com/robot/sendBySession?session=s", True),
        ("", "http://oapi.dingtalk.com/robot/sendBySession?session=s", False),
        ("", "https://oapi.dingtalk.com.evil.example/x", False),
        ("", "https://oapi.dingtalk.com@evil.example/x", False),
        ("", "http://127.0.0.1:9/x", False),  # no loopback unless the base is loopback
        ("https://proxy.example/dt", "https://proxy.example/dt/session/1", True),
        ("https://proxy.example/dt", "https://proxy.example/other", False),
        ("http://127.0.0.1:8000", "http://127.0.0.1:9999/robot/sendBySession?s=1", True),
        ("http://127.0.0.1:8000", "http://localhost:9999/x", True),
        ("http://localhost:8000", "https://[::1]:9999/x", True),
        ("http://127.0.0.1:8000", "http://127.0.0.1@evil.example/x", False),
        ("http://127.0.0.1:8000", "http://evil.example/x", False),
        ("http://127.0.0.1:8000", "ftp://127.0.0.1/x", False),
        ("http://127.0.0.1:8000", "http://127.0.0.1:99999999/x", False),
        ("http://127.0.0.1:8000", "http://127.0.0.1:9/a b", False),
    ],
)
def test_where_a_session_webhook_may_point(base: str, url: str, allowed: bool) -> None:
    assert WebhookPolicy(base).allows(url) is allowed


def test_session_webhook_expiry() -> None:
    message = parse_message(group_message())
    assert message.session_webhook_valid(NOW)
    assert message.session_webhook_valid(NOW + timedelta(minutes=89))
    assert not message.session_webhook_valid(NOW + timedelta(minutes=90))
    assert not parse_message(group_message(sessionWebhook=None)).session_webhook_valid(NOW)
    # No expiry sent: tried (a refusal falls back to the API); an unreadable one: not used.
    assert parse_message(group_message(sessionWebhookExpiredTime=None)).session_webhook_valid(NOW)
    for bad in (True, "soon", -5, {"t": 1}):
        body = group_message(sessionWebhookExpiredTime=bad)
        assert not parse_message(body).session_webhook_valid(NOW)


def test_fields_that_may_legitimately_vary_are_taken() -> None:
    expires = int((NOW + timedelta(minutes=90)).timestamp() * 1000)
    message = parse_message(
        group_message(
            conversationType=2,
            isInAtList="true",
            sessionWebhookExpiredTime=str(expires),
            senderId=12345,
            atUsers=[{"staffId": "x"}, "junk", {"dingtalkId": "d1", "staffId": 7}],
            senderNick=["not", "a", "nick"],
            brandNewField={"anything": [1, 2]},
        )
    )
    assert message.is_group and message.is_in_at_list and message.sender_id == "12345"
    assert message.session_webhook_expires_ms == expires
    assert [(u.dingtalk_id, u.staff_id) for u in message.at_users] == [("d1", "7")]
    assert message.sender_nick == ""
    # Seconds instead of milliseconds, a float: read as the same instant.
    seconds = parse_message(group_message(sessionWebhookExpiredTime=expires / 1000))
    assert seconds.session_webhook_expires_ms == expires
    # A direct message without a conversationId or senderId, its staffId enough.
    direct = parse_message(group_message(conversationType="1", conversationId=None, senderId=None))
    assert direct.sender_id == "manager4220" and not direct.is_group
    # Rich text (the SDK's get_text_list): its text pieces joined.
    rich = group_message(
        msgtype="richText",
        text=None,
        content={"richText": [{"text": "@bot /ar "}, {"downloadCode": "x"}, {"text": "逾期"}]},
    )
    assert parse_message(rich).command == "/ar 逾期"
    # isInAtList unreadable: not addressed (a group message is then left alone); absent:
    # addressed (DingTalk pushes group messages to the robot only when it is @mentioned).
    assert not parse_message(group_message(isInAtList="yes")).is_in_at_list
    body = group_message()
    del body["isInAtList"]
    assert parse_message(body).is_in_at_list


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b"{" + b" " * 70_000 + b"}", "too large"),
        (group_message(msgtype="picture"), "only text"),
        (group_message(text="hi"), "text.content"),
        (group_message(text={"content": 5}), "text.content"),
        (group_message(text={"content": "x" * 5000}), "too long"),
        (group_message(msgId=None), "msgId is missing"),
        (group_message(msgId=["a"]), "msgId is not a string"),
        (group_message(conversationId="c" * 1000), "too long"),
        (group_message(conversationType=3), "conversationType"),
        (group_message(conversationType=None), "conversationType"),
        (group_message(senderId=None, senderStaffId=None), "senderId is missing"),
        (group_message(msgtype="richText", content="x"), "richText"),
    ],
)
def test_malformed_messages_are_a_clear_error(body: Any, reason: str) -> None:
    with pytest.raises(EventError, match=reason):
        parse_message(body)


def test_hostile_text_is_bounded_and_loses_control_characters() -> None:
    message = parse_message(
        group_message(
            text={"content": "@bot 逾期\x00\x1b[31m"}, atUsers=[{"dingtalkId": "u"}] * 500
        )
    )
    assert message.command == "逾期[31m"
    assert len(message.at_users) == 50


def card_callback(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "outTrackId": "arcircle-case-42-v3",
        "corpId": "dingcorp123",
        "userId": "manager4220",
        "value": json.dumps(
            {
                "cardPrivateData": {
                    "actionIds": ["promise"],
                    "params": {"action": "promise", "case": 42},
                }
            }
        ),
    }
    body.update(overrides)
    return body


def test_a_card_button_callback_is_parsed() -> None:
    callback = parse_card_callback(json.dumps(card_callback()))
    assert callback.out_track_id == "arcircle-case-42-v3"
    assert callback.user_id == "manager4220"
    assert dict(callback.params) == {"action": "promise", "case": "42"}
    assert callback.action_ids == ("promise",)


def test_a_newer_card_callback_carries_content_instead_of_value() -> None:
    body = card_callback()
    body["content"] = body.pop("value")
    assert dict(parse_card_callback(body).params) == {"action": "promise", "case": "42"}


def test_card_params_given_directly() -> None:
    body = card_callback(value=None, params={"action": "escalate"})
    del body["value"]
    assert dict(parse_card_callback(body).params) == {"action": "escalate"}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (card_callback(outTrackId=None), "outTrackId"),
        (card_callback(value="{broken"), "not JSON"),
        (card_callback(value="[1]"), "not an object"),
        (card_callback(value=json.dumps({"cardPrivateData": 5})), "cardPrivateData"),
        (card_callback(value=json.dumps({"cardPrivateData": {"params": [1]}})), "params"),
    ],
)
def test_malformed_card_callbacks_are_a_clear_error(body: Any, reason: str) -> None:
    with pytest.raises(EventError, match=reason):
        parse_card_callback(body)


def test_card_callback_entries_that_vary_are_taken_or_skipped() -> None:
    private = {"actionIds": "ar_x", "params": {"n": 1.5, "pick": {"index": [1]}, "on": True}}
    callback = parse_card_callback(
        card_callback(userId=7, value=None, content=json.dumps({"cardPrivateData": private}))
    )
    assert callback.user_id == "7" and callback.action_ids == ("ar_x",)
    assert dict(callback.params) == {"n": "1.5"}  # the list, the object and the flag skipped
    # Both fields present: `content` (the SDK's CardCallbackMessage field) comes first.
    both = card_callback(content=json.dumps({"cardPrivateData": {"actionIds": ["new"]}}))
    assert parse_card_callback(both).action_ids == ("new", "promise")
    # One of the two unreadable: the other still says what was clicked.
    assert parse_card_callback(card_callback(content="{broken")).action_ids == ("promise",)


def test_markdown_payload_mentions_by_id_in_text_and_at() -> None:
    payload = build("逾期提醒", "**客户** 已逾期 30 天", ["lead01", "lead01", "fin02"]).payload()
    assert payload["msgtype"] == "markdown"
    assert payload["markdown"]["title"] == "逾期提醒"
    assert payload["at"] == {"atUserIds": ["lead01", "fin02"], "isAtAll": False}
    assert payload["markdown"]["text"].endswith("\n\n@lead01 @fin02")


def test_markdown_drops_ids_that_are_not_ids() -> None:
    payload = build("t", "body", ["ok_1", "all\n**x**", "", "x" * 100]).payload()
    assert payload["at"]["atUserIds"] == ["ok_1"]
    assert "**x**" not in payload["markdown"]["text"]


def test_escaped_user_text_cannot_link_mention_or_format() -> None:
    hostile = (
        "Acme [pay here](https://evil.example) ![x](https://t.example/p.png)"
        " @all <font>\n# big\n> q"
    )
    safe = escape(hostile)
    for marker in ("[", "](", "![", "@all", "<font", "\n", "# ", "> "):
        assert marker not in safe
    assert "Acme" in safe and "pay here" in safe
    payload = build("t", f"客户：{safe}").payload()
    assert payload["at"] == {"atUserIds": [], "isAtAll": False}
    assert "@all" not in payload["markdown"]["text"]


def test_escape_bounds_length_and_list_starts() -> None:
    assert len(escape("x" * 10_000)) == 500
    assert escape("- item").startswith("－")
    assert build("[t](http://e)" * 20, "b").title.startswith("［t］（http:")
    assert len(build("t" * 200, "b").title) == 64
