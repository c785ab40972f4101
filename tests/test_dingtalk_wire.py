"""DingTalk's answers as the real service gives them, where our own fake is narrower: 200s
that still refuse (batchSend's staff lists, an oapi errcode), empty 2xx answers, the "too
fast" codes, a percent-encoded callback sign, and Stream frames whose `data` is already an
object or whose headers carry values the SDK's `int()` would choke on.

The calls go through httpx.MockTransport (no socket at all), except the last test's, which
uses the fake DingTalk on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from bot.adapters.dingtalk import stream_frames as wire
from bot.adapters.dingtalk.api import Api, SessionWebhook
from bot.adapters.dingtalk.sign import SignatureError, check_callback
from bot.kernel.messages import Button, Card, PermanentError, Reply, RetryAfter

NOW = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)


def api_with(answer: Callable[[httpx.Request], httpx.Response]) -> Api:
    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1.0/oauth2/accessToken":
            return httpx.Response(200, json={"accessToken": "t", "expireIn": 7200})
        return answer(request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(route))
    return Api(
        client, "https://api.test", app_key="k", app_secret="s", robot_code="k", clock=lambda: 0.0
    )


async def test_batch_send_names_throttled_and_unknown_users_in_a_200() -> None:
    # BatchSendOTOResponseBody (Alibaba Cloud SDK dingtalkrobot_1_0): processQueryKey,
    # invalidStaffIdList, flowControlledStaffIdList.
    throttled = api_with(
        lambda r: httpx.Response(
            200, json={"processQueryKey": "q", "flowControlledStaffIdList": ["u1"]}
        )
    )
    with pytest.raises(RetryAfter):
        await throttled.direct_markdown(["u1"], "t", "x")
    unknown = api_with(
        lambda r: httpx.Response(200, json={"processQueryKey": "q", "invalidStaffIdList": ["u1"]})
    )
    with pytest.raises(PermanentError, match="userId"):
        await unknown.direct_markdown(["u1"], "t", "x")
    fine = api_with(
        lambda r: httpx.Response(
            200, json={"processQueryKey": "q", "invalidStaffIdList": [], "extra": 1}
        )
    )
    await fine.direct_markdown(["u1"], "t", "x")


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(200, json={"errcode": 130101, "errmsg": "send too fast"}), RetryAfter),
        (httpx.Response(200, json={"errcode": 410100, "errmsg": "限流"}), RetryAfter),
        (httpx.Response(200, json={"errcode": 300001, "errmsg": "token"}), PermanentError),
        (httpx.Response(403, json={"code": "Forbidden.AccessDenied.QpsLimitForApi"}), RetryAfter),
        (
            httpx.Response(403, json={"code": "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"}),
            RetryAfter,
        ),
        (httpx.Response(429, text="slow down"), RetryAfter),
        (httpx.Response(200, text=""), None),  # taken: sending again would post it twice
        (httpx.Response(204), None),
        (httpx.Response(200, json={"processQueryKey": "q", "unknown": [1]}), None),
    ],
)
async def test_group_message_answers(answer: httpx.Response, error: type | None) -> None:
    api = api_with(lambda r: answer)
    if error is None:
        await api.group_markdown("cid", "t", "x")
    else:
        with pytest.raises(error):
            await api.group_markdown("cid", "t", "x")


async def test_a_session_webhook_taken_without_json_is_not_sent_again() -> None:
    posts: list[bytes] = []

    def route(request: httpx.Request) -> httpx.Response:
        posts.append(request.content)
        return httpx.Response(200, text="ok")

    async with httpx.AsyncClient(transport=httpx.MockTransport(route)) as client:
        await SessionWebhook(client).send("https://oapi.dingtalk.com/robot/sendBySession", {})
    assert len(posts) == 1


def documented_sign(secret: str, timestamp_ms: int) -> str:
    # open.dingtalk.com 企业内部机器人接收消息, 校验签名:
    # Base64(HmacSHA256(key=appSecret, data=timestamp + "\n" + appSecret)).
    mac = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def test_a_percent_encoded_callback_sign_is_accepted_and_a_wrong_one_is_not() -> None:
    stamp = int(NOW.timestamp() * 1000)
    sign = documented_sign("sec", stamp)
    assert check_callback({"timestamp": str(stamp), "sign": quote(sign, safe="")}, "sec", NOW)
    wrong = quote(documented_sign("other", stamp), safe="")
    with pytest.raises(SignatureError):
        check_callback({"timestamp": str(stamp), "sign": wrong}, "sec", NOW)


def frame(**overrides: Any) -> str:
    # SDK frames.py / the Stream protocol: {specVersion, type, headers, data: "<JSON string>"}.
    body: dict[str, Any] = {
        "specVersion": "1.0",
        "type": "CALLBACK",
        "headers": {
            "appId": "a",
            "connectionId": "c",
            "contentType": "application/json",
            "messageId": "m-1",
            "time": "1710554400000",
            "topic": "/v1.0/im/bot/messages/get",
        },
        "data": json.dumps({"msgId": "x"}),
    }
    body.update(overrides)
    return json.dumps(body)


def test_frames_as_the_sdk_sends_them_and_as_a_gateway_may_vary() -> None:
    assert wire.parse_frame(frame()).data == {"msgId": "x"}
    # `data` already an object, a `time` the SDK's int() would refuse, unknown fields.
    headers = json.loads(frame())["headers"] | {"time": "soon", "eventType": "x", "new": [1]}
    varied = wire.parse_frame(frame(data={"msgId": "y"}, headers=headers, extra={"k": 1}))
    assert varied.data == {"msgId": "y"} and varied.message_id == "m-1"
    assert wire.parse_frame(frame(type="SYSTEM", data="")).data == {}
    with pytest.raises(wire.FrameError, match="not JSON") as bad:
        wire.parse_frame(frame(data="{broken"))
    assert bad.value.message_id == "m-1"  # acked as a bad request, not left to be resent
    with pytest.raises(wire.FrameError, match="neither"):
        wire.parse_frame(frame(data=5))


def test_the_ack_has_the_sdk_shape() -> None:
    # SDK handlers.py CallbackHandler.raw_process + frames.py AckMessage.to_dict.
    ack = json.loads(wire.callback_ack("m-1", "OK"))
    assert ack["code"] == 200
    assert ack["headers"] == {"contentType": "application/json", "messageId": "m-1"}
    assert json.loads(ack["data"]) == {"response": "OK"}
    assert set(ack) == {"code", "headers", "message", "data"}


async def test_without_a_card_api_the_circle_card_goes_as_markdown(tmp_path: Path) -> None:
    """A DingTalk (or a proxy) that serves no interactive-card API (HTTP 404): the circle
    card still reaches the group, as markdown through groupMessages/send."""
    from tests.dingtalk_helpers import GROUP, rig
    from tests.outbox_helpers import enqueue_row, outbox_rows

    async with rig(tmp_path) as r:
        r.ding.script("card", 404, "NotFound")
        enqueue_row(r, "c1", "card", GROUP, ref_key="case:1", text="Northwind")
        transport = r.messenger.transport()
        [row] = outbox_rows(r)
        card = Card(title="Case #1 · Northwind", buttons=(Button("Phrase", "/ar phrase 1"),))
        reply = Reply(text=None, card=card, ephemeral=False)
        assert await transport.deliver(row, reply, update_ref=None, thread_ref=None) is None
        [sent] = r.ding.group_messages
        assert "Case #1" in sent["msgParam"]["text"] and "/ar phrase 1" in sent["msgParam"]["text"]
        assert r.ding.cards == {}
