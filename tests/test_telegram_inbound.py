"""Telegram inbound: commands in groups and private chats, who the bot answers, duplicated
updates, callback queries (good, unknown, expired), user text shown literally, and the old
update shapes of Telegram's own examples."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.fake_telegram import BOT_ID, BOT_USERNAME, FakeTelegram, fake_telegram_fixture, visible  # noqa: F401
from tests.telegram_world import (
    GROUP,
    LI,
    STRANGER,
    WANG,
    World,
    case_card,
    click,
    group_message,
    keyboard,
    open_case,
    private_message,
    world_fixture,  # noqa: F401
)


def shown(fake: FakeTelegram, chat: int = GROUP) -> list[str]:
    return [visible(m["text"]) for m in fake.sent(chat)]


async def test_ar_commands_in_a_group_and_plain_chinese_in_a_dm(world: World) -> None:
    await open_case(world)
    m = await world.messenger()
    fake = world.fake
    assert await m.inbound.update(group_message("/ar 逾期", WANG))
    assert await m.inbound.update(group_message(f"/ar@{BOT_USERNAME} case 1", WANG))
    assert await m.inbound.update(group_message("/overdue", WANG))
    texts = shown(fake)
    assert len(texts) == 3
    assert "Northwind Trading" in texts[0] and "Northwind Trading" in texts[2]
    assert "Case #1" in texts[1]
    # Each answer replies to the command that asked.
    assert all(msg["reply_to"] for msg in fake.sent(GROUP))
    assert await m.inbound.update(private_message("逾期", LI))
    assert "Northwind Trading" in shown(fake, LI)[0]


async def test_in_a_group_only_what_is_addressed_to_the_bot_runs(world: World) -> None:
    await open_case(world)
    m = await world.messenger()
    fake = world.fake
    for text in (
        "逾期",
        "/overdue@some_other_bot",
        "/ar@some_other_bot overdue",
        "/weather",
        "/start",
    ):
        assert await m.inbound.update(group_message(text, WANG))
    assert fake.sent(GROUP) == []
    await m.inbound.update(group_message(f"@{BOT_USERNAME} 逾期", WANG))
    bot_msg = {
        "message_id": 1,
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "a"},
        "chat": {"id": GROUP, "type": "supergroup"},
        "date": 1,
        "text": "hi",
    }
    await m.inbound.update(group_message("case 1", WANG, reply_to=bot_msg))
    texts = shown(fake)
    assert len(texts) == 2 and "Northwind" in texts[0] and "Case #1" in texts[1]


async def test_short_commands_are_registered_and_the_webhook_deleted_for_polling(
    world: World,
) -> None:
    await world.messenger()
    menus = {
        c.params.get("language_code"): c.params["commands"]
        for c in world.fake.calls_to("setMyCommands")
    }
    assert set(menus) == {None, "zh", "en"}
    names = [c["command"] for c in menus[None]]
    assert {"ar", "overdue", "case", "help", "whoami", "cancel"} <= set(names)
    assert {c["command"]: c["description"] for c in menus["zh"]}["overdue"] == "逾期发票"
    assert world.fake.calls_to("deleteWebhook") and world.fake.webhook is None


async def test_a_duplicated_update_runs_once(world: World) -> None:
    m = await world.messenger()
    update = {**group_message("/ar overdue", WANG), "update_id": 777}
    assert await m.inbound.update(update)
    assert not await m.inbound.update(update)
    assert len(world.fake.sent(GROUP)) == 1


async def test_user_text_is_shown_literally(world: World) -> None:
    m = await world.messenger()
    hostile = '<a href="tg://user?id=1">x</a> & <b>'
    await m.inbound.update(group_message(f"/ar customer {hostile}", WANG))
    [html] = [msg["text"] for msg in world.fake.sent(GROUP)]
    assert "<a href" not in html and "<b>" not in html
    assert hostile in visible(html)  # exactly what was typed, as text


async def test_a_card_has_a_keyboard_and_a_click_runs_its_command(world: World) -> None:
    await open_case(world)
    m = await world.messenger()
    fake = world.fake
    await m.inbound.update(group_message("/case 1", WANG))
    [card] = fake.sent(GROUP)
    buttons = keyboard(card)
    assert {"Sales input", "Suggest phrasing", "Decide"} <= set(buttons)
    assert all(len(data.encode()) <= 64 for data in buttons.values())
    assert not any("/ar" in data for data in buttons.values())  # opaque, not the command
    await m.inbound.update(click(buttons["Suggest phrasing"], WANG, card))
    [answered] = fake.calls_to("answerCallbackQuery")
    assert "text" not in answered.params  # a plain acknowledgement
    [_, phrase] = fake.sent(GROUP)
    assert phrase["reply_to"] == card["message_id"]
    assert "Northwind" in visible(phrase["text"])


async def test_unknown_and_expired_buttons_run_nothing(world: World) -> None:
    await open_case(world)
    m = await world.messenger()
    fake = world.fake
    card = await case_card(m, world, WANG)
    data = next(iter(keyboard(card).values()))
    await m.inbound.update(click("no-such-token", WANG, card))
    world.rt.clock.advance(timedelta(days=31))  # buttons live 30 days
    await m.inbound.update(click(data, WANG, card))
    answers = fake.calls_to("answerCallbackQuery")
    assert [a.params.get("text") for a in answers] == [
        "This button has expired: type /ar case 1"
    ] * 2
    assert len(fake.sent(GROUP)) == 1  # nothing ran


# Telegram's own "Update examples" (https://core.telegram.org/bots/webhooks#testing-your-bot-with-
# updates, archived in GitHub MarshalX/telegram-crawler, data/web/core.telegram.org/bots/
# webhooks.html at commit 09858599ec29fff5893cd1699b24ae44c3418d54), copied as literals: old
# shapes (2015-2016): `from` without is_bot, a chat without type, a callback query without
# chat_instance or message. Inbound must not crash on them: each is handled or ignored.
# (update, how many messages the bot sends: /start in a private chat is help)
VECTORS: list[tuple[dict[str, Any], int]] = [
    # 01_message_text_start_minimal.json (no chat type: a positive chat id is a private chat)
    (
        {
            "update_id": 10000,
            "message": {
                "date": 1441645532,
                "chat": {
                    "last_name": "Test Lastname",
                    "id": 1111111,
                    "first_name": "Test",
                    "username": "Test",
                },
                "message_id": 1365,
                "from": {
                    "last_name": "Test Lastname",
                    "id": 1111111,
                    "first_name": "Test",
                    "username": "Test",
                },
                "text": "/start",
            },
        },
        1,
    ),
    # 02_message_text_start.json
    (
        {
            "update_id": 10000,
            "message": {
                "date": 1441645532,
                "chat": {
                    "last_name": "Test Lastname",
                    "id": 1111111,
                    "type": "private",
                    "first_name": "Test Firstname",
                    "username": "Testusername",
                },
                "message_id": 1365,
                "from": {
                    "last_name": "Test Lastname",
                    "id": 1111111,
                    "first_name": "Test Firstname",
                    "username": "Testusername",
                },
                "text": "/start",
            },
        },
        1,
    ),
    # 05_message_with_reply.json
    (
        {
            "update_id": 10000,
            "message": {
                "date": 1441645532,
                "chat": {
                    "last_name": "Test Lastname",
                    "type": "private",
                    "id": 1111111,
                    "first_name": "Test Firstname",
                    "username": "Testusername",
                },
                "message_id": 1365,
                "from": {
                    "last_name": "Test Lastname",
                    "id": 1111111,
                    "first_name": "Test Firstname",
                    "username": "Testusername",
                },
                "text": "/start",
                "reply_to_message": {
                    "date": 1441645000,
                    "chat": {
                        "last_name": "Reply Lastname",
                        "type": "private",
                        "id": 1111112,
                        "first_name": "Reply Firstname",
                        "username": "Testusername",
                    },
                    "message_id": 1334,
                    "text": "Original",
                },
            },
        },
        1,
    ),
    # 06_edited_message.json
    (
        {
            "update_id": 10000,
            "edited_message": {
                "date": 1441645532,
                "chat": {
                    "last_name": "Test Lastname",
                    "type": "private",
                    "id": 1111111,
                    "first_name": "Test Firstname",
                    "username": "Testusername",
                },
                "message_id": 1365,
                "from": {
                    "last_name": "Test Lastname",
                    "id": 1111111,
                    "first_name": "Test Firstname",
                    "username": "Testusername",
                },
                "text": "Edited text",
                "edit_date": 1441646600,
            },
        },
        0,
    ),
    # 09_voice_message.json
    (
        {
            "update_id": 10000,
            "message": {
                "date": 1441645532,
                "chat": {
                    "last_name": "Test Lastname",
                    "type": "private",
                    "id": 1111111,
                    "first_name": "Test Firstname",
                    "username": "Testusername",
                },
                "message_id": 1365,
                "from": {
                    "last_name": "Test Lastname",
                    "id": 1111111,
                    "first_name": "Test Firstname",
                    "username": "Testusername",
                },
                "voice": {
                    "file_id": "AwADBAADbXXXXXXXXXXXGBdhD2l6_XX",
                    "duration": 5,
                    "mime_type": "audio/ogg",
                    "file_size": 23000,
                },
            },
        },
        0,
    ),
    # 11_inline_query.json
    (
        {
            "update_id": 10000,
            "inline_query": {
                "id": 134567890097,
                "from": {
                    "last_name": "Test Lastname",
                    "type": "private",
                    "id": 1111111,
                    "first_name": "Test Firstname",
                    "username": "Testusername",
                },
                "query": "inline query",
                "offset": "",
            },
        },
        0,
    ),
    # 13_callback_query.json
    (
        {
            "update_id": 10000,
            "callback_query": {
                "id": "4382bfdwdsb323b2d9",
                "from": {
                    "last_name": "Test Lastname",
                    "type": "private",
                    "id": 1111111,
                    "first_name": "Test Firstname",
                    "username": "Testusername",
                },
                "data": "Data from button callback",
                "inline_message_id": "1234csdbsk4839",
            },
        },
        0,
    ),
]


@pytest.mark.parametrize(("update", "answers"), VECTORS)
async def test_telegrams_own_update_examples(
    world: World, update: dict[str, Any], answers: int
) -> None:
    m = await world.messenger()
    assert await m.inbound.update(update)
    assert len(world.fake.sent(1111111)) == answers
    if answers:
        assert "/ar overdue" in visible(world.fake.sent(1111111)[0]["text"])
    if "callback_query" in update:
        [answer] = world.fake.calls_to("answerCallbackQuery")
        assert answer.params["text"] == "This button has expired: type /ar case <number>"
    assert not await m.inbound.update(update)  # the same update_id again: nothing


async def test_an_update_without_an_update_id_is_ignored(world: World) -> None:
    m = await world.messenger()
    assert not await m.inbound.update({"no": "update id"})


async def test_a_stranger_is_told_how_to_be_added(world: World) -> None:
    m = await world.messenger()
    await m.inbound.update(group_message("/ar overdue", STRANGER))
    [text] = shown(world.fake)
    assert "Northwind" not in text and "may see receivables" in text


async def test_a_reply_waits_out_a_short_flood_control_once(world: World) -> None:
    from tests.fake_telegram import Answer

    m = await world.messenger()
    world.fake.script("sendMessage", Answer.retry_after(1))
    await m.inbound.update(group_message("/ar help", WANG))
    assert len(world.fake.calls_to("sendMessage")) == 2
    assert len(world.fake.sent(GROUP)) == 1


async def test_whoami_by_the_short_command(world: World) -> None:
    m = await world.messenger()
    await m.inbound.update(private_message("/whoami", LI))
    await m.inbound.update(private_message("/whoami", STRANGER))
    known = visible(world.fake.sent(LI)[0]["text"])
    assert "Snooze your own team's seat: yes." in known
    stranger = visible(world.fake.sent(STRANGER)[0]["text"])
    assert f"ask an admin to add `ids: {{telegram: {STRANGER}}}`" in stranger
