"""A fake Telegram Bot API on 127.0.0.1 (a free port) that records every request, for tests.

    from tests.fake_telegram import FakeTelegram, Answer, fake_telegram  # noqa: F401

    async def test_x(fake_telegram: FakeTelegram) -> None:
        fake_telegram.script("sendMessage", Answer.retry_after(3))
        ...

It serves `POST|GET {root}/bot{token}/{method}` (root is `fake.url`, what TELEGRAM_API_URL
takes). A request with another token gets 401 Unauthorized, as Telegram answers. Each request
is recorded as a `Call` (method, params decoded) before it is answered. A queue per method
set with `script()` answers first (with no effect on the state); then the defaults:

- getMe: the bot (`BOT_ID`, `@BOT_USERNAME`)
- setWebhook / deleteWebhook: keep or clear `webhook` ({url, secret_token})
- getUpdates: long poll with Telegram's offset semantics: an offset confirms (forgets) every
  update below it; the answer is the pending updates from the offset on (at most `limit`),
  or, after waiting up to `timeout` seconds for one to be pushed, []. 409 Conflict while a
  webhook is set. Updates are added with `push()`.
- sendMessage: checks the HTML (tags Telegram knows, balanced, entities complete: else 400
  "can't parse entities"), the 4,096 characters of visible text ("message is too long") and
  callback_data of at most 64 bytes ("BUTTON_DATA_INVALID"); then keeps the message in
  `messages[chat_id]` with a new message_id. A chat in `kicked` answers 403 "bot was kicked",
  one in `missing` 400 "chat not found".
- editMessageText: changes the kept message (400 "message to edit not found" / "message is
  not modified", as Telegram says)
- answerCallbackQuery, setMyCommands (kept in `commands`): ok
- sendPhoto / sendDocument: the multipart upload (field `photo` / `document`) is kept byte
  for byte in `messages[chat_id]` (`photo` / `document`: an `Upload`); a photo over 10 MB, not a
  PNG/JPEG or with width + height over 10000 or a side ratio over 20 is refused as Telegram
  does (400 PHOTO_INVALID_DIMENSIONS / IMAGE_PROCESS_FAILED), a caption over 1024 characters
  too (400 "message caption is too long"), a document over 50 MB (413).
- getChat: a supergroup, `is_forum` when the chat is in `forums`
- createForumTopic: a new message_thread_id (kept in `topics`)
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import re
import socket
import threading
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl

import pytest_asyncio
from aiohttp import BodyPartReader, web

__all__ = [
    "Answer",
    "Call",
    "FakeTelegram",
    "FakeTelegramThread",
    "Upload",
    "fake_telegram_fixture",
    "visible",
]

TOKEN = "123456789:AAHfakefakefakefakefakefakefakefake12"
BOT_ID = 123456789
BOT_USERNAME = "arcircle_test_bot"
_STRINGS = {"text", "secret_token", "url", "callback_query_id", "name", "parse_mode", "caption"}
_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}


@dataclass(frozen=True)
class Upload:
    """A file sent as multipart/form-data, as it arrived."""

    filename: str | None
    content_type: str
    data: bytes


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    files: dict[str, Upload] = field(default_factory=dict)


@dataclass
class Answer:
    """A scripted answer."""

    status: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    delay: float = 0.0

    @classmethod
    def retry_after(cls, seconds: int) -> Answer:
        return cls.error(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)

    @classmethod
    def error(cls, code: int, description: str, **parameters: Any) -> Answer:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return cls(code, body)

    @classmethod
    def kicked(cls) -> Answer:
        return cls.error(403, "Forbidden: bot was kicked from the group chat")

    @classmethod
    def server_error(cls) -> Answer:
        return cls.error(502, "Bad Gateway")


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problem: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TAGS:
            self.problem = self.problem or f'unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problem = self.problem or f'unexpected end tag "{tag}"'
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


_BAD_ENTITY = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")


def visible(html_text: str) -> str:
    """What Telegram shows for an HTML text (tags gone, entities decoded); raises
    ValueError("can't parse entities: ...") where Telegram would refuse it."""
    if _BAD_ENTITY.search(html_text) or re.search(r"<(?![/a-zA-Z])", html_text):
        raise ValueError("can't parse entities: a bare & or <")
    checker = _Checker()
    checker.feed(html_text)
    checker.close()
    if checker.problem or checker.stack:
        raise ValueError(f"can't parse entities: {checker.problem or 'unclosed tags'}")
    return "".join(checker.text)


class FakeTelegram:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.messages: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self.updates: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] | None = None
        self.commands: list[dict[str, Any]] = []
        self.kicked: set[int] = set()
        self.missing: set[int] = set()
        self.forums: set[int] = set()
        self.topics: dict[int, list[int]] = defaultdict(list)
        self._scripts: dict[str, deque[Answer]] = defaultdict(deque)
        self._ids = itertools.count(1000)
        self._update_ids = itertools.count(1)
        self._pushed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url = ""

    # --- set-up ------------------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=64 * 1024 * 1024)  # documents of up to 50 MB
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        site = web.SockSite(self._runner, sock)
        await site.start()
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self

    async def stop(self) -> None:
        self._pushed.set()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what tests use -----------------------------------------------------------------

    def script(self, method: str, *answers: Answer) -> None:
        self._scripts[method].extend(answers)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while len(self.calls_to(method)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} called {len(self.calls_to(method))} times")
            await asyncio.sleep(0.01)
        return self.calls_to(method)

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """An update for getUpdates (an update_id is given when it has none)."""
        if "update_id" not in update:
            update = {"update_id": next(self._update_ids), **update}
        self.updates.append(update)
        self._pushed.set()
        return update

    def sent(self, chat: int) -> list[dict[str, Any]]:
        return self.messages.get(chat, [])

    def message(self, chat: int, message_id: int) -> dict[str, Any] | None:
        return next((m for m in self.sent(chat) if m["message_id"] == message_id), None)

    # --- the server ---------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        files: dict[str, Upload] = {}
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(json.loads(await request.text() or "{}"))
            elif request.content_type.startswith("multipart/"):
                files = await _multipart(request, params)
            else:
                params.update(parse_qsl(await request.text(), keep_blank_values=True))
        params = {k: _decode(k, v) for k, v in params.items()}
        self.calls.append(Call(method, params, time.monotonic(), files))
        if request.match_info["token"] != self.token:
            return _reply(Answer.error(401, "Unauthorized"))
        queue = self._scripts.get(method)
        if queue:
            answer = queue.popleft()
            if answer.delay:
                await asyncio.sleep(answer.delay)
            return _reply(answer)
        handler = getattr(self, "_" + method, None)
        if handler is None:
            return _reply(Answer(body={"ok": True, "result": True}))
        try:
            result = handler(params, files) if method in _UPLOADS else handler(params)
            if asyncio.iscoroutine(result):
                result = await result
        except _Refused as exc:
            return _reply(exc.answer)
        return _reply(Answer(body={"ok": True, "result": result}))

    def _getMe(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "arcircle",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _setWebhook(self, p: dict[str, Any]) -> bool:
        self.webhook = {"url": p.get("url"), "secret_token": p.get("secret_token")}
        return True

    def _deleteWebhook(self, p: dict[str, Any]) -> bool:
        self.webhook = None
        return True

    def _setMyCommands(self, p: dict[str, Any]) -> bool:
        self.commands = list(p.get("commands") or [])
        return True

    async def _getUpdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise _Refused(
                Answer.error(
                    409,
                    "Conflict: can't use getUpdates method while "
                    "webhook is active; use deleteWebhook to delete "
                    "the webhook first",
                )
            )
        offset = int(p.get("offset") or 0)
        limit = int(p.get("limit") or 100)
        timeout = float(p.get("timeout") or 0)
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates and timeout > 0:
            self._pushed.clear()
            try:
                await asyncio.wait_for(self._pushed.wait(), min(timeout, 2.0))
            except TimeoutError:
                return []
        return self.updates[:limit]

    def _chat_checks(self, chat: int) -> None:
        if chat in self.kicked:
            raise _Refused(Answer.kicked())
        if chat in self.missing:
            raise _Refused(Answer.error(400, "Bad Request: chat not found"))

    def _checked_text(self, p: dict[str, Any]) -> str:
        text = str(p.get("text") or "")
        if p.get("parse_mode") == "HTML":
            try:
                shown = visible(text)
            except ValueError as exc:
                raise _Refused(Answer.error(400, f"Bad Request: {exc}")) from None
        else:
            shown = text
        if not shown.strip():
            raise _Refused(Answer.error(400, "Bad Request: message text is empty"))
        if len(shown) > 4096:
            raise _Refused(Answer.error(400, "Bad Request: message is too long"))
        for row in (p.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if len(str(button.get("callback_data", "")).encode()) > 64:
                    raise _Refused(Answer.error(400, "Bad Request: BUTTON_DATA_INVALID"))
        return text

    def _sendMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = int(p["chat_id"])
        self._chat_checks(chat)
        text = self._checked_text(p)
        reply = p.get("reply_parameters") or {}
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private" if chat > 0 else "supergroup"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "arcircle"},
            "text": text,
            "html": text,
            "reply_markup": p.get("reply_markup"),
            "message_thread_id": p.get("message_thread_id"),
            "reply_to": reply.get("message_id") if isinstance(reply, dict) else None,
        }
        self.messages[chat].append(message)
        return _as_sent(message)

    def _editMessageText(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = int(p["chat_id"])
        self._chat_checks(chat)
        text = self._checked_text(p)
        found = self.message(chat, int(p["message_id"]))
        if found is None:
            raise _Refused(Answer.error(400, "Bad Request: message to edit not found"))
        markup = p.get("reply_markup")
        if found["text"] == text and found["reply_markup"] == markup:
            raise _Refused(
                Answer.error(
                    400,
                    "Bad Request: message is not modified: specified "
                    "new message content and reply markup are exactly "
                    "the same",
                )
            )
        found.update(text=text, html=text, reply_markup=markup, edited=found.get("edited", 0) + 1)
        return _as_sent(found)

    def _sendPhoto(self, p: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        chat = int(p["chat_id"])
        self._chat_checks(chat)
        upload = _upload(files, "photo")
        if len(upload.data) > 10 * 1024 * 1024:
            raise _Refused(Answer.error(400, "Bad Request: PHOTO_INVALID_DIMENSIONS"))
        size = _image_size(upload.data)
        if size is None:
            raise _Refused(Answer.error(400, "Bad Request: IMAGE_PROCESS_FAILED"))
        width, height = size
        if width + height > 10_000 or max(width, height) / min(width, height) > 20:
            raise _Refused(Answer.error(400, "Bad Request: PHOTO_INVALID_DIMENSIONS"))
        photo = {
            "file_id": f"photo{next(self._ids)}",
            "file_unique_id": "u",
            "width": width,
            "height": height,
            "file_size": len(upload.data),
        }
        return self._keep_file(chat, p, "photo", upload, [photo])

    def _sendDocument(self, p: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        chat = int(p["chat_id"])
        self._chat_checks(chat)
        upload = _upload(files, "document")
        if len(upload.data) > 50 * 1024 * 1024:
            raise _Refused(Answer.error(413, "Request Entity Too Large"))
        document = {
            "file_id": f"doc{next(self._ids)}",
            "file_unique_id": "u",
            "file_name": upload.filename,
            "mime_type": upload.content_type,
            "file_size": len(upload.data),
        }
        return self._keep_file(chat, p, "document", upload, document)

    def _keep_file(
        self, chat: int, p: dict[str, Any], kind: str, upload: Upload, shown: Any
    ) -> dict[str, Any]:
        caption = p.get("caption")
        if caption is not None and len(str(caption)) > 1024:
            raise _Refused(Answer.error(400, "Bad Request: message caption is too long"))
        reply = p.get("reply_parameters") or {}
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private" if chat > 0 else "supergroup"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "arcircle"},
            kind: shown,
            "caption": caption,
            "upload": upload,
            "message_thread_id": p.get("message_thread_id"),
            "reply_to": reply.get("message_id") if isinstance(reply, dict) else None,
        }
        self.messages[chat].append(message)
        return _as_sent(message)

    def _getChat(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = int(p["chat_id"])
        self._chat_checks(chat)
        return {
            "id": chat,
            "type": "supergroup" if chat < 0 else "private",
            "title": "Circle",
            "is_forum": chat in self.forums,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
            },
        }

    def _createForumTopic(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = int(p["chat_id"])
        if chat not in self.forums:
            raise _Refused(Answer.error(400, "Bad Request: the chat is not a forum"))
        thread = next(self._ids)
        self.topics[chat].append(thread)
        return {"message_thread_id": thread, "name": p.get("name"), "icon_color": 7322096}


def _as_sent(message: dict[str, Any]) -> dict[str, Any]:
    """A kept message as the Bot API returns it (only an inline keyboard comes back)."""
    out = {k: v for k, v in message.items() if v is not None and k not in _LOCAL}
    if "inline_keyboard" not in (out.get("reply_markup") or {}):
        out.pop("reply_markup", None)
    return out


_LOCAL = {"html", "edited", "reply_to", "upload"}
_UPLOADS = {"sendPhoto", "sendDocument"}


async def _multipart(request: web.Request, params: dict[str, Any]) -> dict[str, Upload]:
    """Read a multipart/form-data body part by part: fields into `params`, files returned."""
    files: dict[str, Upload] = {}
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        data = bytes(await part.read(decode=True))
        if part.filename is not None:
            kind = part.headers.get("Content-Type", "application/octet-stream")
            files[part.name] = Upload(part.filename, kind, data)
        else:
            params[part.name] = data.decode()
    return files


def _upload(files: dict[str, Upload], field_name: str) -> Upload:
    if field_name not in files:
        raise _Refused(Answer.error(400, f"Bad Request: there is no {field_name} in the request"))
    return files[field_name]


def _image_size(data: bytes) -> tuple[int, int] | None:
    """A PNG's or JPEG's size, as Telegram's servers would find it (Pillow reads the header)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG"):
                return None
            return image.size
    except Exception:
        return None


class _Refused(Exception):
    def __init__(self, answer: Answer) -> None:
        self.answer = answer


def _decode(key: str, value: Any) -> Any:
    """PTB sends form fields with JSON-encoded values (objects, numbers)."""
    if not isinstance(value, str) or key in _STRINGS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _reply(answer: Answer) -> web.Response:
    return web.json_response(answer.body, status=answer.status)


@pytest_asyncio.fixture(name="fake_telegram")
async def fake_telegram_fixture() -> AsyncIterator[FakeTelegram]:
    fake = await FakeTelegram().start()
    try:
        yield fake
    finally:
        await fake.stop()


class FakeTelegramThread:
    """A FakeTelegram on its own event loop in a thread, for tests that run `arcircle` as a
    process (the test waits on the process; the fake must keep answering meanwhile)."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.fake: FakeTelegram

    def __enter__(self) -> FakeTelegramThread:
        self._thread.start()
        self.fake = self._run(self._start())
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._run(self.fake.stop())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
            self._loop.close()

    @property
    def url(self) -> str:
        return self.fake.url

    def push(self, update: dict[str, Any]) -> None:
        """An update for getUpdates, added on the fake's own loop."""

        async def add() -> None:
            self.fake.push(update)

        self._run(add())

    def sent_texts(self, chat: int) -> list[str]:
        async def read() -> list[str]:
            return [visible(m["text"]) for m in self.fake.sent(chat)]

        result: list[str] = self._run(read())
        return result

    async def _start(self) -> FakeTelegram:
        return await FakeTelegram().start()

    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)
