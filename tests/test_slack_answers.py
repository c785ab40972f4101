"""Where Slack answers land, as a user would see them (issue 9, item 6):

- private answers to card buttons are visible: outside a thread that has no replies yet;
- buttons inside private messages answer through the action's response_url (channels the bot
  is not in, direct messages between people), apologies included;
- answers to commands that change a case go to the case's thread in the circle channel, never
  to the channel the command was typed in; the asker gets a private pointer.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from jobs.circle import tick
from tests.fake_slack import FakeSlack, fake_slack  # noqa: F401 - the fixture
from tests.test_slack_inbound import (
    CIRCLE,
    CONFIG,
    DEADLINE,
    JSON_TYPE,
    Server,
    action_payload,
    build_world,
    command_body,
    decoded,
    event_body,
    interaction_body,
    poll,
    serving,
    submission_payload,
)

GENERAL = "CGENERAL"  # a channel the bot is not in


class Slack(Server):
    card_ts: str  # the case's card in the circle channel


@pytest_asyncio.fixture
async def slack(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[Slack]:  # noqa: F811
    """The HTTP app, a case (#1, Northwind) whose card is in the circle channel."""
    world = build_world(fake_slack, tmp_path, platforms=("slack",))
    try:
        await world.open_case()
        await world.deliver()
        [card] = fake_slack.messages[CIRCLE]  # the case's card, and nothing else
        assert "Case #1 ·" in json.dumps(card["blocks"], ensure_ascii=False)
        async with serving(world) as srv:
            srv.__class__ = Slack
            assert isinstance(srv, Slack)
            srv.card_ts = str(card["ts"])
            yield srv
    finally:
        world.rt.db.dispose()


def text_of(body: dict[str, Any]) -> str:
    return str(body.get("text", "")) + json.dumps(
        decoded(body.get("blocks")) or [], ensure_ascii=False
    )


def ephemeral_payload(command: str, *, user: str, channel: str, hook: str) -> dict[str, Any]:
    """A click on a button inside a private (ephemeral) message, as Slack sends it: the
    container says is_ephemeral, and there is no `message`."""
    payload = action_payload(command, user=user, hook=hook)
    del payload["message"]
    payload["container"] = {
        "type": "message",
        "message_ts": "1700000099.000100",
        "channel_id": channel,
        "is_ephemeral": True,
    }
    payload["channel"] = {"id": channel, "name": "general"}
    return payload


# --- private answers to card buttons ----------------------------------------------------------


async def test_a_private_answer_to_a_card_button_is_shown_outside_a_thread_not_yet_there(
    slack: Slack,
) -> None:
    fake, ts = slack.fake, slack.card_ts
    assert fake.thread(CIRCLE, ts) == []  # nobody has replied to the card
    await slack.post(
        interaction_body(action_payload("/ar case 1", user="U2", hook="", message_ts=ts))
    )
    [eph] = await fake.wait_for("chat.postEphemeral", timeout=DEADLINE)
    assert eph.body["channel"] == CIRCLE and eph.body["user"] == "U2"
    assert "thread_ts" not in eph.body
    [shown] = fake.visible_ephemerals("U2")
    assert "Northwind" in text_of(shown)

    # Once someone replied, Slack sends the card with its replies: the answer goes in there.
    fake.add_reply(CIRCLE, ts)
    clicked = action_payload("/ar case 1", user="U2", hook="", message_ts=ts)
    clicked["message"] |= {"thread_ts": ts, "reply_count": 1, "latest_reply": "1700000100.1"}
    await slack.post(interaction_body(clicked))
    calls = await fake.wait_for("chat.postEphemeral", 2, timeout=DEADLINE)
    assert calls[-1].body["thread_ts"] == ts
    assert len(fake.visible_ephemerals("U2")) == 2

    # A button on a reply inside the thread: the thread exists, by definition.
    reply = action_payload("/ar case 1", user="U2", hook="", message_ts="1700000100.000100")
    reply["message"]["thread_ts"] = ts
    reply["container"]["thread_ts"] = ts
    await slack.post(interaction_body(reply))
    calls = await fake.wait_for("chat.postEphemeral", 3, timeout=DEADLINE)
    assert calls[-1].body["thread_ts"] == ts
    assert len(fake.visible_ephemerals("U2")) == 3


async def test_the_bot_knows_the_threads_it_posted_into_even_after_a_restart(
    slack: Slack,
) -> None:
    world, fake, ts = slack.world, slack.fake, slack.card_ts
    # Sales does not answer: its lead is reminded in the card's thread by the outbox.
    world.rt.clock.advance(timedelta(minutes=16))  # type: ignore[attr-defined]
    tick(world.rt.db, world.rt.circle, world.rt.clock.now())
    await world.deliver()
    assert fake.thread(CIRCLE, ts), "the escalation went into the card's thread"
    fake.calls.clear()
    # A new process (nothing in memory); Slack's payload without reply details.
    fresh = world.messenger()
    await fresh.on_action(
        action_payload("/ar case 1", user="U2", hook="", message_ts=ts),
        {"action_id": "arcircle:0", "value": "/ar case 1"},
    )
    [eph] = fake.calls_to("chat.postEphemeral")
    assert eph.body["thread_ts"] == ts
    assert len(fake.visible_ephemerals("U2")) == 1


# --- buttons inside private messages ----------------------------------------------------------


async def test_a_button_in_a_private_message_answers_through_its_response_url(
    slack: Slack,
) -> None:
    fake = slack.fake
    fake.outside.add(GENERAL)
    for channel in (GENERAL, "D0TWOPEOPLE"):  # a channel without the bot; a DM between people
        hook = fake.response_url()
        before = len(fake.calls_to("response_url"))
        payload = ephemeral_payload("/ar case 1", user="U2", channel=channel, hook=hook)
        assert (await slack.post(interaction_body(payload))).status_code == 200
        calls = await fake.wait_for("response_url", before + 1, timeout=DEADLINE)
        answer = calls[-1]
        assert answer.path == hook.removeprefix(fake.root)
        assert answer.body["response_type"] == "ephemeral"
        assert answer.body["replace_original"] is False  # the private message stays
        assert "Northwind" in text_of(answer.body)
    assert fake.calls_to("chat.postEphemeral") == []
    assert fake.calls_to("chat.postMessage") == []


async def test_an_apology_from_a_private_message_goes_through_the_response_url_too(
    slack: Slack, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(slack.world.rt.router, "handle", broken)
    slack.fake.outside.add(GENERAL)
    hook = slack.fake.response_url()
    await slack.post(
        interaction_body(ephemeral_payload("/ar case 1", user="U2", channel=GENERAL, hook=hook))
    )
    [answer] = await slack.fake.wait_for("response_url", timeout=DEADLINE)
    assert answer.body["text"].startswith("Sorry, something went wrong (ref ")
    assert "database" not in answer.body["text"]
    assert slack.fake.calls_to("chat.postEphemeral") == []


async def test_when_slack_says_the_bot_is_not_in_the_channel_the_response_url_answers(
    slack: Slack,
) -> None:
    # A public message with a button in a channel the bot has left since.
    slack.fake.outside.add(GENERAL)
    hook = slack.fake.response_url()
    payload = action_payload("/ar case 1", user="U2", hook=hook)
    payload["channel"]["id"] = payload["container"]["channel_id"] = GENERAL
    await slack.post(interaction_body(payload))
    [answer] = await slack.fake.wait_for("response_url", timeout=DEADLINE)
    assert "Northwind" in text_of(answer.body)
    [refused] = slack.fake.calls_to("chat.postEphemeral")  # tried once, then the URL
    assert refused.body["channel"] == GENERAL


async def test_a_form_opened_from_a_private_message_answers_through_its_response_url(
    slack: Slack,
) -> None:
    fake = slack.fake
    fake.outside.add(GENERAL)
    hook = fake.response_url()
    clicked = ephemeral_payload(
        "/ar promise 1 <amount> <date>", user="U2", channel=GENERAL, hook=hook
    )
    await slack.post(interaction_body(clicked))
    [opened] = await fake.wait_for("views.open", timeout=DEADLINE)
    view = decoded(opened.body["view"])
    meta = json.loads(view["private_metadata"])
    assert meta["response_url"] == hook and meta["via_url"] is True
    good = submission_payload(
        view,
        {
            "amount": {"type": "plain_text_input", "value": "500"},
            "date": {"type": "datepicker", "selected_date": "2026-03-20"},
        },
        user="U2",
    )
    assert (await slack.post(interaction_body(good))).status_code == 200
    # The promise is news for the circle: in the card's thread; the asker gets a pointer.
    [post] = await fake.wait_for("chat.postMessage", timeout=DEADLINE)
    assert post.body["channel"] == CIRCLE and post.body["thread_ts"] == slack.card_ts
    [pointer] = await fake.wait_for("response_url", timeout=DEADLINE)
    assert f"<#{CIRCLE}>" in pointer.body["text"] and "case #1" in pointer.body["text"]
    assert all(c.body.get("channel") != GENERAL for c in fake.calls if c.method.startswith("chat."))


# --- where a change to a case is told ---------------------------------------------------------


async def test_a_change_typed_in_general_goes_to_the_case_thread_and_a_pointer_to_the_asker(
    slack: Slack,
) -> None:
    fake, ts = slack.fake, slack.card_ts
    fake.outside.add(GENERAL)
    hook = fake.response_url()
    body = command_body("input 1 finance Statement sent", user="U2", channel=GENERAL, hook=hook)
    assert (await slack.post(body)).status_code == 200
    [post] = await fake.wait_for("chat.postMessage", timeout=DEADLINE)
    assert (post.body["channel"], post.body["thread_ts"]) == (CIRCLE, ts)
    assert "Finance" in post.body["text"] and "case #1" in post.body["text"]
    [pointer] = await fake.wait_for("response_url", timeout=DEADLINE)
    assert pointer.body["response_type"] == "ephemeral"
    permalink = f"https://test.slack.com/archives/{CIRCLE}/p{ts.replace('.', '')}"
    assert pointer.body["text"] == (
        f"Done. Posted in the thread of case #1 in <#{CIRCLE}> (<{permalink}|open it>)."
    )
    assert "Statement sent" not in pointer.body["text"]
    # Nothing about the case was sent to #general, in any form.
    assert not [c for c in fake.calls if c.body.get("channel") == GENERAL]


async def test_a_mention_elsewhere_tells_a_change_in_the_circle_and_answers_reads_privately(
    slack: Slack,
) -> None:
    fake, ts = slack.fake, slack.card_ts
    resp = await slack.post(
        event_body(
            "<@UBOT> decide 1 remind", event_id="EvG1", user="U1", ts="1710554400.000500"
        ).replace(CIRCLE.encode(), GENERAL.encode()),
        JSON_TYPE,
    )
    assert resp.status_code == 200
    [post] = await fake.wait_for("chat.postMessage", timeout=DEADLINE)
    assert (post.body["channel"], post.body["thread_ts"]) == (CIRCLE, ts)
    [pointer] = await fake.wait_for("chat.postEphemeral", timeout=DEADLINE)
    assert (pointer.body["channel"], pointer.body["user"]) == (GENERAL, "U1")
    assert "thread_ts" not in pointer.body and f"<#{CIRCLE}>" in pointer.body["text"]
    # A question in #general: the answer is for the asker only.
    await slack.post(
        event_body("<@UBOT> what about Northwind?", event_id="EvG2", user="U1").replace(
            CIRCLE.encode(), GENERAL.encode()
        ),
        JSON_TYPE,
    )
    calls = await fake.wait_for("chat.postEphemeral", 2, timeout=DEADLINE)
    assert calls[-1].body["channel"] == GENERAL and "Northwind" in text_of(calls[-1].body)
    assert len(fake.calls_to("chat.postMessage")) == 1


async def test_without_a_circle_channel_a_change_is_told_to_the_asker_only(
    fake_slack: FakeSlack,  # noqa: F811
    tmp_path: Path,
) -> None:
    world = build_world(
        fake_slack, tmp_path, CONFIG.replace("circle:\n  channels: {slack: C0CIRCLE}\n", "")
    )
    try:
        await world.open_case()
        async with serving(world) as srv:
            hook = fake_slack.response_url()
            await srv.post(
                command_body("snooze 1 2h CFO back at 3pm", user="U1", channel=GENERAL, hook=hook)
            )
            [answer] = await fake_slack.wait_for("response_url", timeout=DEADLINE)
            assert answer.body["response_type"] == "ephemeral"
            assert "#1" in answer.body["text"]
            assert fake_slack.calls_to("chat.postMessage") == []
    finally:
        world.rt.db.dispose()


async def test_when_the_circle_channel_refuses_the_asker_still_learns_the_outcome(
    slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    slack.fake.outside.add(CIRCLE)  # the bot was removed from the circle channel
    hook = slack.fake.response_url()
    await slack.post(
        command_body("input 1 finance Statement sent", user="U2", channel=GENERAL, hook=hook)
    )
    [answer] = await slack.fake.wait_for("response_url", timeout=DEADLINE)
    assert "Finance" in answer.body["text"] and "case #1" in answer.body["text"]
    await poll(
        lambda: any("could not post to C0CIRCLE" in r.getMessage() for r in caplog.records), "log"
    )
    assert not [r for r in caplog.records if r.exc_info and r.name.startswith("bot.")]
