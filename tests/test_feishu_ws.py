"""Feishu's long connection against the fake gateway (tests/fake_feishu_ws.py) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.adapters.feishu import ws_frames
from bot.adapters.feishu.ws import FeishuLongConnection, LongConnectionStopped, OnEvent
from tests.fake_feishu_ws import TICKET, FakeFeishuWs

# Shaped as Feishu documents im.message.receive_v1 (schema 2.0, "接收消息" event page).
MESSAGE = {
    "schema": "2.0",
    "header": {
        "event_id": "5e3702a84e847582be8db7fb73283c02",
        "event_type": "im.message.receive_v1",
        "create_time": "1608725989000",
        "token": "rvaYgkPtQSMf7sBfpDVzqc",
        "app_id": "cli_fake",
        "tenant_key": "2ca1d211f64f6438",
    },
    "event": {
        "sender": {"sender_id": {"open_id": "ou_1", "user_id": "u_1"}, "sender_type": "user"},
        "message": {
            "message_id": "om_5ce6d572455d361153b7cb51da133945",
            "chat_id": "oc_5ce6d572455d361153b7xx51da133945",
            "chat_type": "group",
            "message_type": "text",
            "content": '{"text":"@_user_1 /ar 逾期"}',
            "mentions": [{"key": "@_user_1", "id": {"open_id": "ou_bot"}, "name": "arcircle"}],
        },
    },
}
CARD_ACTION = {
    "schema": "2.0",
    "header": {"event_id": "card-ev-1", "event_type": "card.action.trigger", "app_id": "cli_fake"},
    "event": {
        "operator": {"open_id": "ou_1"},
        "action": {"value": {"do": "promise", "case": "42"}, "tag": "button"},
        "context": {"open_message_id": "om_card", "open_chat_id": "oc_1"},
    },
}
FAST = {"feishu.ws_reconnect": 0.05, "feishu.ws_reconnect_nonce": 0.01, "feishu.ws_drain": 0.2}


class Recorder:
    def __init__(self, answer: dict[str, Any] | None = None, fail: bool = False) -> None:
        self.events: list[dict[str, Any]] = []
        self.answer = answer
        self.fail = fail

    async def __call__(self, event: dict[str, Any]) -> dict[str, Any] | None:
        self.events.append(event)
        if self.fail and len(self.events) == 1:
            raise RuntimeError("handler broke on " + event["event"]["message"]["content"])
        return self.answer


@contextlib.asynccontextmanager
async def running(
    fake: FakeFeishuWs, on_event: OnEvent, tuning: dict[str, float] | None = None
) -> AsyncIterator[tuple[FeishuLongConnection, asyncio.Task[None]]]:
    async with httpx.AsyncClient() as client:
        conn = FeishuLongConnection(
            base_url=fake.base_url,
            app_id=fake.app_id,
            app_secret=fake.app_secret,
            on_event=on_event,
            client=client,
            tuning={**FAST, **(tuning or {})},
        )
        task = asyncio.create_task(conn.run())
        try:
            yield conn, task
        finally:
            await conn.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 1.0)


async def test_an_event_is_delivered_once_and_acked_200() -> None:
    handler = Recorder()
    async with FakeFeishuWs() as fake, running(fake, handler):
        mid = await fake.push_event(MESSAGE)
        ack = await fake.ack(mid)
        await asyncio.sleep(0.05)  # room for a wrong second delivery or ack
    assert handler.events == [MESSAGE]
    assert [a["message_id"] for a in fake.acks] == [mid]
    assert ack["code"] == 200 and ack["answer"] is None and ack["biz_rt"].isdigit()
    # The endpoint got what the SDK sends.
    assert fake.endpoint_calls[0]["body"] == {"AppID": "cli_fake", "AppSecret": "fake-secret"}
    assert fake.endpoint_calls[0]["headers"]["locale"] == "zh"


@pytest.mark.parametrize("kind", ["event", "card"])
async def test_a_card_actions_answer_rides_back_in_the_ack(kind: str) -> None:
    answer = {"toast": {"type": "success", "content": "已记录"}, "card": {"type": "raw"}}
    handler = Recorder(answer=answer)
    async with FakeFeishuWs() as fake, running(fake, handler):
        ack = await fake.ack(await fake.push_event(CARD_ACTION, kind=kind))
    assert handler.events == [CARD_ACTION]
    assert ack["code"] == 200 and ack["answer"] == answer


async def test_a_payload_split_in_parts_is_combined() -> None:
    handler = Recorder()
    async with FakeFeishuWs() as fake, running(fake, handler):
        ack = await fake.ack(await fake.push_event(MESSAGE, parts=3))
    assert handler.events == [MESSAGE]
    assert ack["code"] == 200 and len(fake.acks) == 1


async def test_a_handler_that_raises_is_still_acked_500_and_the_loop_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler = Recorder(fail=True)
    with caplog.at_level(logging.INFO, logger="bot.adapters.feishu"):
        async with FakeFeishuWs() as fake, running(fake, handler):
            first = await fake.ack(await fake.push_event(MESSAGE))
            second = await fake.ack(await fake.push_event(MESSAGE))
    assert (first["code"], second["code"]) == (500, 200)
    assert len(handler.events) == 2
    assert "RuntimeError" in caplog.text and "逾期" not in caplog.text


async def test_a_malformed_frame_is_skipped(caplog: pytest.LogCaptureFixture) -> None:
    handler = Recorder()
    with caplog.at_level(logging.INFO, logger="bot.adapters.feishu"):
        async with FakeFeishuWs() as fake, running(fake, handler):
            await fake.send_raw(b"\xff\x00 not a protobuf frame")
            await fake.send_raw(fake.data_frame("m-bad", "event", b"{", total=2, seq=5))
            await fake.send_raw(fake.data_frame("m-junk", "event", b"\x00{not json"))
            ack = await fake.ack(await fake.push_event(MESSAGE))
    assert handler.events == [MESSAGE] and ack["code"] == 200
    assert fake.connects == 1  # the line was never dropped for it
    assert "malformed frame skipped" in caplog.text
    # Undecodable JSON behaves as in the SDK: acked with 500.
    assert [a["code"] for a in fake.acks if a["message_id"] == "m-junk"] == [500]


async def test_pings_go_out_and_the_pongs_config_is_taken() -> None:
    async with FakeFeishuWs() as fake:
        fake.pong_config = {
            "ReconnectCount": 3,
            "ReconnectInterval": 9,
            "ReconnectNonce": 2,
            "PingInterval": 33,
        }
        async with running(fake, Recorder(), {"feishu.ws_ping": 0.05}) as (conn, _):
            await fake.connected()
            await asyncio.sleep(0.3)
            pings = fake.pings
            config = conn.config
    assert pings >= 3
    assert config == ws_frames.ClientConfig(3, 9.0, 2.0, 33.0)


async def test_after_the_server_drops_the_line_it_reconnects_and_events_arrive() -> None:
    handler = Recorder()
    async with FakeFeishuWs() as fake, running(fake, handler):
        await fake.ack(await fake.push_event(MESSAGE))
        await fake.drop()
        await fake.connected(count=2)
        ack = await fake.ack(await fake.push_event(CARD_ACTION))
    assert ack["code"] == 200 and len(handler.events) == 2
    assert len(fake.endpoint_calls) == 2  # a fresh URL (tokens) for every connection


async def test_bad_credentials_stop_with_a_line_that_holds_no_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with FakeFeishuWs() as fake, httpx.AsyncClient() as client:
        conn = FeishuLongConnection(
            base_url=fake.base_url,
            app_id=fake.app_id,
            app_secret="wrong-secret-9f2",
            on_event=Recorder(),
            client=client,
            tuning=FAST,
        )
        with caplog.at_level(logging.DEBUG), pytest.raises(LongConnectionStopped) as stopped:
            await asyncio.wait_for(conn.run(), 1.5)
    text = str(stopped.value)
    assert "10003" in text and "\n" not in text
    assert "wrong-secret-9f2" not in text + caplog.text


async def test_a_busy_endpoint_is_retried_until_the_count_runs_out() -> None:
    async with FakeFeishuWs() as fake:
        fake.endpoint_code = 1  # SYSTEM_BUSY: the SDK retries it
        async with running(fake, Recorder(), {"feishu.ws_reconnect_count": 2}) as (_, task):
            with pytest.raises(LongConnectionStopped, match="after 2 retries"):
                await asyncio.wait_for(task, 1.5)
    assert len(fake.endpoint_calls) == 3


async def test_a_finite_reconnect_count_from_the_server_is_kept() -> None:
    async with FakeFeishuWs() as fake:
        fake.config = {**fake.config, "ReconnectCount": 1, "ReconnectInterval": 0.05}
        fake.config["ReconnectNonce"] = 0
        async with running(fake, Recorder(), {"feishu.ws_reconnect": 0.02}) as (_, task):
            await fake.connected()
            fake.endpoint_code = 1000040343  # INTERNAL_ERROR from now on
            await fake.drop()
            with pytest.raises(LongConnectionStopped):
                await asyncio.wait_for(task, 1.5)


async def test_close_ends_run_and_logs_no_ticket(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="bot.adapters.feishu"):
        async with FakeFeishuWs() as fake, running(fake, Recorder()) as (conn, task):
            await fake.connected()
            await conn.close()
            await asyncio.wait_for(task, 1.0)
            assert task.done() and task.exception() is None
    assert "connected to ws://127.0.0.1" in caplog.text
    assert TICKET not in caplog.text and "fake-secret" not in caplog.text


async def test_a_slow_handler_does_not_hold_up_pings_or_other_events() -> None:
    release = asyncio.Event()

    async def handler(event: dict[str, Any]) -> dict[str, Any] | None:
        if event["header"]["event_type"] == "im.message.receive_v1":
            await release.wait()
        return None

    async with FakeFeishuWs() as fake, running(fake, handler, {"feishu.ws_ping": 0.05}) as _:
        slow = await fake.push_event(MESSAGE)
        quick = await fake.ack(await fake.push_event(CARD_ACTION))
        pings = fake.pings
        await asyncio.sleep(0.15)
        assert fake.pings > pings and [a["message_id"] for a in fake.acks] == [quick["message_id"]]
        release.set()
        assert (await fake.ack(slow))["code"] == 200


@pytest.mark.parametrize(
    ("headers", "fatal"),
    [
        ({"handshake-status": "403", "handshake-msg": "forbidden"}, True),
        ({"handshake-status": "514", "handshake-autherrcode": "1000040350"}, True),
        ({"handshake-status": "514", "handshake-autherrcode": "1"}, False),
    ],
)
async def test_a_refused_handshake_stops_only_when_the_sdk_would(
    headers: dict[str, str], fatal: bool
) -> None:
    async with FakeFeishuWs() as fake:
        fake.refuse_handshake = headers
        async with running(fake, Recorder(), {"feishu.ws_reconnect_count": 1}) as (_, task):
            with pytest.raises(LongConnectionStopped) as stopped:
                await asyncio.wait_for(task, 1.5)
    assert ("handshake refused" in str(stopped.value)) is fatal
    assert len(fake.endpoint_calls) == (1 if fatal else 2)


async def test_close_during_the_reconnect_pause_ends_run_at_once() -> None:
    async with FakeFeishuWs() as fake:
        fake.endpoint_code = 1
        tuning = {"feishu.ws_reconnect": 30.0, "feishu.ws_reconnect_nonce": 30.0}
        async with running(fake, Recorder(), tuning) as (conn, task):
            while len(fake.endpoint_calls) < 1:
                await asyncio.sleep(0.01)
            await conn.close()
            await asyncio.wait_for(task, 0.5)
            assert task.exception() is None


async def test_an_answer_that_is_not_json_is_acked_500() -> None:
    handler = Recorder(answer={"toast": {1, 2}})  # a set: json cannot encode it
    async with FakeFeishuWs() as fake, running(fake, handler):
        ack = await fake.ack(await fake.push_event(CARD_ACTION))
        after = await fake.ack(await fake.push_event(MESSAGE))
    assert (ack["code"], ack["answer"]) == (500, None)
    assert after["message_id"] != ack["message_id"] and len(handler.events) == 2


def test_the_combiner_refuses_what_it_cannot_bound() -> None:
    combiner = ws_frames.Combiner()
    assert combiner.add("m", 2, 1, b"B") is None
    assert combiner.add("m", 2, 0, b"A") == b"AB"  # parts joined in seq order
    for total, seq in [(2, 2), (1, 0), (ws_frames.MAX_PARTS + 1, 0), (2, -1)]:
        with pytest.raises(ValueError):
            combiner.add("n", total, seq, b"x")
    with pytest.raises(ValueError, match="too large"):
        combiner.add("big", 2, 0, b"x" * (ws_frames.MAX_PAYLOAD + 1))
    for i in range(ws_frames.MAX_PENDING):
        combiner.add(f"w{i}", 2, 0, b"x")
    with pytest.raises(ValueError, match="too many"):
        combiner.add("one-more", 2, 0, b"x")


def test_a_pushed_config_keeps_only_sane_numbers() -> None:
    base = ws_frames.ClientConfig()
    merged = base.merged(
        {
            "ReconnectCount": "3",
            "PingInterval": True,
            "ReconnectInterval": 1e9,
            "ReconnectNonce": -4,
        }
    )
    assert merged == ws_frames.ClientConfig(-1, 3600.0, 0.0, 120.0)
    assert base.merged(["not", "a", "dict"]) == base
