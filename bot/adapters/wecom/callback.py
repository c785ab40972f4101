"""The smart robot's callback (智能机器人, API mode): `GET/POST /wecom/callback`.

What this relies on (WeCom docs "智能机器人 / 接收消息", "被动回复消息" (path/101031), the
official JSON sample `callback_python3`, and open-source smart-robot adapters; where a shape
is our reading rather than a quoted sample it says so):
- GET ?msg_signature&timestamp&nonce&echostr: verify, decrypt echostr, answer the plaintext.
- POST ?msg_signature&timestamp&nonce with body {"encrypt": "..."}; the decrypted JSON:
  {"msgid", "aibotid", "chatid" (groups), "chattype": "single"|"group",
   "from": {"userid"}, "response_url", "msgtype": "text", "text": {"content"}}
  or "msgtype": "event" with {"event": {"eventtype": "template_card_event",
  "template_card_event": {"card_type", "event_key", "task_id"}}} for a button click.
- Passive reply: the encrypted JSON {"encrypt", "msgsignature", "timestamp", "nonce"}
  wrapping {"msgtype": "stream", "stream": {"id", "finish": true, "content": markdown}} or
  {"msgtype": "template_card", "template_card": {...}} for a message, and for a click
  {"response_type": "update_template_card", "template_card": {...}} (our reading of the
  "模版卡片更新消息" section; the docs show the card body, the wrapper key is from adapters).
- WeCom waits about 5 seconds for the answer and retries a callback it got none for; we wait
  at most `wecom.passive_wait` (2 s), else answer empty and post the reply through the
  message's `response_url` (usable once) when it is ready.

A reply with files (a chart, an export): a passive reply or a response_url answer cannot
carry files, so they go through the group's message-push robot after the answer, when the
group has one (bot.adapters.wecom.transport.WecomTransport.robot_of_chat); in a direct chat
or a group without one the answer carries the files' fallback instead (a chart's table). In a
direct chat with the self-built app configured the files come through the app.

Refused, and nothing runs: a wrong signature (403), a timestamp more than 5 minutes from our
clock (403), a ciphertext that does not decrypt, bad padding, a wrong receive id or a body
that is not a message (400). WeCom never sends those, so a 4xx makes no retry storm. A msgid
seen before (WeCom's own retry, or a replay) gets an empty 200: WeCom stops retrying and
nothing runs twice. Log lines name the reason, never the token, key, ciphertext or text.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import secrets
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from bot.adapters.base import Dispatch
from bot.adapters.wecom import render
from bot.adapters.wecom.crypto import CryptoError, WecomCrypto
from bot.adapters.wecom.transport import without_files
from bot.kernel.clock import Clock
from bot.kernel.config import Config
from bot.kernel.i18n import t
from bot.kernel.identity import Identities
from bot.kernel.messages import DeliveryError, Reply
from storage.db import Database
from storage.inbound import first_time

log = logging.getLogger(__name__)

PLATFORM = "wecom"
MAX_SKEW = 300.0  # seconds between WeCom's timestamp and our clock
MAX_BODY = 256 * 1024
STREAM_LIMIT = 20480  # bytes of a stream reply's content

Post = Callable[[str, dict[str, Any]], Awaitable[None]]


class Robots(Protocol):
    """The groups' message-push robots (WecomTransport), for files in answers."""

    def robot_of_chat(self, chat: str) -> str | None: ...

    async def send_files(
        self, channel: str, paths: Sequence[str], key: str | None = None
    ) -> None: ...

    @property
    def has_app(self) -> bool: ...

    async def send_files_to(self, user_id: str, paths: Sequence[str]) -> None: ...


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Callback:
    def __init__(
        self,
        crypto: WecomCrypto,
        *,
        router: Dispatch,
        db: Database,
        clock: Clock,
        config: Config,
        identities: Identities,
        post: Post,
        passive_wait: float = 2.0,
        robots: Robots | None = None,
    ) -> None:
        self._crypto = crypto
        self._router = router
        self._db = db
        self._clock = clock
        self._config = config
        self._identities = identities
        self._post = post
        self._wait = passive_wait
        self._robots = robots
        self._receive_id = config.platforms.wecom.receive_id
        self._names = render.mentions(config, identities)
        self._later: set[asyncio.Task[None]] = set()
        names = sorted(config.platforms.wecom.bot_names, key=len, reverse=True)
        self._mention = re.compile(
            r"^\s*(?:" + "|".join("@" + re.escape(n) for n in names if n) + r"|@\S+)\s*"
            if names
            else r"^\s*@\S+\s*"
        )

    # --- HTTP ---------------------------------------------------------------------------

    async def endpoint(self, request: Request) -> Response:
        return await (self.get(request) if request.method == "GET" else self.post(request))

    async def get(self, request: Request) -> Response:
        q = request.query_params
        try:
            echostr = q.get("echostr", "")
            self._check(q, echostr)
            plain = self._crypto.decrypt(echostr, check_id=self._receive_id)
        except Refused as exc:
            return self._refuse(exc)
        except CryptoError as exc:
            return self._refuse(Refused(400, str(exc)))
        return PlainTextResponse(plain)

    async def post(self, request: Request) -> Response:
        try:
            message = await self._open(request)
        except Refused as exc:
            return self._refuse(exc)
        event_id = str(message.get("msgid") or "")
        if not await self._db.threads.write(first_time, PLATFORM, event_id, self._clock.now()):
            log.info("wecom: msgid seen before, ignored")
            return Response(status_code=200)
        return await self._answer(message)

    def _refuse(self, exc: Refused) -> Response:
        log.warning("wecom: callback refused (%s)", exc.reason)
        return PlainTextResponse("refused", status_code=exc.status)

    def _check(self, q: Mapping[str, str], encrypted: str) -> None:
        stamp = q.get("timestamp", "")
        try:
            skew = abs(self._clock.now().timestamp() - int(stamp))
        except ValueError:
            raise Refused(400, "timestamp is not a number") from None
        try:
            self._crypto.verify(q.get("msg_signature", ""), stamp, q.get("nonce", ""), encrypted)
        except CryptoError:
            raise Refused(403, "signature mismatch") from None
        if skew > MAX_SKEW:
            raise Refused(403, "timestamp too far from our clock")

    async def _open(self, request: Request) -> dict[str, Any]:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise Refused(413, "body too large")
        try:
            encrypted = json.loads(raw)["encrypt"]
            if not isinstance(encrypted, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise Refused(400, "body is not {encrypt: ...}") from None
        self._check(request.query_params, encrypted)
        try:
            message = json.loads(self._crypto.decrypt(encrypted, check_id=self._receive_id))
        except CryptoError as exc:
            raise Refused(400, str(exc)) from None
        except ValueError:
            raise Refused(400, "decrypted message is not JSON") from None
        if not isinstance(message, dict) or not message.get("msgid"):
            raise Refused(400, "message without msgid")
        return message

    # --- answering ----------------------------------------------------------------------

    async def _answer(self, message: dict[str, Any]) -> Response:
        kind = message.get("msgtype")
        sender = str(_obj(message.get("from")).get("userid") or "")
        if kind == "text":
            text = str(_obj(message.get("text")).get("content") or "")
            if message.get("chattype") == "group":
                text = self._mention.sub("", text, count=1)
            click, card_task = False, ""
        elif kind == "event":
            event = _obj(message.get("event"))
            card_event = _obj(event.get("template_card_event"))
            if event.get("eventtype") != "template_card_event":
                return Response(status_code=200)  # enter_chat and the like: nothing to say
            command = render.command_of(str(card_event.get("event_key") or ""))
            if command is None:
                log.info("wecom: card click with a key that is not ours, ignored")
                return Response(status_code=200)
            text, click = command, True
            # The clicked card is updated under its own task_id.
            card_task = str(card_event.get("task_id") or "")
        else:
            return Response(status_code=200)  # images, files, voice: not commands
        if not sender or not text.strip():
            return Response(status_code=200)
        chat = str(message.get("chatid") or "")
        channel = chat or f"single:{sender}"
        task = asyncio.create_task(self._run(text, channel, sender))
        done, _ = await asyncio.wait({task}, timeout=self._wait)
        response_url = str(message.get("response_url") or "")
        if not done:
            later = asyncio.create_task(self._later_post(task, response_url, sender, click, chat))
            self._keep(later)
            return Response(status_code=200)
        reply = task.result()
        if reply is None:
            return Response(status_code=200)
        reply = self._files(reply, chat, sender)
        task_id = card_task or _task_id(str(message["msgid"]))
        body = self._passive(reply, task_id, sender, click)
        return JSONResponse(self._seal(body))

    async def _run(self, text: str, channel: str, sender: str) -> Reply | None:
        person = self._identities.person(PLATFORM, sender)
        try:
            return await self._router.handle(
                text,
                platform=PLATFORM,
                channel=channel,
                user_id=sender,
                person=person,
                addressed=True,
            )
        except Exception:
            ref = uuid.uuid4().hex[:8]
            log.exception("wecom: command failed (ref %s)", ref)
            return Reply.error(t(self._config.company.locale, "wecom_sorry", ref=ref))

    def _passive(self, reply: Reply, task_id: str, sender: str, click: bool) -> dict[str, Any]:
        if click:
            card = render.reply_card(reply, self._config, task_id)
            # `userids`: whose copy of the card changes. The answer is to the clicker's own
            # question (a customer's details, a usage line), so only their copy changes; the
            # docs do not say what an omitted list does for a smart robot.
            return {
                "response_type": "update_template_card",
                "userids": [sender],
                "template_card": card,
            }
        if reply.card is not None and reply.card.buttons:
            card = render.reply_card(reply, self._config, task_id)
            return {"msgtype": "template_card", "template_card": card}
        pieces = render.split(render.reply_md(reply, self._names), STREAM_LIMIT)
        content = pieces[0] + ("\n…" if len(pieces) > 1 else "") if pieces else "✓"
        return {"msgtype": "stream", "stream": {"id": task_id, "finish": True, "content": content}}

    def _keep(self, task: asyncio.Task[None]) -> None:
        self._later.add(task)
        task.add_done_callback(self._later.discard)

    def _files(self, reply: Reply, chat: str, sender: str) -> Reply:
        """The answer without its files, which the group's robot (or, in a direct chat, the
        app) sends after it; where neither can, the answer with the files' fallback."""
        robots = self._robots
        if not reply.attachments or robots is None:
            return without_files(reply)
        paths = reply.attachments
        if chat:
            key = robots.robot_of_chat(chat)
            if key is None:
                return without_files(reply)
            send = robots.send_files(chat, paths, key)
        elif robots.has_app:
            send = robots.send_files_to(sender, paths)
        else:
            return without_files(reply)
        self._keep(asyncio.create_task(self._sending(send)))
        return replace(reply, attachments=(), files_fallback=None)

    async def _sending(self, send: Awaitable[None]) -> None:
        try:
            await send
        except DeliveryError as exc:
            log.warning("wecom: the answer's files were not taken (%s)", exc.reason)

    async def _later_post(
        self, task: asyncio.Task[Reply | None], url: str, sender: str, click: bool, chat: str
    ) -> None:
        reply = await task
        if reply is None or not url:
            return
        reply = self._files(reply, chat, sender)
        if reply.card is not None and reply.card.buttons and not click:
            card = render.reply_card(reply, self._config, _task_id(uuid.uuid4().hex))
            body: dict[str, Any] = {"msgtype": "template_card", "template_card": card}
        else:
            pieces = render.split(render.reply_md(reply, self._names))
            content = pieces[0] + ("\n…" if len(pieces) > 1 else "") if pieces else "✓"
            body = {"msgtype": "markdown", "markdown": {"content": content}}
        await self._post(url, body)

    def _seal(self, body: dict[str, Any]) -> dict[str, Any]:
        plain = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        encrypted = self._crypto.encrypt(plain)
        stamp = str(int(self._clock.now().timestamp()))
        nonce = str(secrets.randbelow(10**10))
        return {
            "encrypt": encrypted,
            "msgsignature": self._crypto.sign(stamp, nonce, encrypted),
            "timestamp": int(stamp),
            "nonce": nonce,
        }

    async def drain(self) -> None:
        """Let the answers still on their way through response_url finish (at stop)."""
        while self._later:  # an answer's files are posted after it: a task may add a task
            await asyncio.gather(*list(self._later), return_exceptions=True)


def _obj(value: Any) -> dict[str, Any]:
    """A JSON object of the message, or an empty one when it is missing or not an object."""
    return value if isinstance(value, dict) else {}


def _task_id(msgid: str) -> str:
    # task_id: letters, digits, _-@ and at most 128 bytes; a hash keeps any msgid within that.
    return "ar_" + hashlib.sha1(msgid.encode()).hexdigest()[:24]
