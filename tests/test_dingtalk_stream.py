"""DingTalk Stream mode against a fake gateway on 127.0.0.1: real HTTP and WebSocket sockets,
the real frame shapes, tiny tuned intervals."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web

from bot.adapters.dingtalk import stream_frames as wire
from bot.adapters.dingtalk.stream import DingtalkStream, StreamStopped, backoff
from tests.fake_dingtalk_stream import BOT_TOPIC, CARD_TOPIC, FakeDingtalkStream

SECRET = "ding-secret-Zq81xT"
TUNING = {
    "dingtalk.stream_reconnect": 0.01,
    "dingtalk.stream_reconnect_max": 0.05,
    "dingtalk.stream_open_timeout": 2.0,
    "dingtalk.stream_handler_timeout": 2.0,
    "dingtalk.stream_close_grace": 0.5,
}
TEXT = "@arcircle /ar 逾期 客户甲"


def robot_body(msg_id: str = "msgQ5tZ1v8m2Bj3lQH1u0w==", text: str = TEXT) -> dict[str, Any]:
    """Shaped like the documented 企业内部机器人接收消息 body (the same as by HTTP callback)."""
    return {
        "conversationId": "cidz8G0Hx2mLqJ0hYtT2rqG3A==",
        "chatbotCorpId": "dingcorp123",
        "chatbotUserId": "$:LWCP_v1:$botbotbot",
        "msgId": msg_id,
        "senderNick": "张三",
        "isAdmin": False,
        "senderStaffId": "manager4220",
        "sessionWebhookExpiredTime": 1795872600000,
        "createAt": 1795867199000,
        "senderCorpId": "dingcorp123",
        "conversationType": "2",
        "senderId": "$:LWCP_v1:$sender",
        "isInAtList": True,
        "sessionWebhook": "https://oapi.dingtalk.com/robot/sendBySession?session=abc",
        "text": {"content": text},
        "robotCode": "dingrobot123",
        "msgtype": "text",
    }


# The SDK's CardCallbackMessage fields (dingtalk_stream/card_callback.py): content is a JSON string.
CARD = {
    "extension": "{}",
    "corpId": "dingcorp123",
    "type": "actionCallback",
    "userId": "manager4220",
    "content": json.dumps({"cardPrivateData": {"actionIds": ["pay"], "params": {"c": "42"}}}),
    "outTrackId": "case-42-v1",
}


@dataclass
class World:
    fake: FakeDingtalkStream
    stream: DingtalkStream
    task: asyncio.Task[None]
    messages: list[dict[str, Any]] = field(default_factory=list)
    cards: list[dict[str, Any]] = field(default_factory=list)


Handler = Callable[[World, dict[str, Any]], Awaitable[Any]]


async def _start(
    fake: FakeDingtalkStream,
    client: httpx.AsyncClient,
    *,
    secret: str = SECRET,
    on_message: Handler | None = None,
    on_card: Handler | None = None,
    **tuning: float,
) -> World:
    world: World

    async def message(body: dict[str, Any]) -> None:
        world.messages.append(body)
        if on_message is not None:
            await on_message(world, body)

    async def card(data: dict[str, Any]) -> dict[str, Any] | None:
        world.cards.append(data)
        if on_card is not None:
            answer: dict[str, Any] | None = await on_card(world, data)
            return answer
        return {"cardData": {"cardParamMap": {"status": "paid"}}}

    stream = DingtalkStream(
        base_url=fake.base_url,
        app_key="ding-app-key",
        app_secret=secret,
        on_message=message,
        on_card=card,
        client=client,
        tuning={**TUNING, **{k.replace("__", "."): v for k, v in tuning.items()}},
    )
    world = World(fake, stream, asyncio.create_task(stream.run()))
    return world


@pytest.fixture
async def fake() -> AsyncIterator[FakeDingtalkStream]:
    async with FakeDingtalkStream(client_secret=SECRET) as server:
        yield server


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        yield http


async def _stop(world: World) -> None:
    await world.stream.close()
    await asyncio.wait_for(world.task, 5)


async def test_a_robot_message_is_delivered_once_and_acked_with_its_message_id(
    fake: FakeDingtalkStream, client: httpx.AsyncClient
) -> None:
    world = await _start(fake, client)
    await fake.wait_connected()
    mid = await fake.push_message(robot_body())
    ack = await fake.ack(mid)
    assert ack["code"] == 200
    assert ack["headers"] == {"messageId": mid, "contentType": "application/json"}
    assert ack["data"] == {"response": "OK"}
    assert world.messages == [robot_body()]
    # The open asked for both callback topics with our app key.
    subs = fake.opens[0]["subscriptions"]
    assert {"type": "CALLBACK", "topic": BOT_TOPIC} in subs
    assert {"type": "CALLBACK", "topic": CARD_TOPIC} in subs
    assert fake.opens[0]["clientId"] == "ding-app-key"
    await _stop(world)
    assert len(fake.acks_for(mid)) == 1 and len(world.messages) == 1


async def test_a_card_callback_answer_comes_back_in_the_ack(
    fake: FakeDingtalkStream, client: httpx.AsyncClient
) -> None:
    world = await _start(fake, client)
    await fake.wait_connected()
    mid = await fake.push_card(CARD)
    ack = await fake.ack(mid)
    assert ack["code"] == 200
    assert ack["data"] == {"response": {"cardData": {"cardParamMap": {"status": "paid"}}}}
    assert world.cards == [CARD]
    await _stop(world)


async def test_a_ping_is_answered_with_the_same_data_even_while_a_handler_is_slow(
    fake: FakeDingtalkStream, client: httpx.AsyncClient
) -> None:
    release = asyncio.Event()

    async def slow(world: World, body: dict[str, Any]) -> None:
        await release.wait()

    world = await _start(fake, client, on_message=slow)
    await fake.wait_connected()
    slow_mid = await fake.push_message(robot_body())
    ping = await fake.ping("opaque-7f3a")
    ack = await fake.ack(ping)
    assert ack["code"] == 200 and ack["data"] == {"opaque": "opaque-7f3a"}
    assert fake.acks_for(slow_mid) == []  # still running, the ping did not wait for it
    release.set()
    assert (await fake.ack(slow_mid))["code"] == 200
    await _stop(world)


async def test_a_handler_that_raises_is_acked_with_an_error_and_the_stream_goes_on(
    fake: FakeDingtalkStream, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    async def boom(world: World, body: dict[str, Any]) -> None:
        if body["msgId"] == "bad":
            raise RuntimeError(f"cannot handle {body['text']['content']}")

    caplog.set_level(logging.DEBUG)
    world = await _start(fake, client, on_message=boom)
    await fake.wait_connected()
    bad = await fake.ack(await fake.push_message(robot_body("bad")))
    assert bad["code"] == 500
    good = await fake.ack(await fake.push_message(robot_body("good")))
    assert good["code"] == 200
    assert [m["msgId"] for m in world.messages] == ["bad", "good"]
    assert "handler failed (RuntimeError)" in caplog.text
    assert "逾期" not in caplog.text and "客户甲" not in caplog.text
    await _stop(world)


@pytest.mark.parametrize(
    ("raw", "acked"),
    [
        ("this is not json {", False),
        ("[1, 2]", False),
        ('{"type": "CALLBACK", "data": "{}"}', False),  # no headers, no messageId to ack
        (
            '{"specVersion": "1.0", "type": "CALLBACK", "headers": {"messageId": "m-x", '
            f'"topic": "{BOT_TOPIC}"}}, "data": "{{not json 逾期"}}',
            True,
        ),
        (
            '{"specVersion": "1.0", "type": "CALLBACK", "headers": {"messageId": "m-x", '
            f'"topic": "{BOT_TOPIC}"}}, "data": "[1]"}}',
            True,
        ),
        ('{"type": "WHAT", "headers": {"messageId": "m-x", "topic": "t"}, "data": "{}"}', True),
    ],
)
async def test_a_malformed_frame_is_skipped_and_the_next_one_arrives(
    fake: FakeDingtalkStream,
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    raw: str,
    acked: bool,
) -> None:
    caplog.set_level(logging.DEBUG)
    world = await _start(fake, client)
    await fake.wait_connected()
    await fake.send_raw(raw)
    mid = await fake.push_message(robot_body())
    assert (await fake.ack(mid))["code"] == 200
    assert world.messages == [robot_body()]
    if acked:
        assert (await fake.ack("m-x"))["code"] == 400
    else:
        assert fake.acks_for("m-x") == []
    assert "逾期" not in caplog.text and "not json {" not in caplog.text
    assert fake.connects == 1  # the line stayed up
    await _stop(world)


async def test_an_unknown_topic_is_acked_and_ignored(
    fake: FakeDingtalkStream, client: httpx.AsyncClient
) -> None:
    world = await _start(fake, client)
    await fake.wait_connected()
    mid = await fake.push("CALLBACK", "/v1.0/graph/api/invoke", {"x": 1})
    event = await fake.push("EVENT", "chat_update_title", {"title": "t"})
    assert (await fake.ack(mid))["code"] == 200
    event_ack = await fake.ack(event)
    assert event_ack["code"] == 200
    assert event_ack["data"] == {"status": "SUCCESS", "message": "success"}
    assert world.messages == [] and world.cards == []
    await _stop(world)


async def test_disconnect_gets_a_new_ticket_and_later_messages_still_arrive(
    fake: FakeDingtalkStream, client: httpx.AsyncClient
) -> None:
    world = await _start(fake, client)
    await fake.wait_connected()
    bye = await fake.disconnect()
    assert (await fake.ack(bye))["code"] == 200
    await fake.wait_connected(2)
    assert len(fake.tickets) == 2 and fake.refused == 0  # a fresh ticket, not the used one
    mid = await fake.push_message(robot_body())
    assert (await fake.ack(mid))["code"] == 200
    assert world.messages == [robot_body()]
    await _stop(world)


async def test_a_dropped_line_reconnects(
    fake: FakeDingtalkStream, client: httpx.AsyncClient
) -> None:
    world = await _start(fake, client)
    await fake.wait_connected()
    await fake.drop()
    await fake.wait_connected(2)
    mid = await fake.push_card(CARD)
    assert (await fake.ack(mid))["code"] == 200
    assert world.stream.connects == 2
    await _stop(world)


@pytest.mark.parametrize("status", [None, 400, 403])
async def test_refused_credentials_stop_with_one_line_and_no_secret(
    fake: FakeDingtalkStream,
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    status: int | None,
) -> None:
    caplog.set_level(logging.DEBUG)
    if status is not None:
        fake.open_errors.append(status)
    world = await _start(fake, client, secret="wrong-secret-9Qx" if status is None else SECRET)
    with pytest.raises(StreamStopped) as stopped:
        await asyncio.wait_for(world.task, 5)
    text = str(stopped.value)
    assert f"HTTP {status or 401}" in text and "DINGTALK_APP_SECRET" in text
    assert "\n" not in text
    for secret in ("wrong-secret-9Qx", SECRET):
        assert secret not in text and secret not in caplog.text
    assert fake.connects == 0 and len(fake.opens) == 1  # no retry for refused credentials


async def test_a_5xx_or_429_on_open_is_retried_with_backoff(
    fake: FakeDingtalkStream, client: httpx.AsyncClient
) -> None:
    fake.open_errors.extend([503, 500, 429])
    world = await _start(fake, client)
    await fake.wait_connected()
    assert len(fake.opens) == 4
    mid = await fake.push_message(robot_body())
    assert (await fake.ack(mid))["code"] == 200
    await _stop(world)


async def test_an_unreachable_gateway_is_retried_until_close(client: httpx.AsyncClient) -> None:
    async with FakeDingtalkStream(client_secret=SECRET) as fake:
        base = fake.base_url
    # The fake is gone: nothing listens on its port any more.
    stream = DingtalkStream(
        base_url=base,
        app_key="ding-app-key",
        app_secret=SECRET,
        on_message=lambda body: asyncio.sleep(0),
        on_card=lambda data: asyncio.sleep(0, None),
        client=client,
        tuning=TUNING,
    )
    task = asyncio.create_task(stream.run())
    await asyncio.sleep(0.1)
    assert not task.done()  # still retrying, not stopped
    await stream.close()
    await asyncio.wait_for(task, 5)


async def test_close_ends_run_cleanly_and_lets_a_running_handler_ack(
    fake: FakeDingtalkStream, client: httpx.AsyncClient
) -> None:
    async def brief(world: World, body: dict[str, Any]) -> None:
        await asyncio.sleep(0.05)

    world = await _start(fake, client, on_message=brief)
    await fake.wait_connected()
    mid = await fake.push_message(robot_body())
    while not world.messages:
        await asyncio.sleep(0.005)
    await world.stream.close()
    await asyncio.wait_for(world.task, 5)
    assert world.task.exception() is None
    assert len(fake.tickets) == 1  # no reconnect after close
    assert [a["code"] for a in fake.acks_for(mid)] == [200]  # acked before the line closed
    await asyncio.sleep(0.05)
    assert not fake.open


async def test_handlers_run_within_the_bound_and_a_stuck_one_times_out(
    fake: FakeDingtalkStream, client: httpx.AsyncClient
) -> None:
    running: list[str] = []
    peak = 0

    async def slow(world: World, body: dict[str, Any]) -> None:
        nonlocal peak
        running.append(body["msgId"])
        peak = max(peak, len(running))
        await asyncio.sleep(10 if body["msgId"] == "stuck" else 0.02)
        running.remove(body["msgId"])

    world = await _start(
        fake,
        client,
        on_message=slow,
        dingtalk__stream_concurrency=2,
        dingtalk__stream_handler_timeout=0.3,
    )
    await fake.wait_connected()
    stuck = await fake.push_message(robot_body("stuck"))
    mids = [await fake.push_message(robot_body(f"m{i}")) for i in range(5)]
    assert [(await fake.ack(m))["code"] for m in mids] == [200] * 5
    assert peak == 2
    ack = await fake.ack(stuck)
    assert ack["code"] == 500 and ack["message"] == "timeout"
    await _stop(world)


async def test_too_many_waiting_frames_are_answered_busy(
    fake: FakeDingtalkStream, client: httpx.AsyncClient
) -> None:
    release = asyncio.Event()

    async def wait(world: World, body: dict[str, Any]) -> None:
        await release.wait()

    world = await _start(
        fake, client, on_message=wait, dingtalk__stream_concurrency=1, dingtalk__stream_pending=2
    )
    await fake.wait_connected()
    mids = [await fake.push_message(robot_body(f"m{i}")) for i in range(3)]
    busy = await fake.ack(mids[2])
    assert busy["code"] == 500 and busy["message"] == "busy"
    release.set()
    assert [(await fake.ack(m))["code"] for m in mids[:2]] == [200, 200]
    await _stop(world)


async def test_a_card_handler_without_an_answer_acks_an_empty_response(
    fake: FakeDingtalkStream, client: httpx.AsyncClient
) -> None:
    async def nothing(world: World, data: dict[str, Any]) -> None:
        return None

    world = await _start(fake, client, on_card=nothing)
    await fake.wait_connected()
    ack = await fake.ack(await fake.push_card(CARD))
    assert ack["code"] == 200 and ack["message"] == "OK" and ack["data"] == {"response": {}}
    await _stop(world)


async def test_logs_hold_neither_secret_nor_ticket_nor_text(
    fake: FakeDingtalkStream, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world = await _start(fake, client)
    await fake.wait_connected()
    await fake.ack(await fake.push_message(robot_body()))
    await fake.ack(await fake.push_card(CARD))
    await fake.ack(await fake.ping())
    await fake.drop()
    await fake.wait_connected(2)
    await _stop(world)
    assert "connected to 127.0.0.1" in caplog.text
    for ticket in fake.tickets:
        assert ticket not in caplog.text
    assert SECRET not in caplog.text and "逾期" not in caplog.text and "case-42" not in caplog.text


async def test_close_during_a_hanging_open_ends_run_at_once(
    fake: FakeDingtalkStream, client: httpx.AsyncClient
) -> None:
    fake.open_delay = 30.0
    world = await _start(fake, client, dingtalk__stream_open_timeout=30.0)
    while not fake.opens:
        await asyncio.sleep(0.005)
    await world.stream.close()
    await asyncio.wait_for(world.task, 1.0)  # not the open's 30 s
    assert fake.connects == 0


async def test_run_after_close_returns_without_connecting(
    fake: FakeDingtalkStream, client: httpx.AsyncClient
) -> None:
    world = await _start(fake, client)
    await world.stream.close()
    await asyncio.wait_for(world.task, 1.0)
    assert fake.connects == 0


@pytest.mark.parametrize(
    ("failures", "rand", "seconds"),
    [
        (1, 0.0, 0.5),
        (1, 0.999999, 1.0),
        (2, 0.0, 1.0),
        (4, 0.0, 4.0),
        (9, 0.0, 30.0),
        (50, 0.0, 30.0),
    ],
)
def test_backoff_doubles_up_to_the_cap_with_jitter(
    failures: int, rand: float, seconds: float
) -> None:
    assert backoff(failures, 1.0, 60.0, rand) == pytest.approx(seconds, abs=1e-5)


async def test_the_fake_gateway_mounts_on_another_fake_app(client: httpx.AsyncClient) -> None:
    """How a whole-circle test serves the APIs and the gateway from one base URL."""
    gateway = FakeDingtalkStream(client_secret=SECRET)
    app = web.Application()
    gateway.add_routes(app)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    await gateway.start_socket()
    try:
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        received: list[dict[str, Any]] = []

        async def on_message(body: dict[str, Any]) -> None:
            received.append(body)

        async def on_card(data: dict[str, Any]) -> dict[str, Any] | None:
            return None

        stream = DingtalkStream(
            base_url=base,
            app_key="ding-app-key",
            app_secret=SECRET,
            on_message=on_message,
            on_card=on_card,
            client=client,
            tuning=TUNING,
        )
        task = asyncio.create_task(stream.run())
        await gateway.wait_connected()
        assert (await gateway.ack(await gateway.push_message(robot_body())))["code"] == 200
        assert received == [robot_body()]
        await stream.close()
        await asyncio.wait_for(task, 5)
    finally:
        await gateway.stop_socket()
        await runner.cleanup()


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, {"ticket": "t"}, wire.OpenFailed),
        (200, {"endpoint": "http://x/connect", "ticket": "t"}, wire.OpenFailed),
        (200, {"endpoint": "wss://x/connect", "ticket": ""}, wire.OpenFailed),
        (200, {"endpoint": "wss://x/c onnect", "ticket": "t"}, wire.OpenFailed),
        (200, ["not", "an", "object"], wire.OpenFailed),
        (502, None, wire.OpenFailed),
        (429, {"code": "Throttling"}, wire.OpenFailed),
        (401, {"code": "InvalidAuthentication"}, wire.OpenRefused),
        (404, None, wire.OpenRefused),
    ],
)
def test_a_bad_open_answer_is_retried_or_refused(status: int, body: Any, error: type) -> None:
    with pytest.raises(error):
        wire.parse_open_answer(status, body)


def test_the_open_error_names_only_a_short_code_never_the_message() -> None:
    with pytest.raises(wire.OpenRefused) as refused:
        wire.parse_open_answer(401, {"code": "secret=abc echo", "message": "secret=abc"})
    assert str(refused.value) == "HTTP 401"
    assert wire.parse_open_answer(200, {"endpoint": "wss://g/c", "ticket": "a+b"}) == (
        "wss://g/c",
        "a+b",
    )
    assert wire.connect_url("wss://g/c", "a+b/=") == "wss://g/c?ticket=a%2Bb%2F%3D"
