"""A small DingTalk written from the official docs and the official SDK only, for
tests/test_dingtalk_independent.py; NOT from tests/fake_dingtalk.py or
tests/fake_dingtalk_stream.py: what our code and our own fakes agree on but the real service
does differently shows up there.

Sources of each shape (carried next to the code that serves it):
- SDK: dingtalk-stream 0.24.3 (stream.py open_connection / route_message, frames.py
  Headers / CallbackMessage / AckMessage.to_dict, handlers.py CallbackHandler.raw_process /
  SystemHandler.raw_process, chatbot.py ChatbotMessage.from_dict / reply_markdown /
  reply_card / update_card, card_callback.py CardCallbackMessage).
- Docs: open.dingtalk.com 企业内部机器人接收消息 (receive-message: body fields, the
  timestamp/sign headers), 获取企业内部应用的accessToken, 机器人发送群聊消息
  (the-robot-sends-a-group-message), 批量发送人与机器人会话中机器人消息, 机器人发送互动卡片 /
  更新机器人发送互动卡片 (普通版), Stream 模式协议 (stream-mode-protocol-access-description).

The fake serves the APIs and the Stream gateway (HTTP and WebSocket on one aiohttp app) on one
port of 127.0.0.1 and the sessionWebhooks on ANOTHER port, as DingTalk serves them from
oapi.dingtalk.com, not api.dingtalk.com. The plugin is built the way `arcircle serve`
(mode http: start_messengers + bot.http.http_app) and `arcircle run` (mode stream:
start_messengers + the messenger's connection()) build it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiohttp import WSMsgType, web

from bot import http
from bot.adapters.base import Messenger, Services
from bot.app import Runtime, build_runtime, start_messengers
from bot.kernel.clock import FakeClock
from bot.kernel.config import load_config
from bot.kernel.identity import Identities
from tests.conftest import LEDGER_HEADER, run_import, write_csv
from tests.loopback import Spy, serve
from tests.test_slack_inbound import LEDGER

APP_KEY = "dingindependentkey01"  # made up
APP_SECRET = "independent-dingtalk-secret-00000000000000000000000000"
GROUP = "cidIndependent000000000000=="
NOW = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)
BOT_TOPIC = "/v1.0/im/bot/messages/get"  # SDK chatbot.py ChatbotMessage.TOPIC
CARD_TOPIC = "/v1.0/card/instances/callback"  # SDK handlers.py TOPIC_CARD_CALLBACK
MSG_KEYS = {"sampleText", "sampleMarkdown", "sampleActionCard", "sampleLink", "sampleImageMsg"}

CONFIG = f"""\
company: {{name: Test Machinery, currency: CNY, timezone: Asia/Shanghai, locale: en}}
people:
  wang.wei: {{name: 王伟, team: sales, role: lead, dingtalk: manager4220}}
  li.na: {{name: 李娜, team: finance, role: lead, dingtalk: lina02}}
  zhao.yun: {{name: 赵云, team: legal, role: lead, dingtalk: zhaoyun03}}
  liu.yang: {{name: 刘洋, role: manager, dingtalk: liuyang04}}
teams:
  sales: {{name: Sales, lead: wang.wei, manager: liu.yang}}
  finance: {{name: Finance, lead: li.na, manager: liu.yang}}
  legal: {{name: Legal, lead: zhao.yun, manager: liu.yang}}
circle:
  channels: {{dingtalk: "{GROUP}"}}
platforms:
  console: {{enabled: false}}
  dingtalk:
    enabled: true
    mode: MODE
"""


def documented_sign(secret: str, timestamp_ms: int) -> str:
    """The HTTP callback's `sign` header. open.dingtalk.com 企业内部机器人接收消息, 校验签名:
    sign = Base64(HmacSHA256(key=appSecret, data=timestamp + "\\n" + appSecret)),
    timestamp = the `timestamp` header, in milliseconds."""
    mac = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def error(status: int, code: str, message: str) -> web.Response:
    # api.dingtalk.com's error body: {"code", "message", "requestid"}.
    body = {"code": code, "message": message, "requestid": uuid.uuid4().hex}
    return web.json_response(body, status=status)


@dataclass
class Official:
    """DingTalk as documented: the APIs, the Stream gateway and the sessionWebhooks."""

    tokens: set[str] = field(default_factory=set)
    opens: list[dict[str, Any]] = field(default_factory=list)
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (API path, body)
    session_posts: list[dict[str, Any]] = field(default_factory=list)
    cards: dict[str, dict[str, Any]] = field(default_factory=dict)  # cardBizId -> cardData
    updates: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._tickets: set[str] = set()
        self._ids = itertools.count(1)
        self._socket: web.WebSocketResponse | None = None
        self._connected = asyncio.Event()
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._runners: list[web.AppRunner] = []
        self.api_root = self.session_root = ""

    async def __aenter__(self) -> Official:
        api = web.Application()
        api.router.add_post("/v1.0/oauth2/accessToken", self._token)
        api.router.add_post("/v1.0/gateway/connections/open", self._open)
        api.router.add_get("/connect", self._connect)
        api.router.add_post("/v1.0/robot/groupMessages/send", self._group)
        api.router.add_post("/v1.0/robot/oToMessages/batchSend", self._batch)
        api.router.add_post("/v1.0/im/v1.0/robot/interactiveCards/send", self._card)
        api.router.add_put("/v1.0/im/robots/interactiveCards", self._card_update)
        runner, self.api_root = await serve(api)
        self._runners.append(runner)
        hooks = web.Application()
        hooks.router.add_post("/robot/sendBySession", self._session)
        runner, self.session_root = await serve(hooks)
        self._runners.append(runner)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._socket is not None:
            await self._socket.close()
        for runner in self._runners:
            await runner.cleanup()

    # --- the APIs -----------------------------------------------------------------------

    async def _token(self, request: web.Request) -> web.Response:
        # 获取企业内部应用的accessToken: POST {appKey, appSecret} -> {accessToken, expireIn}.
        body = await request.json()
        if body.get("appKey") != APP_KEY or body.get("appSecret") != APP_SECRET:
            return error(400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret")
        token = f"at-{next(self._ids)}"
        self.tokens.add(token)
        return web.json_response({"accessToken": token, "expireIn": 7200})

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("x-acs-dingtalk-access-token") in self.tokens

    async def _checked(self, request: web.Request, required: Mapping[str, type]) -> Any:
        """The body when the token and the documented field types are right, else an error."""
        if not self._authorised(request):
            return error(401, "InvalidAuthentication", "不合法的access_token")
        body = await request.json()
        for name, kind in required.items():
            if not isinstance(body.get(name), kind):
                return error(400, "MissingParameter", f"{name} is missing or mistyped")
        if body.get("robotCode") != APP_KEY:
            return error(400, "robot.not.exist", "robot does not exist")
        return body

    async def _group(self, request: web.Request) -> web.Response:
        # 机器人发送群聊消息: {msgParam (a JSON string), msgKey, openConversationId, robotCode}.
        need = {"msgParam": str, "msgKey": str, "openConversationId": str, "robotCode": str}
        body = await self._checked(request, need)
        if isinstance(body, web.Response):
            return body
        if body["msgKey"] not in MSG_KEYS or body["openConversationId"] != GROUP:
            return error(400, "InvalidParameter", "msgKey or openConversationId")
        body["msgParam"] = json.loads(body["msgParam"])
        self.sent.append((request.path, body))
        return web.json_response({"processQueryKey": uuid.uuid4().hex})

    async def _batch(self, request: web.Request) -> web.Response:
        # 批量发送人与机器人会话中机器人消息: {robotCode, userIds, msgKey, msgParam}.
        need = {"msgParam": str, "msgKey": str, "userIds": list, "robotCode": str}
        body = await self._checked(request, need)
        if isinstance(body, web.Response):
            return body
        body["msgParam"] = json.loads(body["msgParam"])
        self.sent.append((request.path, body))
        return web.json_response(
            {"processQueryKey": "q", "invalidStaffIdList": [], "flowControlledStaffIdList": []}
        )

    async def _card(self, request: web.Request) -> web.Response:
        # 机器人发送互动卡片（普通版）, as the SDK's chatbot.py reply_card sends it:
        # {cardTemplateId "StandardCard", robotCode, cardBizId, cardData (a JSON string),
        # openConversationId | singleChatReceiver, sendOptions}.
        need = {"cardTemplateId": str, "robotCode": str, "cardBizId": str, "cardData": str}
        body = await self._checked(request, need)
        if isinstance(body, web.Response):
            return body
        if not (body.get("openConversationId") or body.get("singleChatReceiver")):
            return error(400, "MissingParameter", "openConversationId or singleChatReceiver")
        self.cards[body["cardBizId"]] = json.loads(body["cardData"])
        self.sent.append((request.path, body))
        return web.json_response({"processQueryKey": body["cardBizId"]})

    async def _card_update(self, request: web.Request) -> web.Response:
        # 更新机器人发送互动卡片（普通版）, the SDK's update_card: PUT {cardBizId, cardData}.
        if not self._authorised(request):
            return error(401, "InvalidAuthentication", "不合法的access_token")
        body = await request.json()
        if not isinstance(body.get("cardBizId"), str) or not isinstance(body.get("cardData"), str):
            return error(400, "MissingParameter", "cardBizId and cardData")
        if body["cardBizId"] not in self.cards:
            return error(400, "param.cardBizId.notExist", "card not found")
        self.cards[body["cardBizId"]] = json.loads(body["cardData"])
        self.updates.append(body["cardBizId"])
        return web.json_response({"success": True})

    async def _session(self, request: web.Request) -> web.Response:
        # A sessionWebhook (oapi.dingtalk.com/robot/sendBySession?session=…): the SDK's
        # reply_markdown posts {msgtype, markdown {title, text}, at {atUserIds}}.
        if not request.query.get("session"):
            return web.json_response({"errcode": 300001, "errmsg": "session 不存在"})
        body = await request.json()
        assert body.get("msgtype") in ("text", "markdown", "actionCard"), body
        self.session_posts.append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    # --- the Stream gateway -------------------------------------------------------------

    async def _open(self, request: web.Request) -> web.Response:
        # SDK stream.py open_connection: {clientId, clientSecret, subscriptions [{type,
        # topic}], ua, localIp} -> {endpoint, ticket}; the client opens endpoint?ticket=.
        body = await request.json()
        if body.get("clientId") != APP_KEY or body.get("clientSecret") != APP_SECRET:
            return error(401, "InvalidAuthentication", "clientId or clientSecret")
        self.opens.append({k: v for k, v in body.items() if k != "clientSecret"})
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        endpoint = self.api_root.replace("http://", "ws://") + "/connect"
        return web.json_response({"endpoint": endpoint, "ticket": ticket})

    async def _connect(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.Response(status=403)
        self._tickets.discard(ticket)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._socket = ws
        self._connected.set()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                ack = json.loads(message.data)
                waiting = self._acks.get(ack.get("headers", {}).get("messageId"))
                if waiting is not None and not waiting.done():
                    waiting.set_result(ack)
        return ws

    async def push(self, kind: str, topic: str, data: dict[str, Any]) -> dict[str, Any]:
        """A frame as the gateway sends it (frames.py; `data` a JSON string); the ack."""
        await asyncio.wait_for(self._connected.wait(), 5)
        assert self._socket is not None
        message_id = f"msg-{uuid.uuid4().hex}"
        waiting = self._acks[message_id] = asyncio.get_running_loop().create_future()
        frame = {
            "specVersion": "1.0",
            "type": kind,
            "headers": {
                "appId": "independent-app",
                "connectionId": "conn-1",
                "contentType": "application/json",
                "messageId": message_id,
                "time": str(int(NOW.timestamp() * 1000)),
                "topic": topic,
            },
            "data": json.dumps(data, ensure_ascii=False),
        }
        await self._socket.send_str(json.dumps(frame, ensure_ascii=False))
        try:
            ack = await asyncio.wait_for(waiting, 10)
        finally:
            self._acks.pop(message_id, None)
        ack["sent_message_id"] = message_id
        return ack

    # --- what DingTalk sends the robot --------------------------------------------------

    def message(
        self, text: str, *, user: str, expires_ms: int, group: bool = True
    ) -> dict[str, Any]:
        """企业内部机器人接收消息 / SDK ChatbotMessage: an @mention in a group (or a direct
        message), its sessionWebhook on the sessionWebhook host."""
        return {
            "msgId": f"msg{uuid.uuid4().hex}",
            "msgtype": "text",
            "text": {"content": text},
            "conversationId": GROUP if group else f"cidDirect{user}",
            "conversationType": "2" if group else "1",
            "conversationTitle": "应收催收群" if group else None,
            "senderId": f"$:LWCP_v1:${user}",
            "senderStaffId": user,
            "senderNick": user,
            "senderCorpId": "dingcorp",
            "chatbotCorpId": "dingcorp",
            "chatbotUserId": "$:LWCP_v1:$robot",
            "robotCode": APP_KEY,
            "isInAtList": group,
            "isAdmin": False,
            "atUsers": [{"dingtalkId": "$:LWCP_v1:$robot"}] if group else [],
            "sessionWebhook": f"{self.session_root}/robot/sendBySession?session={uuid.uuid4().hex}",
            "sessionWebhookExpiredTime": expires_ms,
            "createAt": int(NOW.timestamp() * 1000),
        }


@dataclass
class Bot:
    rt: Runtime
    ding: Official
    messenger: Messenger
    spy: Spy
    clock: FakeClock

    @property
    def now_ms(self) -> int:
        return int(self.clock.now().timestamp() * 1000)

    def message(self, text: str, *, user: str = "lina02", valid: bool = True) -> dict[str, Any]:
        expires = self.now_ms + (90 * 60_000 if valid else -60_000)
        return self.ding.message(text, user=user, expires_ms=expires)


@asynccontextmanager
async def running(tmp_path: Path, mode: str) -> AsyncIterator[Bot]:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG.replace("MODE", mode), encoding="utf-8")
    cfg = load_config(path, env={})
    clock = FakeClock(NOW)
    rt = build_runtime(cfg, clock, f"sqlite:///{tmp_path}/ding.db", platforms=("dingtalk",))
    run_import(rt.db, write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, LEDGER))
    async with Official() as ding:
        spy = Spy(rt.router)
        env = {
            "DINGTALK_APP_KEY": APP_KEY,
            "DINGTALK_APP_SECRET": APP_SECRET,
            "DINGTALK_API_URL": ding.api_root,
        }
        tuning = {"dingtalk.stream_reconnect": 0.01, "dingtalk.stream_close_grace": 0.5}
        services = Services(
            router=spy,
            config=cfg,
            db=rt.db,
            clock=clock,
            env=env,
            identities=Identities(cfg),
            tuning=tuning,
        )
        [messenger] = await start_messengers(cfg, "serve" if mode == "http" else "run", services)
        task = None
        connection = messenger.connection()
        if connection is not None:
            task = asyncio.create_task(connection)
        try:
            yield Bot(rt, ding, messenger, spy, clock)
        finally:
            await messenger.stop()
            if task is not None:
                await asyncio.wait_for(task, 5)
            rt.db.dispose()


async def post_callback(bot: Bot, body: dict[str, Any], *, secret: str = APP_SECRET) -> int:
    """POST /dingtalk/callback signed as DingTalk signs it, through the app `arcircle serve`
    runs (bot.http.http_app)."""
    stamp = bot.now_ms
    headers = {
        "content-type": "application/json; charset=utf-8",
        "timestamp": str(stamp),
        "sign": documented_sign(secret, stamp),
    }
    app = http.http_app([bot.messenger])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://arcircle.test") as web_:
        answer = await web_.post(
            "/dingtalk/callback", content=json.dumps(body, ensure_ascii=False), headers=headers
        )
    return answer.status_code


def shown(post: dict[str, Any]) -> str:
    return str(post.get("markdown", {}).get("text") or post.get("text", {}).get("content"))
