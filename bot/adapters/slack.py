"""Slack, inbound: the `/ar` slash command, @mentions, button clicks and modal submissions.

One slack-bolt AsyncApp in the bot's event loop, reached two ways:

- HTTP (`http_app`, served by `serve_http`): `POST /slack/events` takes commands, events and
  interactivity; `GET /healthz` says the process is up. Before bolt sees a request, the body
  size, the content type and the signature are checked here (413/400/401), so a request that
  is not Slack's never reaches bolt's body parser or a handler. Bolt then checks the
  signature again (its own request verification stays on).
- Socket Mode (`serve_socket`): the same app over Slack's websocket; nothing to verify.

Every request is acknowledged at once and the work continues after the ack (Slack waits
3 seconds at most). Events API deliveries are deduplicated by `event_id` in the database:
Slack retries an event it thinks was lost (X-Slack-Retry-Num), the bot acts once.

A Slack user is a person of config.yaml by their `slack` id; anyone else may read but not
write (the handlers say how to be added). Whatever fails here ends as one ephemeral line with
a reference, and the traceback goes to the log under the same reference.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import uvicorn
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message

from bot.adapters.slack_blocks import (
    ACTION_PREFIX,
    MODAL_CALLBACK_ID,
    blocks_for,
    command_from_submission,
    fallback_text,
    modal_for,
    needs_modal,
    submission_metadata,
    validate_submission,
)
from bot.adapters.slack_mrkdwn import inbound_text
from bot.adapters.slack_outbound import check_token, make_client, upload_files
from bot.clock import Clock
from bot.clock import today as local_today
from bot.config import Config
from bot.messages import Reply
from bot.router import Router
from storage.db import Database
from storage.inbound import first_time

log = logging.getLogger(__name__)


class _ClientGivesTheToken(logging.Filter):
    """bolt reads SLACK_BOT_TOKEN from the environment by itself and then warns that the
    client we hand it (which carries that same token) wins: true, and not worth a warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


logging.getLogger("slack_bolt.AsyncApp").addFilter(_ClientGivesTheToken())

PLATFORM = "slack"
SLASH_COMMAND = "/ar"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
EMPTY_SECRET = "SLACK_SIGNING_SECRET is empty: HTTP mode needs it to verify requests"

# The one line a user sees when something failed on our side (the log has the rest).
_SORRY = {
    "en": "Sorry, something went wrong (ref {ref}).",
    "zh-CN": "抱歉，出了点问题（编号 {ref}）。",
}
# A button whose blanks have no form: the command to type instead.
_TYPE_IT = {
    "en": "Type it with your values: {command}",
    "zh-CN": "请填入内容后输入：{command}",
}
# What may sit between the bot's mention and the command: "<@UBOT>, what about ACME?".
_LEAD = re.compile(r"^[\s,，:：;；.。!！?？、\-–—]+")
# Any user mention at the very start, when the bot's own id is not known yet.
_ANY_MENTION = re.compile(r"^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>")


def sorry(locale: str, ref: str) -> str:
    return _SORRY.get(locale, _SORRY["en"]).format(ref=ref)


def command_text(text: str, bot_user_id: str | None) -> str:
    """The command in an @mention: the text after the bot's mention, leading punctuation cut.

    "<@UBOT> what about ACME?" -> "what about ACME?"; "hi <@UBOT>: /ar overdue" -> "/ar overdue".
    """
    rest = text
    found = None
    if bot_user_id:
        found = re.search(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", text)
    if found is not None:
        rest = text[found.end() :]
    else:
        lead = _ANY_MENTION.match(text)
        if lead is not None:
            rest = text[lead.end() :]
    return _LEAD.sub("", rest).strip()


@dataclass(frozen=True)
class Where:
    """Where an answer goes: the user who asked, their channel (None: a direct message
    instead) and the thread of the conversation (None: the channel itself)."""

    user_id: str
    channel: str | None = None
    thread_ts: str | None = None


class SlackMessenger:
    platform = PLATFORM

    def __init__(
        self,
        router: Router,
        config: Config,
        db: Database,
        clock: Clock,
        *,
        token: str,
        signing_secret: str | None,
        api_url: str | None = None,
        mode: str = "http",
    ) -> None:
        if mode not in ("http", "socket"):
            raise ValueError(f"unknown Slack mode {mode!r} (expected http or socket)")
        secret = (signing_secret or "").strip()
        if mode == "http" and not secret:
            raise ValueError(EMPTY_SECRET)
        if not token or not token.strip():
            raise ValueError("SLACK_BOT_TOKEN is empty: the bot cannot talk to Slack without it")
        self.router = router
        self.config = config
        self.db = db
        self.clock = clock
        self.mode = mode
        self.signing_secret: str | None = secret or None
        self.bot_user_id: str | None = None
        self._people = {p.slack: key for key, p in config.people.items() if p.slack}
        # The client carries the bot token (bolt warns when given both, and uses the client's).
        self.app = AsyncApp(
            name="arcircle",
            # Socket Mode requests are not signed; bolt skips verification for them, and an
            # HTTP request can only come through `http_app`, which needs the secret.
            signing_secret=self.signing_secret or "",
            client=make_client(token, base_url=api_url),
            process_before_response=False,
            request_verification_enabled=True,
            # bolt's ssl_check middleware runs before request verification and answers an
            # unsigned ssl_check with 200; ours runs right after verification.
            ssl_check_enabled=False,
            before_authorize=answer_ssl_check,
        )
        register_listeners(self.app, self)

    # --- people, start-up ---------------------------------------------------------------

    def person_for(self, user_id: str) -> str | None:
        """The config person with this Slack id; None for anyone else."""
        return self._people.get(user_id)

    async def start_checks(self) -> str:
        """auth.test with the bot token: the bot's user id (a RuntimeError says what is wrong)."""
        self.bot_user_id = await check_token(self.app.client)
        return self.bot_user_id

    def today(self) -> date:
        """The company's today (modals validate dates against it)."""
        return local_today(self.clock, self.config.company.zone)

    # --- deduplication ------------------------------------------------------------------

    def first_delivery(self, event_id: str) -> bool:
        """Record the event; False when it was handled before (a retry)."""
        with self.db.engine.begin() as conn:
            return first_time(conn, PLATFORM, event_id, self.clock.now())

    # --- the listeners' work, after the ack ---------------------------------------------

    async def on_command(self, command: Mapping[str, Any], respond: Callable[..., Any]) -> None:
        user_id = str(command.get("user_id") or "")
        person = self.person_for(user_id)
        locale = self.config.locale_of(person)
        # Slack's markup (<@U5>, <!channel>, &lt;) becomes the literal text the user saw.
        typed = inbound_text(str(command.get("text") or ""), self.config)
        text = f"{SLASH_COMMAND} {typed}".strip()
        try:
            reply = await self.router.handle(
                text,
                platform=PLATFORM,
                channel=str(command.get("channel_id") or ""),
                user_id=user_id,
                person=person,
                addressed=True,
            )
            if reply is None:
                return
            if reply.attachments:
                # A response_url cannot carry files: they go up in the channel, or privately.
                where = Where(
                    channel=None if reply.ephemeral else str(command.get("channel_id") or ""),
                    user_id=user_id,
                    thread_ts=None,
                )
                await self._upload(where, reply)
            blocks = blocks_for(reply, self.config, locale=locale)
            sent = await respond(
                response_type="ephemeral" if reply.ephemeral else "in_channel",
                text=fallback_text(reply, self.config),
                blocks=blocks or None,
            )
            _check_webhook(sent, "slash command answer")
        except Exception:
            ref = self._log_failure("slash command", text, user_id)
            with contextlib.suppress(Exception):
                await respond(response_type="ephemeral", text=sorry(locale, ref))

    async def on_mention(self, event: Mapping[str, Any], bot_user_id: str | None) -> None:
        user_id = str(event.get("user") or "")
        channel = str(event.get("channel") or "") or None
        ts = event.get("ts")
        where = Where(user_id, channel, str(event.get("thread_ts") or ts or "") or None)
        text = command_text(str(event.get("text") or ""), bot_user_id or self.bot_user_id)
        text = inbound_text(text, self.config)  # after the bot's own mention is cut off
        await self.run_and_answer(text, where, what="mention")

    async def on_action(self, body: Mapping[str, Any], action: Mapping[str, Any]) -> None:
        user_id = str(_get(body, "user", "id") or "")
        person = self.person_for(user_id)
        locale = self.config.locale_of(person)
        command = _action_value(action)
        where = _action_where(body, user_id)
        try:
            if not command:
                log.warning("slack: button %s without a command", action.get("action_id"))
                return
            if needs_modal(command):
                await self._open_modal(command, body, where, person, locale)
                return
        except Exception:
            ref = self._log_failure("button", command, user_id)
            await self._say_sorry(where, locale, ref)
            return
        await self.run_and_answer(command, where, what="button")

    async def on_modal(
        self, ack: Callable[..., Awaitable[Any]], view: Mapping[str, Any], user_id: str
    ) -> None:
        """A modal submitted: field errors go back in the ack (the modal stays open and shows
        them); a valid one closes, and its command runs as the user."""
        locale = self.config.locale_of(self.person_for(user_id))
        where = _modal_where(view, user_id)
        try:
            errors = validate_submission(view, today=self.today(), locale=locale)
        except Exception:
            ref = self._log_failure("modal validation", str(view.get("id")), user_id)
            await ack()
            await self._say_sorry(where, locale, ref)
            return
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        try:
            command = command_from_submission(view)
        except Exception:
            ref = self._log_failure("modal submission", str(view.get("id")), user_id)
            await self._say_sorry(where, locale, ref)
            return
        await self.run_and_answer(command, where, what="modal")

    async def run_and_answer(self, text: str, where: Where, *, what: str) -> None:
        """Run a text command as the user and answer it in the conversation's thread, or
        ephemeral: what went wrong always, and replies meant for the asker only (except to an
        @mention, which asked in the open and is answered in its thread)."""
        person = self.person_for(where.user_id)
        locale = self.config.locale_of(person)
        try:
            reply = await self.router.handle(
                text,
                platform=PLATFORM,
                channel=where.channel or where.user_id,
                user_id=where.user_id,
                person=person,
                addressed=True,
            )
            if reply is None:
                return
            private = reply.kind != "answer" or (reply.ephemeral and what != "mention")
            if private:
                await self._post_ephemeral(where, reply, locale)
            else:
                await self._post(where, reply, locale)
        except Exception:
            ref = self._log_failure(what, text, where.user_id)
            await self._say_sorry(where, locale, ref)

    async def _open_modal(
        self,
        command: str,
        body: Mapping[str, Any],
        where: Where,
        person: str | None,
        locale: str,
    ) -> None:
        context = {"channel": where.channel, "thread_ts": where.thread_ts} if where.channel else {}
        view = modal_for(
            command,
            self.config,
            person=person,
            locale=locale,
            today=self.today(),
            context=context,
        )
        if view is not None:
            trigger = str(body.get("trigger_id") or "")
            await self.app.client.views_open(trigger_id=trigger, view=view)
        elif person is None:
            # Someone not in the config: the handler tells them they may read but not write.
            await self.run_and_answer(command, where, what="button")
        else:
            # No form for this one: never run a command with its blanks still in it.
            text = _TYPE_IT.get(locale, _TYPE_IT["en"]).format(command=command)
            await self._post_ephemeral(where, Reply(text=text, kind="usage"), locale)

    # --- sending ------------------------------------------------------------------------

    async def _post(self, where: Where, reply: Reply, locale: str) -> None:
        kwargs: dict[str, Any] = {
            "channel": where.channel or where.user_id,
            "text": fallback_text(reply, self.config),
            "unfurl_links": False,
        }
        blocks = blocks_for(reply, self.config, locale=locale)
        if blocks:
            kwargs["blocks"] = blocks
        if where.channel and where.thread_ts:
            kwargs["thread_ts"] = where.thread_ts
        await self._upload(where, reply)
        await self.app.client.chat_postMessage(**kwargs)

    async def _upload(self, where: Where, reply: Reply) -> None:
        if not reply.attachments:
            return
        channel = where.channel
        if channel is None:
            opened = await self.app.client.conversations_open(users=where.user_id)
            channel = str(opened["channel"]["id"])
        await upload_files(
            self.app.client,
            channel,
            reply.attachments,
            thread_ts=where.thread_ts if where.channel else None,
        )

    async def _post_ephemeral(self, where: Where, reply: Reply, locale: str) -> None:
        if where.channel is None:
            await self._post(where, reply, locale)  # a direct message is private anyway
            return
        kwargs: dict[str, Any] = {
            "channel": where.channel,
            "user": where.user_id,
            "text": fallback_text(reply, self.config),
        }
        blocks = blocks_for(reply, self.config, locale=locale)
        if blocks:
            kwargs["blocks"] = blocks
        if where.thread_ts:
            kwargs["thread_ts"] = where.thread_ts
        # A file cannot be ephemeral: a private reply's files go to the user directly.
        await self._upload(Where(channel=None, user_id=where.user_id, thread_ts=None), reply)
        await self.app.client.chat_postEphemeral(**kwargs)

    async def _say_sorry(self, where: Where, locale: str, ref: str) -> None:
        text = sorry(locale, ref)
        try:
            if where.channel is None:
                await self.app.client.chat_postMessage(channel=where.user_id, text=text)
            else:
                kwargs: dict[str, Any] = {"channel": where.channel, "user": where.user_id}
                if where.thread_ts:
                    kwargs["thread_ts"] = where.thread_ts
                await self.app.client.chat_postEphemeral(text=text, **kwargs)
        except Exception:
            log.exception("slack: could not tell %s about failure %s", where.user_id, ref)

    def _log_failure(self, what: str, text: str, user_id: str) -> str:
        ref = secrets.token_hex(3)
        log.exception("slack %s failed (ref %s) for %r from %s", what, ref, text, user_id)
        return ref


# --- listeners (one register function per group, as in bolt's starter template) -----------


def register_listeners(app: AsyncApp, messenger: SlackMessenger) -> None:
    register_middleware(app, messenger)
    register_commands(app, messenger)
    register_events(app, messenger)
    register_actions(app, messenger)
    register_views(app, messenger)


async def answer_ssl_check(body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> Any:
    """Slack's certificate check (`ssl_check=1`): answered, and never passed on to a listener.

    Runs as bolt's `before_authorize`, that is right after request verification: bolt's own
    ssl_check middleware (switched off) answers before verification, so an unsigned one
    would be accepted; and bolt's authorization does not recognise ssl_check (it looks for
    `type: ssl_check`) and would call auth.test for it.
    """
    if body.get("ssl_check") == "1":
        return BoltResponse(status=200, body="")
    return await next()


def register_middleware(app: AsyncApp, messenger: SlackMessenger) -> None:
    """After bolt's own middleware (verification, authorization, url_verification)."""

    async def dedupe_events(
        body: dict[str, Any], request: AsyncBoltRequest, next: Callable[[], Awaitable[None]]
    ) -> Any:
        event_id = body.get("event_id")
        if body.get("type") == "event_callback" and event_id:
            fresh = await asyncio.to_thread(messenger.first_delivery, str(event_id))
            if not fresh:
                retry = request.headers.get("x-slack-retry-num", ["?"])[0]
                reason = request.headers.get("x-slack-retry-reason", ["?"])[0]
                log.info("slack: event %s again (retry %s, %s): ignored", event_id, retry, reason)
                return BoltResponse(status=200, body="")
        return await next()

    app.use(dedupe_events)


def register_commands(app: AsyncApp, messenger: SlackMessenger) -> None:
    async def ar_command(
        ack: Callable[..., Awaitable[Any]],
        command: dict[str, Any],
        respond: Callable[..., Awaitable[Any]],
    ) -> None:
        await ack()
        await messenger.on_command(command, respond)

    app.command(SLASH_COMMAND)(ar_command)


def register_events(app: AsyncApp, messenger: SlackMessenger) -> None:
    async def app_mention(event: dict[str, Any], context: dict[str, Any]) -> None:
        # Events are acknowledged by bolt itself before this runs.
        await messenger.on_mention(event, context.get("bot_user_id"))

    app.event("app_mention")(app_mention)


def register_actions(app: AsyncApp, messenger: SlackMessenger) -> None:
    async def button(
        ack: Callable[..., Awaitable[Any]], body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()
        await messenger.on_action(body, action)

    app.block_action(re.compile("^" + re.escape(ACTION_PREFIX)))(button)


def register_views(app: AsyncApp, messenger: SlackMessenger) -> None:
    async def modal(
        ack: Callable[..., Awaitable[Any]], body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        await messenger.on_modal(ack, view, str(_get(body, "user", "id") or ""))

    app.view_submission(MODAL_CALLBACK_ID)(modal)


# --- payload helpers ----------------------------------------------------------------------


def _get(body: Mapping[str, Any], *keys: str) -> Any:
    node: Any = body
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _action_value(action: Mapping[str, Any]) -> str:
    """The text command behind a button (its value) or a menu (the selected option)."""
    value = action.get("value") or _get(action, "selected_option", "value") or ""
    return str(value).strip()


def _action_where(body: Mapping[str, Any], user_id: str) -> Where:
    channel = _get(body, "channel", "id") or _get(body, "container", "channel_id")
    message = body.get("message")
    if not isinstance(message, Mapping):
        message = {}
    thread = (
        message.get("thread_ts")
        or _get(body, "container", "thread_ts")
        or _get(body, "container", "message_ts")
        or message.get("ts")
    )
    return Where(user_id, str(channel) if channel else None, str(thread) if thread else None)


def _modal_where(view: Mapping[str, Any], user_id: str) -> Where:
    """Where a modal's answer goes: the channel and thread it was opened from (modal_for
    keeps them in private_metadata), else a direct message."""
    meta = submission_metadata(view)
    channel = meta.get("channel")
    thread = meta.get("thread_ts")
    if not isinstance(channel, str) or not channel:
        return Where(user_id)
    return Where(user_id, channel, thread if isinstance(thread, str) and thread else None)


def _check_webhook(sent: Any, what: str) -> None:
    status = getattr(sent, "status_code", 200)
    if status != 200:
        body = getattr(sent, "body", "")
        raise RuntimeError(f"Slack refused the {what}: HTTP {status} {str(body)[:200]}")


# --- HTTP -----------------------------------------------------------------------------------


def http_app(messenger: SlackMessenger, *, max_body: int = 1_000_000) -> Starlette:
    """`POST /slack/events` (commands, events, interactivity) and `GET /healthz`."""
    if not messenger.signing_secret:
        raise ValueError(EMPTY_SECRET)
    handler = AsyncSlackRequestHandler(messenger.app)
    verifier = SignatureVerifier(messenger.signing_secret)

    async def events(request: Request) -> Response:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype not in (FORM, JSON):
            return JSONResponse({"error": "unsupported content type"}, status_code=400)
        declared = request.headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                return JSONResponse({"error": "bad content length"}, status_code=400)
            if int(declared) > max_body:
                return JSONResponse({"error": "request body too large"}, status_code=413)
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > max_body:
                return JSONResponse({"error": "request body too large"}, status_code=413)
        raw = bytes(body)
        if not signed(verifier, raw, request.headers):
            return JSONResponse({"error": "invalid request"}, status_code=401)
        try:
            return await handler.handle(Request(request.scope, _replay(raw)))
        except Exception:
            # A signed body bolt could not read (it parses before it dispatches).
            log.exception("slack: a signed request could not be handled")
            return JSONResponse({"error": "malformed request"}, status_code=400)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def signed(verifier: SignatureVerifier, body: bytes, headers: Mapping[str, str]) -> bool:
    """Slack's v0 signature over the raw body, with a timestamp within 5 minutes."""
    timestamp = headers.get("x-slack-request-timestamp")
    signature = headers.get("x-slack-signature")
    if not timestamp or not signature or not timestamp.isdigit():
        return False
    try:
        return verifier.is_valid(
            body=body.decode("utf-8"), timestamp=timestamp, signature=signature
        )
    except (UnicodeDecodeError, ValueError):
        return False


def _replay(body: bytes) -> Callable[[], Awaitable[Message]]:
    """An ASGI receive that hands over a body already read (once), then a disconnect."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def serve_http(messenger: SlackMessenger, host: str, port: int) -> None:
    """Serve `http_app` with uvicorn until the process is told to stop."""
    config = uvicorn.Config(http_app(messenger), host=host, port=port, log_level="warning")
    await uvicorn.Server(config).serve()


# --- Socket Mode ----------------------------------------------------------------------------


async def serve_socket(messenger: SlackMessenger, app_token: str) -> None:
    """Serve the app over Socket Mode until cancelled (the connection is closed then)."""
    if not app_token or not app_token.strip():
        raise ValueError("SLACK_APP_TOKEN is empty: Socket Mode needs the app-level token")
    handler = AsyncSocketModeHandler(messenger.app, app_token)
    try:
        await handler.start_async()
    finally:
        with contextlib.suppress(Exception):
            await handler.close_async()
