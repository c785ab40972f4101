"""A fake DingTalk on 127.0.0.1 (a free port) for tests: the robot callback SENDER (signed
headers, message bodies, card clicks) and the APIs the bot calls, recording what they got.

    async with FakeDingtalk(app_key=KEY, app_secret=SECRET, groups={GROUP}) as ding:
        body = ding.message("@arcircle /ar 逾期", user="LiNa", group=GROUP)
        answer = await http.post("/dingtalk/callback", headers=ding.headers(), json=body)
        ding.session_posts          # the sessionWebhook answers
        ding.script("group", 403, "Forbidden.AccessDenied.QpsLimitForApi")

The sender's signature is written here from DingTalk's formula, not with
bot.adapters.dingtalk.sign: sign = base64(HMAC-SHA256(key=appSecret,
msg=timestamp + "\\n" + appSecret)), timestamp in ms (open.dingtalk.com 企业内部机器人接收消息,
"校验签名"); the custom robot's is the same HMAC with its own secret, URL-encoded
(自定义机器人安全设置, 加签).

Served (shapes as in bot/adapters/dingtalk/api.py's doc):
- POST /v1.0/oauth2/accessToken: a new token ("tok-1", ...) for the right appKey/appSecret,
  HTTP 400 invalidClientIdOrSecret otherwise.
- Every other /v1.0 call needs `x-acs-dingtalk-access-token`: 401 InvalidAuthentication
  for an unknown or expired one (`expire_tokens`). robotCode must be the app key.
- POST /v1.0/robot/groupMessages/send: the group must be one of `groups` with the robot in
  it (else 400 "robot.not.in.group" style answers); kept in `group_messages` (msgParam
  decoded).
- POST /v1.0/robot/oToMessages/batchSend: 200 with userIds not in `users` listed in
  invalidStaffIdList (as DingTalk answers); kept in `direct_messages` when anyone was reached.
- POST /v1.0/im/v1.0/robot/interactiveCards/send, PUT /v1.0/im/robots/interactiveCards:
  cards by cardBizId in `cards` (cardData decoded); updates of an unknown card: 400.
- POST /v1.0/robot/getBotListInGroup: the app's robot for `groups`.
- POST /session/<n>?session=...: a sessionWebhook (kept in `session_posts`).
- POST /robot/send?access_token=T&timestamp&sign: a custom robot with token T (in
  `robot_tokens`, its secret the value); 300001 unknown token, 310000 bad or stale sign;
  kept in `robot_posts`.
`script(what, status, code)` ("token", "group", "direct", "card", "update", "session",
"robot") makes the next answer of that kind an error: HTTP status with {"code"} for the
APIs, or {"errcode": status} for the webhooks (then `code` is ignored).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.loopback import serve


def sender_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


@dataclass
class Card:
    data: dict[str, Any]
    conversation: str | None
    user: str | None
    at: list[dict[str, str]]
    updates: int = 0


@dataclass
class FakeDingtalk:
    app_key: str
    app_secret: str
    groups: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)
    robot_tokens: dict[str, str] = field(default_factory=dict)  # access_token -> secret
    now_ms: int = 1_700_000_000_000  # the sender's clock, set by tests
    tokens_issued: int = 0
    group_messages: list[dict[str, Any]] = field(default_factory=list)
    direct_messages: list[dict[str, Any]] = field(default_factory=list)
    cards: dict[str, Card] = field(default_factory=dict)
    session_posts: list[dict[str, Any]] = field(default_factory=list)
    robot_posts: list[dict[str, Any]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._scripts: dict[str, deque[tuple[int, str]]] = defaultdict(deque)
        self._tokens: dict[str, bool] = {}
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.root = ""

    async def __aenter__(self) -> FakeDingtalk:
        app = web.Application()
        app.router.add_post("/v1.0/oauth2/accessToken", self._token)
        app.router.add_post("/v1.0/robot/groupMessages/send", self._group)
        app.router.add_post("/v1.0/robot/oToMessages/batchSend", self._direct)
        app.router.add_post("/v1.0/im/v1.0/robot/interactiveCards/send", self._card)
        app.router.add_put("/v1.0/im/robots/interactiveCards", self._update)
        app.router.add_post("/v1.0/robot/getBotListInGroup", self._bots)
        app.router.add_post("/session/{n}", self._session)
        app.router.add_post("/robot/send", self._robot)
        self._runner, self.root = await serve(app)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- the sender -------------------------------------------------------------------------

    def headers(self, *, timestamp: int | None = None, secret: str | None = None) -> dict[str, str]:
        stamp = self.now_ms if timestamp is None else timestamp
        return {
            "timestamp": str(stamp),
            "sign": sender_sign(self.app_secret if secret is None else secret, stamp),
        }

    def message(
        self,
        text: str,
        *,
        user: str,
        group: str | None = None,
        msg_id: str | None = None,
        expired: bool = False,
        at_robot: bool = True,
    ) -> dict[str, Any]:
        """A text message to the robot as DingTalk sends it (callback or Stream)."""
        n = next(self._ids)
        expires = self.now_ms + (-1000 if expired else 90 * 60 * 1000)
        body: dict[str, Any] = {
            "msgtype": "text",
            "text": {"content": text},
            "msgId": msg_id or f"msgLN{n:06d}",
            "createAt": self.now_ms,
            "conversationType": "2" if group else "1",
            "conversationId": group or f"cidSingle{user}",
            "senderId": f"$:LWCP_v1:${user}",
            "senderStaffId": user,
            "senderNick": user,
            "chatbotUserId": "$:LWCP_v1:$robot",
            "robotCode": self.app_key,
            "isInAtList": bool(group) and at_robot,
            "sessionWebhook": f"{self.root}/session/{n}?session=sess{n}",
            "sessionWebhookExpiredTime": expires,
        }
        if group:
            body["conversationTitle"] = "AR circle"
            body["atUsers"] = [{"dingtalkId": "$:LWCP_v1:$robot"}]
        return body

    def click(self, card_id: str, action_id: str, *, user: str) -> dict[str, Any]:
        """A card button's callback (SDK CardCallbackMessage: content holds cardPrivateData)."""
        content = {"cardPrivateData": {"actionIds": [action_id], "params": {}}}
        return {
            "type": "actionCallback",
            "outTrackId": card_id,
            "userId": user,
            "corpId": "dingcorp",
            "content": json.dumps(content),
        }

    # --- scripts and state ------------------------------------------------------------------

    def script(self, what: str, status: int, code: str = "") -> None:
        self._scripts[what].append((status, code))

    def expire_tokens(self) -> None:
        for token in self._tokens:
            self._tokens[token] = False

    def texts(self) -> list[str]:
        """Every markdown text the group API got, in order."""
        return [m["msgParam"]["text"] for m in self.group_messages]

    def card_text(self, card_id: str) -> str:
        """The card's header title and markdown, as a reader sees them."""
        data = self.cards[card_id].data
        parts = [data["header"]["title"]["text"]]
        parts.extend(c.get("text", "") for c in data["contents"] if c["type"] == "markdown")
        return "\n".join(parts)

    def buttons(self, card_id: str) -> list[dict[str, Any]]:
        data = self.cards[card_id].data
        return [a for c in data["contents"] if c["type"] == "action" for a in c["actions"]]

    # --- the APIs ---------------------------------------------------------------------------

    def _scripted(self, what: str) -> web.Response | None:
        queue = self._scripts.get(what)
        if not queue:
            return None
        status, code = queue.popleft()
        return web.json_response({"code": code, "message": "scripted"}, status=status)

    def _authorized(self, request: web.Request) -> web.Response | None:
        token = request.headers.get("x-acs-dingtalk-access-token", "")
        if not self._tokens.get(token):
            return web.json_response(
                {"code": "InvalidAuthentication", "message": "不合法的access_token"}, status=401
            )
        return None

    @staticmethod
    def _bad(code: str, status: int = 400) -> web.Response:
        return web.json_response({"code": code, "message": code}, status=status)

    async def _token(self, request: web.Request) -> web.Response:
        self.calls.append("token")
        scripted = self._scripted("token")
        if scripted is not None:
            return scripted
        body = await request.json()
        if body.get("appKey") != self.app_key or body.get("appSecret") != self.app_secret:
            return self._bad("invalidClientIdOrSecret")
        self.tokens_issued += 1
        token = f"tok-{self.tokens_issued}"
        self._tokens[token] = True
        return web.json_response({"accessToken": token, "expireIn": 7200})

    async def _api(
        self, request: web.Request, what: str
    ) -> tuple[dict[str, Any], web.Response | None]:
        self.calls.append(what)
        refused = self._authorized(request) or self._scripted(what)
        body = await request.json()
        if refused is None and "robotCode" in body and body["robotCode"] != self.app_key:
            refused = self._bad("robot.notExisted")
        return body, refused

    async def _group(self, request: web.Request) -> web.Response:
        body, refused = await self._api(request, "group")
        if refused is not None:
            return refused
        if body.get("openConversationId") not in self.groups:
            return self._bad("invalidParameter.openConversationId.notExist")
        assert body["msgKey"] == "sampleMarkdown"
        param = json.loads(body["msgParam"])  # a JSON string, as the API wants
        assert len(param["text"]) <= 5000
        self.group_messages.append({**body, "msgParam": param})
        return web.json_response({"processQueryKey": f"pq{len(self.group_messages)}"})

    async def _direct(self, request: web.Request) -> web.Response:
        body, refused = await self._api(request, "direct")
        if refused is not None:
            return refused
        # Unknown users are named in a 200, not refused (BatchSendOTOResponseBody:
        # invalidStaffIdList, flowControlledStaffIdList; Alibaba Cloud SDK dingtalkrobot_1_0).
        wanted = list(body.get("userIds", []))
        invalid = [u for u in wanted if u not in self.users]
        if len(invalid) < len(wanted):
            self.direct_messages.append({**body, "msgParam": json.loads(body["msgParam"])})
        return web.json_response(
            {
                "processQueryKey": "pq",
                "invalidStaffIdList": invalid,
                "flowControlledStaffIdList": [],
            }
        )

    async def _card(self, request: web.Request) -> web.Response:
        body, refused = await self._api(request, "card")
        if refused is not None:
            return refused
        assert body["cardTemplateId"] == "StandardCard"
        # The official SDK's field list (SendRobotInteractiveCard): nothing else.
        allowed = {"cardBizId", "cardData", "cardTemplateId", "openConversationId", "robotCode"}
        assert set(body) <= allowed | {"sendOptions", "singleChatReceiver"}, set(body)
        conversation = body.get("openConversationId")
        user = json.loads(body["singleChatReceiver"])["userId"] if not conversation else None
        if conversation is not None and conversation not in self.groups:
            return self._bad("invalidParameter.openConversationId.notExist")
        options = body.get("sendOptions") or {}
        at = json.loads(options["atUserListJson"]) if "atUserListJson" in options else []
        self.cards[body["cardBizId"]] = Card(json.loads(body["cardData"]), conversation, user, at)
        return web.json_response({"processQueryKey": "pq"})

    async def _update(self, request: web.Request) -> web.Response:
        body, refused = await self._api(request, "update")
        if refused is not None:
            return refused
        card = self.cards.get(body.get("cardBizId", ""))
        if card is None:
            return self._bad("card.notExist")
        card.data = json.loads(body["cardData"])
        card.updates += 1
        return web.json_response({"success": True})

    async def _bots(self, request: web.Request) -> web.Response:
        body, refused = await self._api(request, "bots")
        if refused is not None:
            return refused
        if body.get("openConversationId") not in self.groups:
            return web.json_response({"chatbotInstanceVOList": []})
        return web.json_response(
            {"chatbotInstanceVOList": [{"robotCode": self.app_key, "name": "arcircle"}]}
        )

    def _webhook_scripted(self, what: str) -> web.Response | None:
        queue = self._scripts.get(what)
        if not queue:
            return None
        status, _ = queue.popleft()
        return web.json_response({"errcode": status, "errmsg": "scripted"})

    async def _session(self, request: web.Request) -> web.Response:
        self.calls.append("session")
        scripted = self._webhook_scripted("session")
        if scripted is not None:
            return scripted
        body = await request.json()
        self.session_posts.append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _robot(self, request: web.Request) -> web.Response:
        self.calls.append("robot")
        q = request.query
        secret = self.robot_tokens.get(q.get("access_token", ""))
        if secret is None:
            return web.json_response({"errcode": 300001, "errmsg": "token is not exist"})
        if secret:
            stamp = q.get("timestamp", "")
            fresh = stamp.isdigit() and abs(int(stamp) - self.now_ms) <= 3600_000
            # The query arrives decoded; the bot sent it URL-encoded.
            expected = sender_sign(secret, int(stamp)) if stamp.isdigit() else ""
            if not fresh or q.get("sign") != expected:
                return web.json_response({"errcode": 310000, "errmsg": "sign not match"})
        scripted = self._webhook_scripted("robot")
        if scripted is not None:
            return scripted
        self.robot_posts.append(await request.json())
        return web.json_response({"errcode": 0, "errmsg": "ok"})
