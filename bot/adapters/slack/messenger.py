"""Slack, inbound: the `/ar` slash command, @mentions, button clicks and modal submissions.

One slack-bolt AsyncApp in the bot's event loop, reached over HTTP (bot.adapters.slack.http)
or Socket Mode (bot.adapters.slack.socket_mode). Every request is acknowledged at once and the work
continues after the ack (Slack waits 3 seconds at most); a modal submission waits up to two
seconds for its command, so a refusal is shown in the form instead of losing what was typed.
Nothing before an ack waits for the database, and nothing on the event loop ever does: the
database work runs in its threads (storage.offloop). Events API deliveries are deduplicated by
`event_id` in the database, after bolt has acknowledged them.

Where answers go (bot.adapters.slack.answer): a change to a case goes to the case's thread or
the circle channel, and the asker gets a private pointer to it; everything else is private.
Who may read at all is the router's gate (bot.kernel.access); this adapter tells it who Slack's
guests are (bot.adapters.slack.directory). Whatever fails here ends as one private line with
a reference, and the traceback goes to the log under the same reference.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.adapters.base import Dispatch
from bot.adapters.slack.answer import Answerer
from bot.adapters.slack.blocks import ACTION_PREFIX
from bot.adapters.slack.directory import SlackDirectory
from bot.adapters.slack.modals import (
    MODAL_CALLBACK_ID,
    errors_for,
    form_error,
    form_ref,
    main_field,
    modal_view,
    submission_metadata,
    submitted_values,
    value_ref,
)
from bot.adapters.slack.mrkdwn import inbound_text
from bot.adapters.slack.outbound import identify, make_client
from bot.adapters.slack.payloads import (
    Where,
    action_where,
    command_where,
    get,
    mention_where,
    modal_where,
)
from bot.adapters.slack.retry import Sleep, interactive_retry_handlers
from bot.kernel.clock import Clock
from bot.kernel.config import Config
from bot.kernel.forms import FormErrors, FormRef
from bot.kernel.i18n import t
from bot.kernel.identity import identities_of
from bot.kernel.messages import Reply
from storage.db import Database
from storage.inbound import first_time

__all__ = ["EMPTY_SECRET", "SlackMessenger", "Where", "command_text", "sorry"]

log = logging.getLogger(__name__)


class _ClientGivesTheToken(logging.Filter):
    """bolt reads SLACK_BOT_TOKEN from the environment by itself and then warns that the
    client we hand it (which carries that same token) wins: true, and not worth a warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


logging.getLogger("slack_bolt.AsyncApp").addFilter(_ClientGivesTheToken())

PLATFORM = "slack"
SLASH_COMMAND = "/ar"
EMPTY_SECRET = "SLACK_SIGNING_SECRET is empty: HTTP mode needs it to verify requests"
# How long a modal submission waits for its command before closing the form (Slack: 3 s).
ACK_BUDGET = 2.0

# What may sit between the bot's mention and the command: "<@UBOT>, what about ACME?".
_LEAD = re.compile(r"^[\s,，:：;；.。!！?？、\-–—]+")
# Any user mention at the very start, when the bot's own id is not known yet.
_ANY_MENTION = re.compile(r"^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>")


def sorry(locale: str, ref: str) -> str:
    return t(locale, "slack_sorry", ref=ref)


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


class SlackMessenger:
    platform = PLATFORM

    def __init__(
        self,
        router: Dispatch,
        config: Config,
        db: Database,
        clock: Clock,
        *,
        token: str,
        signing_secret: str | None,
        api_url: str | None = None,
        mode: str = "http",
        retry_sleep: Sleep | None = None,
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
        self.identities = identities_of(config)
        retries = interactive_retry_handlers(retry_sleep)
        # The interactive client retries 429s and lost connections (a user is waiting); the
        # outbox's client does not (the outbox retries through its rows).
        self.app = AsyncApp(
            name="arcircle",
            # Socket Mode requests are not signed; bolt skips verification for them, and an
            # HTTP request can only come through `http_app`, which needs the secret.
            signing_secret=self.signing_secret or "",
            client=make_client(token, base_url=api_url, retry_handlers=retries),
            process_before_response=False,
            request_verification_enabled=True,
            # bolt's ssl_check middleware runs before request verification and answers an
            # unsigned ssl_check with 200; ours runs right after verification.
            ssl_check_enabled=False,
            before_authorize=answer_ssl_check,
        )
        self.outbox_client = make_client(token, base_url=api_url)
        self.directory = SlackDirectory(
            self.app.client, clock, readers_group=config.platforms.slack.readers_group
        )
        router.access.register(PLATFORM, self.directory)
        self.answers = Answerer(self.app.client, config, db, router, retries)
        register_listeners(self.app, self)

    # --- people, start-up ---------------------------------------------------------------

    def person_for(self, user_id: str) -> str | None:
        """The config person with this Slack id; None for anyone else."""
        return self.identities.person(PLATFORM, user_id)

    def locale_for(self, user_id: str) -> str:
        return self.config.locale_of(self.person_for(user_id))

    async def start_checks(self) -> str:
        """auth.test with the bot token: the bot's user id (a SlackSetupError says what is
        wrong). The workspace it answers for tells other workspaces' accounts apart."""
        identity = await identify(self.app.client)
        self.bot_user_id = identity.user_id
        self.directory.team_id = identity.team_id
        return identity.user_id

    # --- deduplication ------------------------------------------------------------------

    async def first_delivery(self, body: Mapping[str, Any], headers: Mapping[str, Any]) -> bool:
        """Record the event; False when it was handled before (a retry: logged, ignored)."""
        event_id = body.get("event_id")
        if not event_id:
            return True
        fresh = await self.db.threads.write(first_time, PLATFORM, str(event_id), self.clock.now())
        if not fresh:
            retry = _header(headers, "x-slack-retry-num")
            reason = _header(headers, "x-slack-retry-reason")
            log.info("slack: event %s again (retry %s, %s): ignored", event_id, retry, reason)
        return fresh

    # --- the listeners' work, after the ack ---------------------------------------------

    async def on_command(self, command: Mapping[str, Any]) -> None:
        # Slack's markup (<@U5>, <!channel>, &lt;) becomes the literal text the user saw.
        typed = inbound_text(str(command.get("text") or ""), self.config)
        text = f"{SLASH_COMMAND} {typed}".strip()
        await self.run_and_answer(text, command_where(command), what="command")

    async def on_mention(self, event: Mapping[str, Any], bot_user_id: str | None) -> None:
        text = command_text(str(event.get("text") or ""), bot_user_id or self.bot_user_id)
        text = inbound_text(text, self.config)  # after the bot's own mention is cut off
        await self.run_and_answer(text, mention_where(event), what="mention")

    async def on_action(self, body: Mapping[str, Any], action: Mapping[str, Any]) -> None:
        where = action_where(body)
        if not (where.thread_open or where.via_url) and where.channel and where.thread_ts:
            known = await self.answers.thread_known(where.channel, where.thread_ts)
            where = action_where(body, thread_known=known)
        command = _action_value(action)
        if not command:
            log.warning("slack: button %s without a command", action.get("action_id"))
            return
        ref = value_ref(command)
        if ref is not None:
            try:
                await self._open_form(ref, body, where)
            except Exception:
                ref_id = self._log_failure("button", command, where.user_id)
                await self.answers.say_sorry(where, self.locale_for(where.user_id), ref_id)
            return
        await self.run_and_answer(command, where, what="button")

    async def on_modal(
        self, ack: Callable[..., Awaitable[Any]], view: Mapping[str, Any], user_id: str
    ) -> None:
        """A modal submitted: field errors go back in the ack (the modal stays open and shows
        them); so does a refusal of the whole form when it comes within ACK_BUDGET. Else the
        modal closes and the answer goes where answers go (late errors privately)."""
        locale = self.locale_for(user_id)
        where = modal_where(view, user_id)
        meta = submission_metadata(view)
        ref = form_ref(meta)
        if ref is None:
            # payloads.problem refuses such a view before bolt: this is a bug, not input.
            failed = self._log_failure("modal submission", str(view.get("id")), user_id)
            await ack()
            await self.answers.say_sorry(where, locale, failed)
            return
        work = asyncio.ensure_future(self._submit(ref, submitted_values(view), where))
        done, _ = await asyncio.wait({work}, timeout=ACK_BUDGET)
        if work in done and work.exception() is None:
            result = work.result()
            if isinstance(result, FormErrors) and errors_for(result, meta):
                await ack(response_action="errors", errors=errors_for(result, meta))
                return
            field = main_field(meta)
            if isinstance(result, Reply) and result.kind != "answer" and field is not None:
                text = form_error(result, self.config)
                await ack(response_action="errors", errors={field: text})
                return
        await ack()
        await self._finish(asyncio.ensure_future(_late(work)), ref.command(), where, "modal")

    async def _submit(
        self, ref: FormRef, values: Mapping[str, str], where: Where
    ) -> FormErrors | Reply | None:
        return await self.router.submit_form(
            ref,
            values,
            platform=PLATFORM,
            channel=where.channel or where.user_id,
            user_id=where.user_id,
            person=self.person_for(where.user_id),
        )

    async def run_and_answer(self, text: str, where: Where, *, what: str) -> None:
        """Run a text command as the user and answer it where answers go."""
        await self._finish(asyncio.ensure_future(self._handle(text, where)), text, where, what)

    async def _handle(self, text: str, where: Where) -> Reply | None:
        return await self.router.handle(
            text,
            platform=PLATFORM,
            channel=where.channel or where.user_id,
            user_id=where.user_id,
            person=self.person_for(where.user_id),
            addressed=True,
        )

    async def _finish(
        self, work: asyncio.Future[Reply | None], text: str, where: Where, what: str
    ) -> None:
        locale = self.locale_for(where.user_id)
        try:
            reply = await work
            if reply is not None:
                await self.answers.answer(text, reply, where, locale, mention=what == "mention")
        except Exception:
            ref = self._log_failure(what, text, where.user_id)
            await self.answers.say_sorry(where, locale, ref)

    async def _open_form(self, ref: FormRef, body: Mapping[str, Any], where: Where) -> None:
        """Open the form behind a button, made for this person (router.open_form); anyone the
        command would refuse is told why, and who may, before typing anything."""
        locale = self.locale_for(where.user_id)
        form = await self.router.open_form(
            ref, platform=PLATFORM, user_id=where.user_id, person=self.person_for(where.user_id)
        )
        if isinstance(form, Reply):
            await self.answers.tell(where, form, locale)
            return
        context: dict[str, Any] = {"response_url": where.response_url} if where.response_url else {}
        if where.via_url:
            context["via_url"] = True
        if where.channel:
            context |= {"channel": where.channel, "thread_ts": where.thread_ts}
            context["thread_open"] = where.thread_open
        trigger = str(body.get("trigger_id") or "")
        view = modal_view(form, locale=locale, context=context)
        await self.app.client.views_open(trigger_id=trigger, view=view)

    def _log_failure(self, what: str, text: str, user_id: str) -> str:
        ref = secrets.token_hex(3)
        log.exception("slack %s failed (ref %s) for %r from %s", what, ref, text, user_id)
        return ref


# --- listeners (one register function per group, as in bolt's starter template) -----------


def register_listeners(app: AsyncApp, messenger: SlackMessenger) -> None:
    register_commands(app, messenger)
    register_events(app, messenger)
    register_actions(app, messenger)
    register_views(app, messenger)


async def answer_ssl_check(body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> Any:
    """Slack's certificate check (`ssl_check=1`): answered, and never passed on to a listener.

    Runs as bolt's `before_authorize`, that is right after request verification: bolt's own
    ssl_check middleware (switched off) answers before verification, so an unsigned one
    would be accepted; and bolt's authorization does not recognise ssl_check (it looks for
    `type: ssl_check`) and would call auth.test for it. (Payloads of the wrong shape never get
    here: slack_http and slack_socket refuse them before bolt.)
    """
    if body.get("ssl_check") == "1":
        return BoltResponse(status=200, body="")
    return await next()


def register_commands(app: AsyncApp, messenger: SlackMessenger) -> None:
    async def ar_command(ack: Callable[..., Awaitable[Any]], command: dict[str, Any]) -> None:
        await ack()
        await messenger.on_command(command)

    app.command(SLASH_COMMAND)(ar_command)


def register_events(app: AsyncApp, messenger: SlackMessenger) -> None:
    async def app_mention(
        event: dict[str, Any],
        body: dict[str, Any],
        request: AsyncBoltRequest,
        context: dict[str, Any],
    ) -> None:
        # Events are acknowledged by bolt itself before this runs, so Slack's retry of one
        # is recognised here, after the ack: a busy database never delays an acknowledgement.
        if await messenger.first_delivery(body, request.headers):
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
        await messenger.on_modal(ack, view, str(get(body, "user", "id") or ""))

    app.view_submission(MODAL_CALLBACK_ID)(modal)


async def _late(work: asyncio.Future[FormErrors | Reply | None]) -> Reply | None:
    """A submission's outcome after the modal closed: field errors can only be told now."""
    result = await work
    if isinstance(result, FormErrors):
        return Reply.error("\n".join(result.errors.values()))
    return result


def _header(headers: Mapping[str, Any], name: str) -> str:
    values = headers.get(name) or ["?"]
    return str(values[0] if isinstance(values, list | tuple) else values)


def _action_value(action: Mapping[str, Any]) -> str:
    """The text command behind a button (its value) or a menu (the selected option)."""
    value = action.get("value") or get(action, "selected_option", "value") or ""
    return str(value).strip()
