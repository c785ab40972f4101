"""A busy second at Slack is not "Sorry, something went wrong" (issue 9, item 6): the
interactive paths retry a 429 after its Retry-After, and a lost connection once, with
slack_sdk's retry handlers on the bolt app's client and on the response_url client.

The waits are recorded (World.waits), not slept.
"""

from __future__ import annotations

import json

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)

from tests.fake_slack import Response, fake_slack  # noqa: F401 - the fixture
from tests.test_slack_inbound import (
    CIRCLE,
    DEADLINE,
    Server,
    World,
    action_payload,
    command_body,
    decoded,
    interaction_body,
)
from tests.test_slack_inbound import server as _server  # noqa: F401 - the fixture
from tests.test_slack_inbound import world as _world  # noqa: F401 - the fixture


def test_the_bolt_apps_client_carries_slack_sdks_retry_handlers(world: World) -> None:
    messenger = world.messenger()
    kinds = {type(h) for h in messenger.app.client.retry_handlers}
    assert any(issubclass(k, AsyncRateLimitErrorRetryHandler) for k in kinds)
    assert any(issubclass(k, AsyncConnectionErrorRetryHandler) for k in kinds)
    # The outbox's client has none: the outbox retries through its rows.
    assert messenger.outbox_client.retry_handlers == []


async def test_a_429_on_a_mention_reply_is_retried_and_the_user_gets_the_answer(
    server: Server,
) -> None:
    fake = server.fake
    fake.script("chat.postMessage", Response.rate_limited(retry_after=3))
    await server.mention("<@UBOT> what about Northwind?", "EvBUSY", ts="1710554400.000700")
    posts = await fake.wait_for("chat.postMessage", 2, timeout=DEADLINE)
    assert [p.body["thread_ts"] for p in posts] == ["1710554400.000700"] * 2
    assert "Northwind" in posts[-1].body["text"] + str(posts[-1].body.get("blocks"))
    assert 3.0 in server.world.waits  # Slack's Retry-After, honoured
    assert fake.calls_to("chat.postEphemeral") == []  # no apology


async def test_a_429_on_a_private_answer_and_on_the_response_url_is_retried(
    server: Server,
) -> None:
    fake = server.fake
    await server.world.open_case()
    fake.script("chat.postEphemeral", Response.rate_limited(retry_after=1))
    await server.post(interaction_body(action_payload("/ar case 1", user="U2", hook="")))
    calls = await fake.wait_for("chat.postEphemeral", 2, timeout=DEADLINE)
    assert "Northwind" in calls[-1].body["text"] + json.dumps(decoded(calls[-1].body["blocks"]))
    assert len(fake.visible_ephemerals("U2")) == 1

    fake.script("response_url", Response.rate_limited(retry_after=2))
    hook = fake.response_url()
    await server.post(command_body("overdue", user="U2", hook=hook))
    answers = await fake.wait_for("response_url", 2, timeout=DEADLINE)
    assert [a.path for a in answers] == [hook.removeprefix(fake.root)] * 2
    assert "Northwind" in json.dumps(answers[-1].body, ensure_ascii=False)
    assert server.world.waits[-1] == 2.0


async def test_a_429_on_views_open_is_retried_and_the_form_opens(
    server: Server,
) -> None:
    fake = server.fake
    await server.world.open_case()
    fake.script("views.open", Response.rate_limited(retry_after=1))
    clicked = action_payload("/ar input 1 finance <text>", user="U2", hook="")
    await server.post(interaction_body(clicked))
    opened = await fake.wait_for("views.open", 2, timeout=DEADLINE)
    assert opened[0].body["trigger_id"] == opened[1].body["trigger_id"] == "111.222.valid"
    assert len(fake.views) == 1
    assert fake.calls_to("chat.postEphemeral") == []


async def test_a_dropped_connection_is_retried_once(server: Server) -> None:
    fake = server.fake
    fake.script("chat.postMessage", Response.disconnect())
    await server.mention("<@UBOT> what about Northwind?", "EvDROP", ts="1710554400.000800")
    posts = await fake.wait_for("chat.postMessage", 2, timeout=DEADLINE)
    assert fake.messages[CIRCLE][-1]["thread_ts"] == "1710554400.000800"
    assert len(posts) == 2
    assert len(server.world.waits) == 1  # slack_sdk's backoff, recorded not slept


async def test_a_long_retry_after_is_not_waited_for_and_the_user_is_told(
    server: Server,
) -> None:
    fake = server.fake
    # Slack asks for a minute: nobody waits that long for an answer.
    fake.script("chat.postMessage", Response.rate_limited(retry_after=60))
    await server.mention("<@UBOT> what about Northwind?", "EvLONG", ts="1710554400.000900")
    [sorry] = await fake.wait_for("chat.postEphemeral", timeout=DEADLINE)
    assert sorry.body["text"].startswith("Sorry, something went wrong (ref ")
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert 60.0 not in server.world.waits
