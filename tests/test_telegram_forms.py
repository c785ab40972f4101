"""Forms as a guided reply: a button with a form asks field by field (ForceReply), the person
replies to each question, the router checks the values at the end and fields with errors are
asked again; the form in progress survives a restart; /cancel stops it.

The router's form API (open_form / submit_form, helper FORMS) is stubbed here: the Telegram
side is written against its documented shape (COMMON.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from bot.kernel.forms import Choice, Form, FormErrors, FormField, FormRef
from bot.kernel.messages import Button, Card, Reply
from tests.fake_telegram import FakeTelegram, fake_telegram_fixture, visible  # noqa: F401
from tests.telegram_world import (
    GROUP,
    LI,
    WANG,
    World,
    form_from_card,
    group_message,
    world_fixture,  # noqa: F401
)

REF = FormRef("promise", ("1",), ("<amount>", "<date>"))
FORM = Form(
    ref=REF,
    title="Promise for case #1",
    intro="Northwind Trading · CN¥1,500.00 <outstanding>",
    fields=(
        FormField("amount", "amount", "Amount promised", hint="e.g. 1500 or 1,500.00"),
        FormField("date", "date", "Pay by", hint="YYYY-MM-DD"),
        FormField(
            "how",
            "choice",
            "How",
            choices=(Choice("bank", "Bank transfer"), Choice("cash", "Cash")),
        ),
        FormField("note", "text", "Note", required=False),
    ),
)


class FormRouter:
    """The real router for everything else; open_form/submit_form as FORMS documents them."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.clock = real.clock
        self.access = real.access
        self.submitted: list[dict[str, str]] = []

    async def handle(self, text: str, **kw: Any) -> Reply | None:
        if text.strip() in ("case 1", "/ar case 1"):
            button = Button("Promise", REF.command(), form=REF)
            return Reply(card=Card(title="Case #1 · Northwind Trading", buttons=(button,)))
        result: Reply | None = await self.real.handle(text, **kw)
        return result

    def case_of(self, text: str) -> int | None:
        result: int | None = self.real.case_of(text)
        return result

    async def open_form(self, ref: FormRef, **kw: Any) -> Form | Reply:
        assert ref.key() == REF.key()
        return replace(FORM, ref=REF)

    async def submit_form(
        self, ref: FormRef, values: Mapping[str, str], **kw: Any
    ) -> FormErrors | Reply | None:
        self.submitted.append(dict(values))
        if values["amount"] == "lots":
            return FormErrors({"amount": "Not an amount: lots"})
        return Reply(text=f"Promise recorded: {values['amount']} by {values['date']}")


def questions(fake: FakeTelegram) -> list[dict[str, Any]]:
    return [m for m in fake.sent(GROUP) if (m.get("reply_markup") or {}).get("force_reply")]


async def test_a_guided_form_with_an_error_a_restart_and_a_retry(world: World) -> None:
    router = FormRouter(world.rt.router)
    m = await world.messenger(router=router)
    fake = world.fake
    q1 = await form_from_card(m, world, LI, "Promise")
    assert questions(fake) == [q1]
    text = visible(q1["text"])
    assert "Promise for case #1" in text and "Amount promised" in text
    assert "<outstanding>" in text  # the intro is text, escaped
    assert q1["reply_markup"]["force_reply"] and q1["reply_markup"]["selective"]
    assert f"tg://user?id={LI}" in q1["text"]  # the person is mentioned: their reply box opens

    # Someone else's reply, and a reply to another message, answer nothing.
    await m.inbound.update(group_message("999", WANG, reply_to=q1))
    await m.inbound.update(group_message("lots", LI))
    assert len(questions(fake)) == 1
    await m.inbound.update(group_message("lots", LI, reply_to=q1))
    [_, q2] = questions(fake)
    assert "Pay by" in visible(q2["text"])

    # A restart in the middle: the form goes on where it was.
    m = await world.messenger(router=router)
    await m.inbound.update(group_message("2026-04-01", LI, reply_to=q2))
    q3 = questions(fake)[-1]
    assert "1. Bank transfer" in visible(q3["text"])
    await m.inbound.update(group_message("wire", LI, reply_to=q3))  # not an option
    q3b = questions(fake)[-1]
    assert "not one of the options" in visible(q3b["text"])
    await m.inbound.update(group_message("1", LI, reply_to=q3b))
    q4 = questions(fake)[-1]
    assert "Send - to leave it empty" in visible(q4["text"])
    await m.inbound.update(group_message("-", LI, reply_to=q4))

    # The router refused the amount: only that field is asked again, with the reason.
    assert router.submitted == [{"amount": "lots", "date": "2026-04-01", "how": "bank", "note": ""}]
    again = questions(fake)[-1]
    assert "Not an amount: lots" in visible(again["text"])
    assert "Amount promised" in visible(again["text"])
    await m.inbound.update(group_message("1500", LI, reply_to=again))
    assert router.submitted[-1] == {
        "amount": "1500",
        "date": "2026-04-01",
        "how": "bank",
        "note": "",
    }
    assert visible(fake.sent(GROUP)[-1]["text"]) == "Promise recorded: 1500 by 2026-04-01"
    # Done: a further reply to the old question is no longer an answer to the form.
    await m.inbound.update(group_message("2000", LI, reply_to=again))
    assert len(router.submitted) == 2
    assert "Promise recorded" not in visible(fake.sent(GROUP)[-1]["text"])


async def test_cancel_stops_a_form(world: World) -> None:
    router = FormRouter(world.rt.router)
    m = await world.messenger(router=router)
    fake = world.fake
    q1 = await form_from_card(m, world, LI, "Promise")
    await m.inbound.update(group_message("/cancel", LI, reply_to=q1))
    assert visible(fake.sent(GROUP)[-1]["text"]) == "Cancelled: nothing was recorded."
    await m.inbound.update(group_message("1500", LI, reply_to=q1))
    assert router.submitted == []
    await m.inbound.update(group_message("/cancel", LI))
    assert visible(fake.sent(GROUP)[-1]["text"]) == "There is nothing to cancel."


async def test_a_real_form_answers_for_the_team(world: World) -> None:
    # The router's own forms (handlers.forms): finance's answer by button and reply.
    from tests.telegram_world import open_case

    await open_case(world)
    m = await world.messenger()
    fake = world.fake
    question = await form_from_card(m, world, LI, "Finance input")
    assert "Your team's answer" in visible(question["text"])
    await m.inbound.update(group_message("Statement sent <b>today</b>", LI, reply_to=question))
    link = questions(fake)[-1]
    assert "Attachment link" in visible(link["text"])  # optional: "-" leaves it empty
    await m.inbound.update(group_message("-", LI, reply_to=link))
    done = visible(fake.sent(GROUP)[-1]["text"])
    assert "recorded" in done.lower(), done
    await m.inbound.update(group_message("/ar case 1", LI))
    assert "Statement sent <b>today</b>" in visible(fake.sent(GROUP)[-1]["text"])


async def test_in_a_private_chat_any_message_answers_but_a_command_stays_one(world: World) -> None:
    from tests.telegram_world import click, keyboard, private_message

    router = FormRouter(world.rt.router)
    m = await world.messenger(router=router)
    fake = world.fake
    await m.inbound.update(private_message("case 1", LI))
    [card] = fake.sent(LI)
    await m.inbound.update(click(keyboard(card)["Promise"], LI, card))
    assert "Amount promised" in visible(fake.sent(LI)[-1]["text"])
    await m.inbound.update(private_message("/ar help", LI))  # a command, not the amount
    assert "/ar overdue" in visible(fake.sent(LI)[-1]["text"])
    await m.inbound.update(private_message("1500", LI))  # no reply needed in a private chat
    assert "Pay by" in visible(fake.sent(LI)[-1]["text"])
