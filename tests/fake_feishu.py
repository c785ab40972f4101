"""A fake Feishu on 127.0.0.1 (a free port) for tests: the event SENDER (plain, or encrypted
and signed as Feishu does with an Encrypt Key), the Open API the bot calls and custom group
robots, all recording what they got.

    async with FakeFeishu(encrypt_key=KEY, token=TOKEN, chats={"oc_1"}) as feishu:
        body, headers = feishu.sealed(feishu.message("@_user_1 /ar 逾期", user_id="u1"))
        await http.post("/feishu/events", content=body, headers=headers)
        feishu.script("send", 230020)       # the next send is refused with that code
        feishu.script("send", 429)          # HTTP 429, code 99991400, x-ogw-ratelimit-reset

The sender's crypto is written from Feishu's docs, not from bot.adapters.feishu.crypto:
key = SHA-256(Encrypt Key), AES-256-CBC with a random IV put before the ciphertext, PKCS#7
(cryptography's padding), base64; X-Lark-Signature = hex SHA-256(timestamp + nonce + Encrypt
Key + body).

Served (each answers {"code": ..., "msg": ...}; a scripted code first when there is one):
- POST /open-apis/auth/v3/tenant_access_token/internal: "t-1", "t-2" ... (expire 7200) for
  the right app_id/app_secret, else code 10014. ("token")
- POST /open-apis/im/v1/messages?receive_id_type=: 99991663 for a token not issued or expired
  (`expire_tokens`); 230002 for a chat_id the bot is not in (`chats`); else message_id
  "om_<n>" (kept in `sent`). ("send")
- POST /open-apis/im/v1/messages/{id}/reply: the same checks, kept in `sent` with
  `reply_to` and `in_thread`. ("reply")
- PATCH /open-apis/im/v1/messages/{id}: the message must be an interactive card this fake
  sent (else 230001); kept in `patches`. ("patch")
- GET /open-apis/bot/v3/info: {bot: {open_id: BOT_OPEN_ID, app_name}}.
- GET /open-apis/im/v1/chats/{id}/members/is_in_chat: whether `chats` has it.
- POST /open-apis/im/v1/images (multipart image_type=message, image: a PNG/JPEG, else
  234011) and /open-apis/im/v1/files (file_type, file_name, file): an image_key/file_key
  ("img_<n>", "file_<n>"; kept in `uploads`). An image or file message must name one
  (else 234003).
- POST /robot/{name}: a custom robot; with a secret in `robots[name]` the body's timestamp
  and sign must match (else 19021); kept in `robot_posts`. ("robot")
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.loopback import serve

BOT_OPEN_ID = "ou_bot000000000000000000000000001"
APP_ID = "cli_test0000001"
APP_SECRET = "app-secret-for-tests"


def seal(encrypt_key: str, plaintext: str) -> str:
    key = hashlib.sha256(encrypt_key.encode()).digest()
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    data = padder.update(plaintext.encode()) + padder.finalize()
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return base64.b64encode(iv + enc.update(data) + enc.finalize()).decode()


def lark_signature(timestamp: str, nonce: str, encrypt_key: str, body: bytes) -> str:
    return hashlib.sha256((timestamp + nonce + encrypt_key).encode() + body).hexdigest()


@dataclass
class Sent:
    receive_id_type: str | None
    receive_id: str | None
    msg_type: str
    content: dict[str, Any]
    message_id: str
    reply_to: str | None = None
    in_thread: bool = False

    @property
    def text(self) -> str:
        return str(self.content.get("text", ""))

    def card_text(self) -> str:
        """Every text the card shows, one string (title, markdown, notes, buttons)."""
        return json.dumps(self.content, ensure_ascii=False)


@dataclass
class FakeFeishu:
    encrypt_key: str = ""
    token: str = "verification-token-1"
    chats: set[str] = field(default_factory=set)
    robots: dict[str, str | None] = field(default_factory=dict)  # name -> secret
    app_id: str = APP_ID
    app_secret: str = APP_SECRET
    now: int = 1_700_000_000  # the robot's clock for sign checks (seconds)
    sent: list[Sent] = field(default_factory=list)
    patches: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    robot_posts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    tokens_issued: int = 0
    calls: list[str] = field(default_factory=list)
    uploads: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # key -> (name, data)

    def __post_init__(self) -> None:
        self._scripts: dict[str, deque[int]] = defaultdict(deque)
        self._tokens: dict[str, bool] = {}
        self._ids = itertools.count(1)
        self._events = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.root = ""

    async def __aenter__(self) -> FakeFeishu:
        app = web.Application()
        app.router.add_post("/open-apis/auth/v3/tenant_access_token/internal", self._token)
        app.router.add_post("/open-apis/im/v1/messages", self._send)
        app.router.add_post("/open-apis/im/v1/messages/{id}/reply", self._reply)
        app.router.add_patch("/open-apis/im/v1/messages/{id}", self._patch)
        app.router.add_get("/open-apis/bot/v3/info", self._bot_info)
        app.router.add_get("/open-apis/im/v1/chats/{id}/members/is_in_chat", self._in_chat)
        app.router.add_post("/open-apis/im/v1/images", self._upload_image)
        app.router.add_post("/open-apis/im/v1/files", self._upload_file)
        app.router.add_post("/robot/{name}", self._robot)
        self._runner, self.root = await serve(app)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- the event sender ---------------------------------------------------------------

    def header(self, event_type: str, event_id: str | None) -> dict[str, Any]:
        return {
            "event_id": event_id or f"ev-{next(self._events)}",
            "event_type": event_type,
            "create_time": str(self.now * 1000),
            "token": self.token,
            "app_id": self.app_id,
            "tenant_key": "tenant-1",
        }

    def message(
        self,
        text: str,
        *,
        user_id: str | None,
        open_id: str = "ou_someone",
        chat: str = "oc_circle01",
        chat_type: str = "group",
        mention_bot: bool = True,
        event_id: str | None = None,
    ) -> dict[str, Any]:
        """im.message.receive_v1; `@_user_1` in `text` is the bot's mention when mention_bot."""
        mentions = []
        if mention_bot:
            mentions.append(
                {
                    "key": "@_user_1",
                    "id": {"open_id": BOT_OPEN_ID, "user_id": None},
                    "name": "arcircle",
                    "tenant_key": "tenant-1",
                }
            )
        sender: dict[str, Any] = {"open_id": open_id}
        if user_id:
            sender["user_id"] = user_id
        return {
            "schema": "2.0",
            "header": self.header("im.message.receive_v1", event_id),
            "event": {
                "sender": {"sender_id": sender, "sender_type": "user", "tenant_key": "tenant-1"},
                "message": {
                    "message_id": f"om_in{next(self._ids)}",
                    "create_time": str(self.now * 1000),
                    "chat_id": chat,
                    "chat_type": chat_type,
                    "message_type": "text",
                    "content": json.dumps({"text": text}, ensure_ascii=False),
                    "mentions": mentions,
                },
            },
        }

    def click(
        self,
        value: dict[str, Any],
        *,
        user_id: str | None,
        open_id: str = "ou_someone",
        message_id: str,
        chat: str = "oc_circle01",
        event_id: str | None = None,
    ) -> dict[str, Any]:
        """card.action.trigger for a button whose value is `value`."""
        operator: dict[str, Any] = {"open_id": open_id, "tenant_key": "tenant-1"}
        if user_id:
            operator["user_id"] = user_id
        return {
            "schema": "2.0",
            "header": self.header("card.action.trigger", event_id),
            "event": {
                "operator": operator,
                "token": "c-card-token",
                "action": {"value": value, "tag": "button"},
                "host": "im_message",
                "context": {"open_message_id": message_id, "open_chat_id": chat},
            },
        }

    def sealed(
        self, event: dict[str, Any], *, nonce: str = "nonce-1", timestamp: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers Feishu posts: encrypted and signed with an Encrypt Key, else
        the plain JSON."""
        plain = json.dumps(event, ensure_ascii=False)
        if not self.encrypt_key:
            return plain.encode(), {"content-type": "application/json"}
        body = json.dumps({"encrypt": seal(self.encrypt_key, plain)}).encode()
        stamp = timestamp or str(self.now)
        return body, {
            "content-type": "application/json",
            "X-Lark-Request-Timestamp": stamp,
            "X-Lark-Request-Nonce": nonce,
            "X-Lark-Signature": lark_signature(stamp, nonce, self.encrypt_key, body),
        }

    # --- scripts and state --------------------------------------------------------------

    def script(self, what: str, *codes: int) -> None:
        self._scripts[what].extend(codes)

    def expire_tokens(self) -> None:
        for token in self._tokens:
            self._tokens[token] = False

    def cards(self) -> list[Sent]:
        return [s for s in self.sent if s.msg_type == "interactive"]

    def texts(self) -> list[Sent]:
        return [s for s in self.sent if s.msg_type == "text"]

    def by_id(self, message_id: str) -> Sent | None:
        return next((s for s in self.sent if s.message_id == message_id), None)

    # --- the servers --------------------------------------------------------------------

    def _scripted(self, what: str) -> web.Response | None:
        queue = self._scripts.get(what)
        if not queue:
            return None
        code = queue.popleft()
        if code == 429:
            return web.json_response(
                {"code": 99991400, "msg": "request trigger frequency limit"},
                status=429,
                headers={"x-ogw-ratelimit-reset": "2"},
            )
        if code >= 500 and code < 600:
            return web.Response(status=code, text="busy")
        return web.json_response({"code": code, "msg": "scripted"})

    def _authorized(self, request: web.Request) -> bool:
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ")
        return auth.startswith("Bearer ") and self._tokens.get(token, False)

    async def _token(self, request: web.Request) -> web.Response:
        self.calls.append("token")
        scripted = self._scripted("token")
        if scripted is not None:
            return scripted
        body = await request.json()
        if body.get("app_id") != self.app_id or body.get("app_secret") != self.app_secret:
            return web.json_response({"code": 10014, "msg": "app secret invalid"})
        self.tokens_issued += 1
        token = f"t-{self.tokens_issued}"
        self._tokens[token] = True
        return web.json_response(
            {"code": 0, "msg": "ok", "tenant_access_token": token, "expire": 7200}
        )

    def _new(self, msg_type: str, content: str, **kw: Any) -> Sent:
        sent = Sent(
            msg_type=msg_type,
            content=json.loads(content),
            message_id=f"om_{next(self._ids)}",
            **kw,
        )
        self.sent.append(sent)
        return sent

    def _ok(self, sent: Sent) -> web.Response:
        return web.json_response(
            {"code": 0, "msg": "success", "data": {"message_id": sent.message_id}}
        )

    async def _send(self, request: web.Request) -> web.Response:
        self.calls.append("send")
        if not self._authorized(request):
            return web.json_response({"code": 99991663, "msg": "Invalid access token"})
        scripted = self._scripted("send")
        if scripted is not None:
            return scripted
        kind = request.query.get("receive_id_type")
        body = await request.json()
        if kind == "chat_id" and body["receive_id"] not in self.chats:
            return web.json_response(
                {"code": 230002, "msg": "Bot/User can NOT be out of the chat."}
            )
        bad = self._bad_media(body)
        if bad is not None:
            return bad
        sent = self._new(
            body["msg_type"], body["content"], receive_id_type=kind, receive_id=body["receive_id"]
        )
        return self._ok(sent)

    def _bad_media(self, body: dict[str, Any]) -> web.Response | None:
        if body["msg_type"] not in ("image", "file"):
            return None
        content = json.loads(body["content"])
        key = content.get("image_key") or content.get("file_key")
        if key not in self.uploads:
            return web.json_response({"code": 234003, "msg": "file not found"})
        return None

    async def _upload(self, request: web.Request, what: str) -> web.Response:
        self.calls.append(what)
        if not self._authorized(request):
            return web.json_response({"code": 99991663, "msg": "Invalid access token"})
        form = await request.post()
        part = form.get(what)
        if not hasattr(part, "file"):
            return web.json_response({"code": 234001, "msg": "no file"})
        data = part.file.read()  # type: ignore[union-attr]
        name = str(getattr(part, "filename", "") or "")
        if what == "image":
            if form.get("image_type") != "message" or not data.startswith(
                (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
            ):
                return web.json_response({"code": 234011, "msg": "not an image"})
            key = f"img_{next(self._ids)}"
        else:
            if not form.get("file_type") or not form.get("file_name"):
                return web.json_response({"code": 234001, "msg": "param invalid"})
            name = str(form["file_name"])
            key = f"file_{next(self._ids)}"
        self.uploads[key] = (name, data)
        field_name = "image_key" if what == "image" else "file_key"
        return web.json_response({"code": 0, "msg": "ok", "data": {field_name: key}})

    async def _upload_image(self, request: web.Request) -> web.Response:
        return await self._upload(request, "image")

    async def _upload_file(self, request: web.Request) -> web.Response:
        return await self._upload(request, "file")

    async def _reply(self, request: web.Request) -> web.Response:
        self.calls.append("reply")
        if not self._authorized(request):
            return web.json_response({"code": 99991663, "msg": "Invalid access token"})
        scripted = self._scripted("reply")
        if scripted is not None:
            return scripted
        body = await request.json()
        bad = self._bad_media(body)
        if bad is not None:
            return bad
        target = request.match_info["id"]
        original = self.by_id(target)
        sent = self._new(
            body["msg_type"],
            body["content"],
            receive_id_type=None,
            receive_id=original.receive_id if original else None,
            reply_to=target,
            in_thread=bool(body.get("reply_in_thread")),
        )
        return self._ok(sent)

    async def _patch(self, request: web.Request) -> web.Response:
        self.calls.append("patch")
        if not self._authorized(request):
            return web.json_response({"code": 99991663, "msg": "Invalid access token"})
        scripted = self._scripted("patch")
        if scripted is not None:
            return scripted
        target = request.match_info["id"]
        original = self.by_id(target)
        if original is None or original.msg_type != "interactive":
            return web.json_response({"code": 230001, "msg": "invalid message_id"})
        body = await request.json()
        card = json.loads(body["content"])
        original.content = card
        self.patches.append((target, card))
        return web.json_response({"code": 0, "msg": "success"})

    async def _bot_info(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"code": 99991663, "msg": "Invalid access token"})
        return web.json_response(
            {"code": 0, "msg": "ok", "bot": {"open_id": BOT_OPEN_ID, "app_name": "arcircle"}}
        )

    async def _in_chat(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"code": 99991663, "msg": "Invalid access token"})
        inside = request.match_info["id"] in self.chats
        return web.json_response({"code": 0, "msg": "ok", "data": {"is_in_chat": inside}})

    async def _robot(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in self.robots:
            return web.json_response({"code": 19001, "msg": "param invalid: incoming webhook"})
        scripted = self._scripted("robot")
        if scripted is not None:
            return scripted
        body = await request.json()
        secret = self.robots[name]
        if secret is not None:
            stamp = str(body.get("timestamp", ""))
            key = f"{stamp}\n{secret}".encode()
            expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            fresh = stamp.isdigit() and abs(int(stamp) - self.now) <= 3600
            if not fresh or not hmac.compare_digest(expected, str(body.get("sign", ""))):
                return web.json_response({"code": 19021, "msg": "sign match fail"})
        self.robot_posts.append((name, body))
        return web.json_response({"code": 0, "msg": "success", "data": {}})
