"""The outbox's rows on Telegram: the card with its keyboard, edited in place after a change,
follow-ups under the card (a forum topic per case where the group is a forum), direct
messages by user id, and Telegram's refusals in the outbox's terms (429 retry_after waited,
403 kicked and chat not found parked with a hint, 5xx retried)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.kernel.capabilities import adapt
from bot.kernel.clock import FakeClock
from bot.kernel.messages import Reply
from jobs.outbox import OutboxWorker
from jobs.render import render_row
from storage import outbox as ob
from storage.outbox import OutRow
from tests.fake_telegram import TOKEN, Answer, FakeTelegram, fake_telegram_fixture, visible  # noqa: F401
from tests.telegram_world import (
    GROUP,
    LI,
    WANG,
    World,
    keyboard,
    open_case,
    world_fixture,  # noqa: F401
)


class Delivery:
    def __init__(self, world: World, transport: Any, caps: Any) -> None:
        self.world = world
        rt = world.rt
        clock = rt.clock
        assert isinstance(clock, FakeClock)
        self.clock = clock
        self.waited: list[float] = []

        def render(row: OutRow) -> Any:
            with rt.db.engine.connect() as conn:
                message = render_row(conn, row, rt.config, clock.now())
            return message if message is None else adapt(message, row.kind, caps)

        async def sleep(seconds: float) -> None:
            self.waited.append(seconds)
            clock.advance(timedelta(seconds=seconds))
            await asyncio.sleep(0)

        self.worker = OutboxWorker(
            rt.db,
            clock,
            {"telegram": transport},
            render,
            rates={"telegram": rt.config.outbox.rate("telegram")},
            backoff=timedelta(seconds=1),
            monotonic=lambda: clock.now().timestamp(),
            sleep=sleep,
        )

    def rows(self, *statuses: str) -> list[OutRow]:
        with self.world.rt.db.engine.connect() as conn:
            return ob.listing(conn, statuses or ("pending", "parked", "sent"))

    async def drain(self) -> None:
        for _ in range(30):
            await self.worker.run_once()
            if not self.rows("pending"):
                return
            self.clock.advance(timedelta(seconds=5))
        raise AssertionError(f"still pending: {self.rows('pending')}")


async def delivery(world: World) -> Delivery:
    m = await world.messenger()
    return Delivery(world, m.transport(), m.capabilities)


async def test_the_card_goes_out_after_a_429_and_is_edited_in_place(world: World) -> None:
    fake = world.fake
    await open_case(world)
    d = await delivery(world)
    fake.script("sendMessage", Answer.retry_after(7), Answer.server_error())
    await d.worker.run_once()
    [row] = d.rows("pending")
    assert row.attempts == 0 and "flood" in (row.last_error or "").lower()  # not a failure
    assert row.next_attempt_at >= d.clock.now() + timedelta(seconds=6)
    await d.drain()
    assert len(fake.calls_to("sendMessage")) == 3  # 429, 502, then the one that landed
    [card] = [m for m in fake.sent(GROUP) if "Case #1" in m["text"]]
    assert {"Sales input", "Decide"} <= set(keyboard(card))
    old_buttons = keyboard(card)

    # Finance answers: the card is edited in place, with fresh buttons.
    reply = await world.rt.router.handle(
        "/ar input 1 finance Statement sent & <confirmed>",
        platform="telegram",
        channel=str(GROUP),
        user_id=str(LI),
        person="li.na",
    )
    assert reply is not None
    await d.drain()
    [edit] = fake.calls_to("editMessageText")
    assert edit.params["message_id"] == card["message_id"]
    shown = visible(fake.message(GROUP, card["message_id"])["text"])  # type: ignore[index]
    assert "Statement sent & <confirmed>" in shown
    assert (
        set(keyboard(fake.message(GROUP, card["message_id"]) or {})).isdisjoint(
            old_buttons.values()
        )
        or keyboard(fake.message(GROUP, card["message_id"]) or {}) != old_buttons
    )
    assert len([m for m in fake.sent(GROUP) if "Case #1 ·" in m["text"]]) == 1


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (Answer.kicked(), "add it back to the group"),
        (Answer.error(400, "Bad Request: chat not found"), "circle.channels.telegram"),
        (Answer.error(401, "Unauthorized"), "TELEGRAM_BOT_TOKEN"),
    ],
)
async def test_refusals_park_the_row_with_a_hint(world: World, answer: Answer, hint: str) -> None:
    await open_case(world)
    d = await delivery(world)
    world.fake.script("sendMessage", answer)
    await d.worker.run_once()
    [row] = d.rows("parked")
    assert hint in (row.last_error or "")
    assert TOKEN not in (row.last_error or "")


async def test_a_forum_group_gets_a_topic_per_case(world: World) -> None:
    fake = world.fake
    fake.forums.add(GROUP)
    await open_case(world)
    d = await delivery(world)
    await d.drain()
    [topic] = fake.topics[GROUP]
    [card] = fake.sent(GROUP)
    assert card["message_thread_id"] == topic
    [row] = d.rows("sent")
    assert row.message_ref == f"{card['message_id']}:{topic}"
    # A follow-up about the case (the escalation after the window) goes into the topic.
    world.rt.clock.advance(timedelta(minutes=16))
    from jobs.circle import tick

    tick(world.rt.db, world.rt.circle, world.rt.clock.now())
    await d.drain()
    later = fake.sent(GROUP)[1:]
    assert later and all(m["message_thread_id"] == topic for m in later)
    assert all(m["reply_to"] == card["message_id"] for m in later)


async def test_a_direct_message_goes_to_the_persons_user_id(world: World) -> None:
    m = await world.messenger()
    fake = world.fake
    row = _row("@wang.wei", "predue")
    ref = await m.transport().deliver(
        row, Reply(text="INV-1 is due in 7 days"), update_ref=None, thread_ref=None
    )
    [dm] = fake.sent(WANG)
    assert ref == str(dm["message_id"]) and visible(dm["text"]) == "INV-1 is due in 7 days"
    # Someone without a Telegram id, or who never started the bot: the group, mentioned.
    await m.transport().deliver(
        _row("@ghost", "predue"), Reply(text="due soon"), update_ref=None, thread_ref=None
    )
    fake.script("sendMessage", Answer.error(403, "Forbidden: bot can't initiate conversation"))
    await m.transport().deliver(
        _row("@li.na", "predue"), Reply(text="due too"), update_ref=None, thread_ref=None
    )
    ghost, li = fake.sent(GROUP)
    assert visible(ghost["text"]) == "@ghost\ndue soon"
    assert li["text"].startswith(f'<a href="tg://user?id={LI}">李娜</a>\ndue too')


async def test_a_long_message_is_split_and_each_part_accepted(world: World) -> None:
    m = await world.messenger()
    text = "\n".join(f"{n}: <&> " + "字" * 60 for n in range(200))  # ~13,000 characters
    await m.transport().deliver(
        _row(str(GROUP), "note"), Reply(text=text), update_ref=None, thread_ref=None
    )
    parts = world.fake.sent(GROUP)
    assert len(parts) >= 4
    assert "\n".join(visible(p["text"]) for p in parts) == text


def _row(destination: str, kind: str) -> OutRow:
    now = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)
    return OutRow(
        1,
        "k",
        "telegram",
        destination,
        kind,
        {},
        None,
        None,
        0,
        "pending",
        now,
        None,
        now,
        None,
        None,
    )
