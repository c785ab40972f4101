"""Feishu event bodies (written from the documented shapes on open.feishu.cn: 接收消息
im.message.receive_v1, 卡片回传交互 card.action.trigger, url_verification) parsed into the
plugin's neutral values; hostile bodies give an EventError, never a crash."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.feishu.events import (
    MAX_TEXT,
    CardAction,
    EventError,
    MessageEvent,
    UrlVerification,
    load,
    parse,
)

BOT = "ou_bot0000000000000000000000000000"
ALICE = "ou_7d8a6e6df7621556ce0d21922b676706"


def message(text: str, mentions: list[dict[str, Any]], chat_type: str = "group") -> dict[str, Any]:
    return {
        "schema": "2.0",
        "header": {
            "event_id": "5e3702a84e847582be8db7fb73283c02",
            "event_type": "im.message.receive_v1",
            "create_time": "1764337200000",
            "token": "v3rIf1cAt10nT0ken",
            "app_id": "cli_9f5343c580712013",
            "tenant_key": "2ca1d211f64f6438",
        },
        "event": {
            "sender": {
                "sender_id": {
                    "open_id": ALICE,
                    "user_id": "e33ggbyz",
                    "union_id": "on_8ed6aa67826108097d9ee143816345",
                },
                "sender_type": "user",
                "tenant_key": "2ca1d211f64f6438",
            },
            "message": {
                "message_id": "om_5ce6d572455d361153b7cb51da133945",
                "root_id": "",
                "parent_id": "",
                "create_time": "1764337200000",
                "chat_id": "oc_5ce6d572455d361153b7cb51da133945",
                "chat_type": chat_type,
                "message_type": "text",
                "content": json.dumps({"text": text}, ensure_ascii=False),
                "mentions": mentions,
            },
        },
    }


def mention(key: str, open_id: str, name: str, user_id: str = "") -> dict[str, Any]:
    return {
        "key": key,
        "id": {"open_id": open_id, "user_id": user_id, "union_id": "on_x"},
        "name": name,
        "tenant_key": "2ca1d211f64f6438",
    }


BOT_MENTION = mention("@_user_1", BOT, "arcircle")


@pytest.mark.parametrize("bot_open_id", [BOT, None])
@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("@_user_1 /ar 逾期", "/ar 逾期"),
        ("@_user_1 逾期", "逾期"),
        ("@_user_1  /ar  逾期 ", "/ar 逾期"),
    ],
)
def test_at_bot_with_or_without_slash_gives_the_command(
    text: str, command: str, bot_open_id: str | None
) -> None:
    got = parse(message(text, [BOT_MENTION]), bot_open_id=bot_open_id)
    assert isinstance(got, MessageEvent)
    assert got.text == command
    assert got.addressed
    assert got.event_id == "5e3702a84e847582be8db7fb73283c02"
    assert got.chat_id == "oc_5ce6d572455d361153b7cb51da133945"
    assert got.chat_type == "group"
    assert got.open_id == ALICE and got.user_id == "e33ggbyz"
    assert got.message_id == "om_5ce6d572455d361153b7cb51da133945"
    assert got.mentions == ()


def test_a_placeholder_followed_by_chinese_or_more_digits() -> None:
    u12 = mention("@_user_12", "ou_u12", "Twelve")
    got = parse(message("@_user_1逾期 @_user_12", [BOT_MENTION, u12]), bot_open_id=BOT)
    assert isinstance(got, MessageEvent)
    assert got.text == "逾期 @Twelve"


def test_a_colleague_mentioned_stays_as_a_name_and_an_id() -> None:
    bob = mention("@_user_2", "ou_bob", "Bob Li", user_id="bobli")
    got = parse(message("@_user_1 /ar assign 42 @_user_2", [BOT_MENTION, bob]), bot_open_id=BOT)
    assert isinstance(got, MessageEvent)
    assert got.text == "/ar assign 42 @Bob Li"
    assert [(m.open_id, m.user_id) for m in got.mentions] == [("ou_bob", "bobli")]


def test_a_group_message_to_a_colleague_is_not_addressed_to_the_bot() -> None:
    bob = mention("@_user_1", "ou_bob", "Bob")
    got = parse(message("@_user_1 逾期 is yours", [bob]), bot_open_id=BOT)
    assert isinstance(got, MessageEvent)
    assert not got.addressed
    assert got.text == "@Bob 逾期 is yours"


def test_a_direct_message_is_addressed_without_a_mention() -> None:
    got = parse(message("/ar 逾期", [], chat_type="p2p"), bot_open_id=BOT)
    assert isinstance(got, MessageEvent)
    assert got.addressed and got.text == "/ar 逾期" and got.chat_type == "p2p"


def test_a_name_cannot_forge_a_new_line() -> None:
    sly = mention("@_user_2", "ou_sly", "Eve\n/ar writeoff 42\u2028x")
    got = parse(message("@_user_1 hi @_user_2", [BOT_MENTION, sly]), bot_open_id=BOT)
    assert isinstance(got, MessageEvent)
    assert "\n" not in got.text and "\u2028" not in got.text


def test_an_image_message_has_no_text() -> None:
    event = message("", [])
    event["event"]["message"]["message_type"] = "image"
    event["event"]["message"]["content"] = '{"image_key":"img_v2_x"}'
    got = parse(event, bot_open_id=BOT)
    assert isinstance(got, MessageEvent) and got.text == ""


def test_a_long_text_is_cut() -> None:
    got = parse(message("@_user_1 " + "逾" * (MAX_TEXT + 10), [BOT_MENTION]), bot_open_id=BOT)
    assert isinstance(got, MessageEvent) and len(got.text) == MAX_TEXT


def test_url_verification() -> None:
    body = {"challenge": "ajls384kdjx98XX", "token": "t", "type": "url_verification"}
    assert parse(body) == UrlVerification("ajls384kdjx98XX")


def card_action(value: Any) -> dict[str, Any]:
    return {
        "schema": "2.0",
        "header": {
            "event_id": "f7984f25108f8137722bb63cee927e66",
            "event_type": "card.action.trigger",
            "create_time": "1764337260000",
            "token": "v3rIf1cAt10nT0ken",
            "app_id": "cli_9f5343c580712013",
            "tenant_key": "2ca1d211f64f6438",
        },
        "event": {
            "operator": {"tenant_key": "2ca1d211f64f6438", "user_id": "e33ggbyz", "open_id": ALICE},
            "token": "c-295ee57216a5dc9de90fefd0aadb4b1d7d337a1b",
            "action": {"value": value, "tag": "button"},
            "host": "im_message",
            "context": {
                "open_message_id": "om_x100b4b8d3b2b5d",
                "open_chat_id": "oc_5ce6d572455d361153b7cb51da133945",
            },
        },
    }


def test_card_action() -> None:
    got = parse(card_action({"verb": "promise", "case": "42"}))
    assert got == CardAction(
        event_id="f7984f25108f8137722bb63cee927e66",
        value={"verb": "promise", "case": "42"},
        operator_open_id=ALICE,
        operator_user_id="e33ggbyz",
        open_message_id="om_x100b4b8d3b2b5d",
        open_chat_id="oc_5ce6d572455d361153b7cb51da133945",
        tag="button",
    )


def test_card_select_and_input() -> None:
    event = card_action({"verb": "reason", "case": "42"})
    event["event"]["action"].update(tag="select_static", option="dispute")
    got = parse(event)
    assert isinstance(got, CardAction) and (got.tag, got.option) == ("select_static", "dispute")
    event["event"]["action"].update(tag="input", input_value="  pays Friday  ")
    got = parse(event)
    assert isinstance(got, CardAction) and got.input_value == "  pays Friday  "
    event["event"]["action"]["input_value"] = "x" * (MAX_TEXT + 1)
    with pytest.raises(EventError):
        parse(event)


def test_unknown_event_types_are_none() -> None:
    other = message("hi", [])
    other["header"]["event_type"] = "im.chat.member.bot.added_v1"
    assert parse(other) is None
    assert parse({"uuid": "x", "event": {"type": "message"}}) is None


def _broken(case: str) -> dict[str, Any]:
    event = message("@_user_1 逾期", [BOT_MENTION])
    msg = event["event"]["message"]
    if case == "no event":
        del event["event"]
    elif case == "event not an object":
        event["event"] = "x"
    elif case == "no event_id":
        del event["header"]["event_id"]
    elif case == "chat_id a number":
        msg["chat_id"] = 12
    elif case == "id too long":
        msg["message_id"] = "om_" + "x" * 500
    elif case == "content not JSON":
        msg["content"] = "{text"
    elif case == "content without text":
        msg["content"] = '{"txt": "x"}'
    elif case == "content a list":
        msg["content"] = "[1]"
    elif case == "deeply nested content":
        msg["content"] = "[" * 5000 + "]" * 5000
    elif case == "mentions not a list":
        msg["mentions"] = {"@_user_1": BOT}
    elif case == "too many mentions":
        msg["mentions"] = [BOT_MENTION] * 1000
    elif case == "no sender":
        del event["event"]["sender"]
    else:
        raise AssertionError(case)
    return event


@pytest.mark.parametrize(
    "case",
    [
        "no event",
        "event not an object",
        "no event_id",
        "chat_id a number",
        "id too long",
        "content not JSON",
        "content without text",
        "content a list",
        "deeply nested content",
        "mentions not a list",
        "too many mentions",
        "no sender",
    ],
)
def test_a_malformed_message_is_an_event_error(case: str) -> None:
    with pytest.raises(EventError):
        parse(_broken(case), bot_open_id=BOT)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: e["event"]["action"].update(value="promise"),
        lambda e: e["event"]["action"].update(value={"x": "y" * (MAX_TEXT + 1)}),
        lambda e: e["event"].pop("context"),
        lambda e: e["event"].pop("operator"),
    ],
)
def test_a_malformed_card_action_is_an_event_error(mutate: Any) -> None:
    event = copy.deepcopy(card_action({"verb": "promise"}))
    mutate(event)
    with pytest.raises(EventError):
        parse(event)


@pytest.mark.parametrize("body", [b"", b"[1]", b"\xff", b"{" * 100000, b" " * (1 << 20)])
def test_load_refuses_what_is_not_a_json_object(body: bytes) -> None:
    with pytest.raises(EventError):
        load(body)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


def _paths(value: Any, trail: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [trail]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*trail, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found += _paths(inner, (*trail, i))
    return found


TEMPLATES = [
    message("@_user_1 /ar 逾期 @_user_2", [BOT_MENTION, mention("@_user_2", "ou_b", "B")]),
    card_action({"verb": "promise", "case": "42"}),
]


@settings(max_examples=300, deadline=None)
@given(which=st.sampled_from(TEMPLATES), pick=st.integers(min_value=0), junk=JSON)
def test_any_field_replaced_by_junk_is_parsed_or_an_event_error(
    which: dict[str, Any], pick: int, junk: Any
) -> None:
    event = copy.deepcopy(which)
    paths = _paths(event)[1:]
    path = paths[pick % len(paths)]
    parent: Any = event
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = junk
    try:
        got = parse(event, bot_open_id=BOT)
    except EventError:
        return
    assert got is None or isinstance(got, (MessageEvent, CardAction, UrlVerification))
