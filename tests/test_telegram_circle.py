"""The whole circle on Telegram, against the fake Bot API and the real webhook endpoint.

The overdue scan opens a case; its card goes to the group with an inline keyboard (Telegram
answers 429 first: the outbox waits as told); finance answers by button (a guided form in
replies); sales does not answer and its lead is mentioned by Telegram user id after the
window, under the card; legal records a decision by command; the card is edited in place.
The clock is fake; the jobs are driven step by step.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx

from bot import http
from jobs.circle import scan_overdue, tick
from tests.fake_telegram import Answer, fake_telegram_fixture, visible  # noqa: F401
from tests.telegram_world import (
    GROUP,
    LI,
    SECRET,
    WANG,
    ZHAO,
    World,
    click,
    group_message,
    keyboard,
    world_fixture,  # noqa: F401
)
from tests.test_slack_inbound import poll
from tests.test_telegram_outbox import Delivery

HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def test_the_whole_circle_on_telegram(world: World) -> None:
    rt, fake = world.rt, world.fake
    m = await world.messenger(mode="webhook", settings={"webhook_url": "https://bot.example/tg"})
    d = Delivery(world, m.transport(), m.capabilities)
    app = http.http_app([m])
    web = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot")

    async def send(update: dict[str, Any]) -> None:
        before = len(fake.sent(GROUP))
        resp = await web.post("/telegram/webhook", json=update, headers={HEADER: SECRET})
        assert resp.status_code == 200
        await poll(lambda: len(fake.sent(GROUP)) > before, "the bot's answer")

    # The overdue scan opens a case; Telegram is busy for the first card (429, then a 502).
    fake.script("sendMessage", Answer.retry_after(3), Answer.server_error())
    today = rt.clock.now().astimezone(rt.config.company.zone).date()
    assert scan_overdue(rt.db, rt.circle, today=today, now=rt.clock.now()).cases == (1,)
    await d.worker.run_once()
    [waiting] = d.rows("pending")  # not sent, not failed: waiting as long as Telegram said
    assert waiting.attempts == 0 and waiting.next_attempt_at >= rt.clock.now() + timedelta(
        seconds=3
    )
    await d.drain()
    cards = [msg for msg in fake.sent(GROUP) if "Case #1 ·" in msg["text"] and keyboard(msg)]
    assert len(cards) == 1, "the card is in the group exactly once"
    card = cards[0]
    assert {"Sales input", "Finance input", "Legal input", "Decide"} <= set(keyboard(card))

    # Finance answers by button: the bot asks in a reply (ForceReply), finance replies.
    await send(click(keyboard(card)["Finance input"], LI, card))
    question = fake.sent(GROUP)[-1]
    assert question["reply_markup"]["force_reply"]
    assert "Your team's answer" in visible(question["text"])
    await send(group_message("Statement sent; they confirm <receipt>", LI, reply_to=question))
    await send(group_message("-", LI, reply_to=fake.sent(GROUP)[-1]))  # no attachment link
    assert "recorded" in visible(fake.sent(GROUP)[-1]["text"]).lower()

    # Sales does not answer: after the window its lead is mentioned by Telegram id, under the card.
    rt.clock.advance(timedelta(minutes=15))
    tick(rt.db, rt.circle, rt.clock.now())
    await d.drain()
    escalations = [
        msg
        for msg in fake.sent(GROUP)
        if "has not answered in time" in visible(msg["text"]) and "Sales" in visible(msg["text"])
    ]
    assert len(escalations) == 1, [visible(e["text"]) for e in escalations]
    assert f'<a href="tg://user?id={WANG}">' in escalations[0]["text"]
    assert escalations[0]["reply_to"] == card["message_id"]

    # Legal decides.
    await send(group_message("/ar decide 1 lawyers_letter final notice before court", ZHAO))
    await d.drain()

    # The card was edited in place: same message, now with the decision and finance's answer.
    edits = [
        c for c in fake.calls_to("editMessageText") if c.params["message_id"] == card["message_id"]
    ]
    assert edits, "the card was edited with editMessageText"
    final = visible(fake.message(GROUP, card["message_id"])["text"])  # type: ignore[index]
    assert "Lawyer's letter" in final and "Statement sent; they confirm <receipt>" in final
    assert final.startswith("Case #1 · ")  # the card itself, not the update's summary line
    assert keyboard(fake.message(GROUP, card["message_id"]) or {})  # still has its buttons
    assert (
        len([msg for msg in fake.sent(GROUP) if "Case #1 ·" in msg["text"] and keyboard(msg)]) == 1
    )
    await web.aclose()
    await asyncio.sleep(0)
