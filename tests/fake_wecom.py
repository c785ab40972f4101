"""A fake WeCom on 127.0.0.1 (a free port) for tests: the smart robot's callback SENDER, the
message-push robot, the app API and response_url, all recording what they got.

    async with FakeWecom(token=TOKEN, aes_key=KEY, robot_keys={"K1"}) as wecom:
        params, body = wecom.text("@arcircle /ar 逾期", user="WangWei", chat="CHAT1")
        answer = await http.post("/wecom/callback", params=params, content=body)
        reply = wecom.open_reply(answer.json())     # checks the signature, decrypts
        wecom.script("robot", 45009)                # the next robot post is refused

The sender side has its own crypto (written from WeCom's scheme, not bot.adapters.wecom's):
AES-256-CBC with key = b64decode(EncodingAESKey + "="), IV = key[:16], plaintext =
16 random bytes + length (4 bytes, big-endian) + message + receive id, PKCS#7 to 32 bytes
(cryptography's padding.PKCS7(256)); msg_signature = sha1 of the sorted four strings.

Served:
- POST /cgi-bin/webhook/send?key=K: errcode 93000 for a key not in `robot_keys`; 40008 for a
  msgtype other than text/markdown/template_card/image/file; else ok (posts kept in
  `robot_posts`). An image must be base64 of a PNG/JPEG of at most 2 MB whose md5 (of the
  raw bytes) is `md5` (else 40009; the decoded bytes kept in `images`); a file's media_id must
  be one this robot's key uploaded (else 40007; kept in `files` as the Upload).
- POST /cgi-bin/webhook/upload_media?key=K&type=file: multipart/form-data, the file under the
  name "media" with a filename, 5 bytes to 20 MB (else 40006); answers a new media_id
  (uploads kept in `uploads`).
- GET /cgi-bin/gettoken?corpid&corpsecret: a new token ("tok-1", "tok-2" ...), 7200 s.
- POST /cgi-bin/message/send?access_token=T: 42001 for an expired token (`expire_tokens`),
  40014 for an unknown one; else ok (kept in `app_messages`).
  An image or file message must name a media_id the app uploaded (else 40007); its Upload is
  kept in `app_files`.
- POST /cgi-bin/media/upload?access_token=T&type=image|file: the app's upload, checked like
  the robot's (an image must be a PNG/JPEG); a new media_id.
- POST /hooks/<n>: a response_url (kept in `responses`).
`script(what, *errcodes)` ("robot", "app", "gettoken") makes the next answers those errcodes.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
import struct
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.loopback import serve


class SenderCrypto:
    """WeCom's side of the callback crypto, written separately from the bot's."""

    def __init__(self, token: str, aes_key: str, receive_id: str = "") -> None:
        self.token = token
        self.key = base64.b64decode(aes_key + "=")
        self.receive_id = receive_id

    def sign(self, *parts: str) -> str:
        return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()

    def encrypt(self, message: str, receive_id: str | None = None) -> str:
        rid = self.receive_id if receive_id is None else receive_id
        body = message.encode()
        raw = os.urandom(16) + struct.pack("!I", len(body)) + body + rid.encode()
        padder = padding.PKCS7(256).padder()
        padded = padder.update(raw) + padder.finalize()
        enc = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).encryptor()
        return base64.b64encode(enc.update(padded) + enc.finalize()).decode()

    def decrypt(self, encrypted: str) -> tuple[str, str]:
        dec = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).decryptor()
        padded = dec.update(base64.b64decode(encrypted)) + dec.finalize()
        unpadder = padding.PKCS7(256).unpadder()
        raw = unpadder.update(padded) + unpadder.finalize()
        (length,) = struct.unpack("!I", raw[16:20])
        return raw[20 : 20 + length].decode(), raw[20 + length :].decode()


@dataclass
class Post:
    key: str
    body: dict[str, Any]


@dataclass(frozen=True)
class Upload:
    """A file a robot uploaded with upload_media, as it arrived."""

    key: str
    filename: str
    data: bytes


@dataclass
class FakeWecom:
    token: str
    aes_key: str
    receive_id: str = ""
    robot_keys: set[str] = field(default_factory=set)
    corp_id: str = "ww-test"
    app_secret: str = "app-secret"
    now: int = 1_700_000_000  # the sender's clock (unix seconds), set by tests
    robot_posts: list[Post] = field(default_factory=list)
    app_messages: list[dict[str, Any]] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    tokens_issued: int = 0
    images: list[bytes] = field(default_factory=list)
    uploads: dict[str, Upload] = field(default_factory=dict)
    files: list[Upload] = field(default_factory=list)
    app_files: list[Upload] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.crypto = SenderCrypto(self.token, self.aes_key, self.receive_id)
        self._scripts: dict[str, deque[int]] = defaultdict(deque)
        self._tokens: dict[str, bool] = {}  # token -> still valid
        self._msgids = itertools.count(1)
        self._hooks = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.root = ""

    # --- life cycle ---------------------------------------------------------------------

    async def __aenter__(self) -> FakeWecom:
        app = web.Application(client_max_size=64 * 1024 * 1024)  # files of up to 20 MB
        app.router.add_post("/cgi-bin/webhook/send", self._robot)
        app.router.add_post("/cgi-bin/webhook/upload_media", self._upload_media)
        app.router.add_get("/cgi-bin/gettoken", self._gettoken)
        app.router.add_post("/cgi-bin/message/send", self._app_send)
        app.router.add_post("/cgi-bin/media/upload", self._app_upload)
        app.router.add_post("/hooks/{n}", self._hook)
        self._runner, self.root = await serve(app)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- the callback sender ------------------------------------------------------------

    def response_url(self) -> str:
        return f"{self.root}/hooks/{next(self._hooks)}"

    def sealed(
        self,
        message: dict[str, Any] | str,
        *,
        timestamp: int | None = None,
        nonce: str = "1597212914",
        receive_id: str | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """Query params and body of an encrypted POST of `message`."""
        plain = message if isinstance(message, str) else json.dumps(message, ensure_ascii=False)
        encrypted = self.crypto.encrypt(plain, receive_id)
        stamp = str(self.now if timestamp is None else timestamp)
        params = {
            "msg_signature": self.crypto.sign(self.token, stamp, nonce, encrypted),
            "timestamp": stamp,
            "nonce": nonce,
        }
        return params, json.dumps({"encrypt": encrypted}).encode()

    def text(
        self, content: str, *, user: str, chat: str | None = None, msgid: str | None = None
    ) -> tuple[dict[str, str], bytes]:
        return self.sealed(self.text_message(content, user=user, chat=chat, msgid=msgid))

    def text_message(
        self, content: str, *, user: str, chat: str | None = None, msgid: str | None = None
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "msgid": msgid or f"msg-{next(self._msgids)}",
            "aibotid": "AIBOT1",
            "chattype": "group" if chat else "single",
            "from": {"userid": user},
            "response_url": self.response_url(),
            "msgtype": "text",
            "text": {"content": content},
        }
        if chat:
            message["chatid"] = chat
        return message

    def click(
        self, key: str, *, task_id: str, user: str, chat: str | None = None
    ) -> tuple[dict[str, str], bytes]:
        message: dict[str, Any] = {
            "msgid": f"evt-{next(self._msgids)}",
            "aibotid": "AIBOT1",
            "chattype": "group" if chat else "single",
            "from": {"userid": user},
            "response_url": self.response_url(),
            "msgtype": "event",
            "event": {
                "eventtype": "template_card_event",
                "template_card_event": {
                    "card_type": "button_interaction",
                    "event_key": key,
                    "task_id": task_id,
                },
            },
        }
        if chat:
            message["chatid"] = chat
        return self.sealed(message)

    def open_reply(self, answer: dict[str, Any]) -> dict[str, Any]:
        """A passive reply's content: its signature checked, decrypted, receive id checked."""
        encrypted = answer["encrypt"]
        expected = self.crypto.sign(
            self.token, str(answer["timestamp"]), answer["nonce"], encrypted
        )
        assert answer["msgsignature"] == expected, "passive reply signature does not verify"
        message, rid = self.crypto.decrypt(encrypted)
        assert rid == self.receive_id
        loaded: dict[str, Any] = json.loads(message)
        return loaded

    # --- scripts and state --------------------------------------------------------------

    def script(self, what: str, *errcodes: int) -> None:
        self._scripts[what].extend(errcodes)

    def expire_tokens(self) -> None:
        for token in self._tokens:
            self._tokens[token] = False

    def markdown_posts(self) -> list[str]:
        return [p.body["markdown"]["content"] for p in self.robot_posts if "markdown" in p.body]

    def text_posts(self) -> list[dict[str, Any]]:
        """Text messages: {"content", "mentioned_list"?} each."""
        return [p.body["text"] for p in self.robot_posts if "text" in p.body]

    # --- the servers --------------------------------------------------------------------

    def _scripted(self, what: str) -> int | None:
        queue = self._scripts.get(what)
        return queue.popleft() if queue else None

    async def _robot(self, request: web.Request) -> web.Response:
        key = request.query.get("key", "")
        body = await request.json()
        if key not in self.robot_keys:
            return web.json_response({"errcode": 93000, "errmsg": "invalid webhook url"})
        code = self._scripted("robot")
        if code is not None:
            return web.json_response({"errcode": code, "errmsg": "scripted"})
        if body.get("msgtype") not in ("text", "markdown", "template_card", "image", "file"):
            return web.json_response({"errcode": 40008, "errmsg": "invalid message type"})
        if body["msgtype"] == "image":
            image = body.get("image") or {}
            try:
                data = base64.b64decode(image.get("base64", ""), validate=True)
            except ValueError:
                data = b""
            if (
                not data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"))
                or len(data) > 2 * 1024 * 1024
                or hashlib.md5(data).hexdigest() != image.get("md5")
            ):
                return web.json_response({"errcode": 40009, "errmsg": "invalid image"})
            self.images.append(data)
        if body["msgtype"] == "file":
            found = self.uploads.get((body.get("file") or {}).get("media_id", ""))
            if found is None or found.key != key:
                return web.json_response({"errcode": 40007, "errmsg": "invalid media_id"})
            self.files.append(found)
        if "markdown" in body:
            assert len(body["markdown"]["content"].encode()) <= 4096, "markdown over 4096 bytes"
        if "text" in body:
            assert len(body["text"]["content"].encode()) <= 2048, "text over 2048 bytes"
        self.robot_posts.append(Post(key, body))
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _upload_media(self, request: web.Request) -> web.Response:
        key = request.query.get("key", "")
        if key not in self.robot_keys:
            return web.json_response({"errcode": 93000, "errmsg": "invalid webhook url"})
        code = self._scripted("upload")
        if code is not None:
            return web.json_response({"errcode": code, "errmsg": "scripted"})
        if request.query.get("type") not in ("file", "voice"):
            return web.json_response({"errcode": 40004, "errmsg": "invalid media type"})
        return await self._media(request, key)

    async def _app_upload(self, request: web.Request) -> web.Response:
        token = request.query.get("access_token", "")
        if not self._tokens.get(token):
            return web.json_response({"errcode": 42001, "errmsg": "access_token expired"})
        kind = request.query.get("type")
        if kind not in ("image", "file"):
            return web.json_response({"errcode": 40004, "errmsg": "invalid media type"})
        return await self._media(request, f"app:{kind}")

    async def _media(self, request: web.Request, key: str) -> web.Response:
        found: Upload | None = None
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if isinstance(part, BodyPartReader) and part.name == "media" and part.filename:
                found = Upload(key, part.filename, bytes(await part.read(decode=True)))
        if found is None:
            return web.json_response({"errcode": 41001, "errmsg": "no media in the form"})
        if not 5 <= len(found.data) <= 20 * 1024 * 1024:
            return web.json_response({"errcode": 40006, "errmsg": "invalid file size"})
        if key == "app:image" and not found.data.startswith((b"\x89PNG", b"\xff\xd8\xff")):
            return web.json_response({"errcode": 40005, "errmsg": "invalid file type"})
        media_id = f"media-{len(self.uploads) + 1}"
        self.uploads[media_id] = found
        return web.json_response(
            {"errcode": 0, "errmsg": "ok", "type": "file", "media_id": media_id, "created_at": "1"}
        )

    async def _gettoken(self, request: web.Request) -> web.Response:
        code = self._scripted("gettoken")
        if code is not None:
            return web.json_response({"errcode": code, "errmsg": "scripted"})
        q = request.query
        if q.get("corpid") != self.corp_id or q.get("corpsecret") != self.app_secret:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        self.tokens_issued += 1
        token = f"tok-{self.tokens_issued}"
        self._tokens[token] = True
        return web.json_response(
            {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}
        )

    async def _app_send(self, request: web.Request) -> web.Response:
        token = request.query.get("access_token", "")
        if token not in self._tokens:
            return web.json_response({"errcode": 40014, "errmsg": "invalid access_token"})
        if not self._tokens[token]:
            return web.json_response({"errcode": 42001, "errmsg": "access_token expired"})
        code = self._scripted("app")
        if code is not None:
            return web.json_response({"errcode": code, "errmsg": "scripted"})
        body = await request.json()
        kind = body.get("msgtype")
        if kind in ("image", "file"):
            found = self.uploads.get((body.get(kind) or {}).get("media_id", ""))
            if found is None or found.key != f"app:{kind}":
                return web.json_response({"errcode": 40007, "errmsg": "invalid media_id"})
            self.app_files.append(found)
        else:
            assert len(body["markdown"]["content"].encode()) <= 2048, "app markdown over 2048"
        self.app_messages.append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _hook(self, request: web.Request) -> web.Response:
        self.responses.append(await request.json())
        return web.json_response({"errcode": 0, "errmsg": "ok"})
