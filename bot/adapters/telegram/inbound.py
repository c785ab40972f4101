"""Telegram updates to the router: messages (commands, mentions, DMs, form answers) and
callback queries (inline keyboard clicks).

Updates are read as plain JSON dicts, not PTB objects: an update of an older or newer shape
(`from` without `is_bot`, a callback query without its message) must never crash the bot.
Each update is handled once (storage.inbound.first_time by update_id, whether it came by
webhook or polling).

In a group only what is addressed to the bot runs: `/ar …`, `/ar@botname …`, the short
commands registered with setMyCommands (`/overdue`, `/case 12` …), a message starting with
`@botname`, or a reply to one of the bot's messages. In a private chat every message is a
command, `/ar 逾期` as well as plain `逾期`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta
from typing import Any

from bot.adapters.base import Dispatch
from bot.adapters.telegram.client import describe, retry_seconds
from bot.adapters.telegram.forms import GuidedForms
from bot.adapters.telegram.transport import Poster
from bot.kernel.config import Config
from bot.kernel.forms import FormRef
from bot.kernel.i18n import t
from bot.kernel.identity import Identities
from bot.kernel.messages import Reply
from storage import telegram_state as state
from storage.inbound import first_time

log = logging.getLogger(__name__)
NAME = "telegram"

# Short commands (setMyCommands): each is the verb of the same name, `/case 12` = `/ar case 12`.
SHORT = ("help", "overdue", "case", "customer", "whoami", "digest")
_COMMAND = re.compile(r"^[/／]([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,64}))?(?:\s+|$)")
_CASE = re.compile(r"#(\d{1,9})")
_PLACEHOLDER = re.compile(r"<[^<>\s]+>")
REPLY_WAIT = 5.0  # seconds of flood control a reply to a command may wait


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class Inbound:
    def __init__(
        self,
        router: Dispatch,
        config: Config,
        identities: Identities,
        poster: Poster,
        forms: GuidedForms,
        *,
        button_ttl: timedelta,
    ) -> None:
        self.router = router
        self.config = config
        self.identities = identities
        self.poster = poster
        self.forms = forms
        self.button_ttl = button_ttl
        self.username = ""  # the bot's @name without the @ (getMe, or config)
        self.bot_id: int | None = None

    @property
    def db(self) -> Any:
        return self.poster.db

    async def update(self, data: dict[str, Any]) -> bool:
        """Handle one update; False when it was a duplicate or not an update at all."""
        update_id = _int(data.get("update_id"))
        if update_id is None:
            log.warning("telegram: an update without an update_id, ignored")
            return False
        now = self.poster.clock.now()
        if not await self.db.threads.write(first_time, NAME, str(update_id), now):
            log.info("telegram: update %s seen before, ignored", update_id)
            return False
        try:
            if "message" in data:
                await self.message(_dict(data["message"]))
            elif "callback_query" in data:
                await self.callback(_dict(data["callback_query"]))
        except Exception as exc:
            # No traceback: it could carry a request URL, and with it the token.
            log.error("telegram: update %s failed: %s", update_id, describe(exc))
        return True

    # --- messages ---------------------------------------------------------------------

    async def message(self, msg: dict[str, Any]) -> None:
        text = msg.get("text")
        chat = _dict(msg.get("chat"))
        sender = _dict(msg.get("from"))
        chat_id, user_id = _int(chat.get("id")), _int(sender.get("id"))
        message_id = _int(msg.get("message_id"))
        if not isinstance(text, str) or chat_id is None or user_id is None or message_id is None:
            return  # a photo, a service message, a channel post: nothing to answer
        if sender.get("is_bot") is True:
            return
        # Private chats have the person's (positive) id; old updates have no chat type.
        kind = chat.get("type")
        private = kind == "private" or (kind is None and chat_id > 0)
        thread = _int(msg.get("message_thread_id")) if msg.get("is_topic_message") else None
        person = self.identities.person(NAME, str(user_id))
        replied = _dict(msg.get("reply_to_message"))
        where = str(chat_id)
        answered = (
            await self.forms.answer(
                chat=where,
                user_id=str(user_id),
                person=person,
                text=text,
                reply_to=_int(replied.get("message_id")),
                private=private,
                message_id=message_id,
            )
            if not _is_cancel(text)
            else False
        )
        if answered:
            return
        replied_to = _int(_dict(replied.get("from")).get("id"))
        to_bot = self.bot_id is not None and replied_to == self.bot_id
        body = self.addressed(text, private=private, reply_to_bot=to_bot)
        if body is None:
            return
        if body == "/cancel":
            reply: Reply | None = await self.forms.cancel(where, str(user_id), person)
        else:
            reply = await self.router.handle(
                body,
                platform=NAME,
                channel=where,
                user_id=str(user_id),
                person=person,
                addressed=True,
            )
        if reply is not None:
            await self.answer(where, reply, thread=thread, reply_to=message_id)

    def addressed(self, text: str, *, private: bool, reply_to_bot: bool) -> str | None:
        """The command in a message for the bot, else None."""
        stripped = text.strip()
        m = _COMMAND.match(stripped)
        if m:
            command, target = m.group(1).lower(), m.group(2)
            if target and target.casefold() != self.username.casefold():
                return None  # `/help@otherbot`: another bot's
            rest = stripped[m.end() :]
            if command == "ar":
                return rest or "help"
            if command == "cancel":
                return "/cancel"
            if command == "start":  # the bot's own chat opened: say what it can do
                return "help" if private or target else None
            if command in SHORT or target or private:
                return f"{command} {rest}".strip()
            return None  # `/foo` in a group: perhaps another bot's
        if self.username:
            mention = re.match(rf"^@{re.escape(self.username)}\b[\s,:，：]*", stripped, re.I)
            if mention:
                return stripped[mention.end() :] or "help"
        if private or reply_to_bot:
            return stripped
        return None

    # --- callback queries ------------------------------------------------------------

    async def callback(self, query: dict[str, Any]) -> None:
        from telegram import error as tg

        query_id = query.get("id")
        if not isinstance(query_id, str):
            return
        sender = _dict(query.get("from"))
        user_id = _int(sender.get("id"))
        data = query.get("data")
        message = _dict(query.get("message"))
        person = self.identities.person(NAME, str(user_id)) if user_id is not None else None
        locale = self.config.locale_of(person)
        since = self.poster.clock.now() - self.button_ttl
        found = None
        if isinstance(data, str) and 0 < len(data) <= 64:
            found = await self.db.threads.read(state.button, data, since)
        if found is None or user_id is None:
            case = _CASE.search(str(message.get("text") or ""))
            text = (
                t(locale, "telegram_button_expired", case=case.group(1))
                if case
                else t(locale, "telegram_button_expired_any")
            )
            await self.poster.bot.answer_callback_query(query_id, text=text, show_alert=True)
            log.info("telegram: a click on an unknown or expired button, ignored")
            return
        try:
            await self.poster.bot.answer_callback_query(query_id)
        except tg.TelegramError as exc:  # too late to answer: the click still counts
            log.info("telegram: answerCallbackQuery failed: %s", describe(exc))
        thread = _int(message.get("message_thread_id")) if message.get("is_topic_message") else None
        name = str(sender.get("first_name") or sender.get("username") or user_id)
        ref = FormRef.from_key(found.form_key) if found.form_key else None
        if ref is not None:
            await self.forms.start(
                ref,
                chat=found.chat,
                user_id=str(user_id),
                name=name,
                person=person,
                thread=thread,
                reply_to=found.message_id,
            )
            return
        command = found.command or ""
        if _PLACEHOLDER.search(command):
            # A command still to be completed (no form for it): show what to type.
            reply: Reply | None = Reply(text=t(locale, "telegram_type_it", command=command))
        else:
            reply = await self.router.handle(
                command,
                platform=NAME,
                channel=found.chat,
                user_id=str(user_id),
                person=person,
                addressed=True,
            )
        if reply is not None:
            await self.answer(found.chat, reply, thread=thread, reply_to=found.message_id)

    async def answer(
        self, chat: str, reply: Reply, *, thread: int | None, reply_to: int | None
    ) -> None:
        """The reply to a command. A short flood-control wait is waited once (the person is
        waiting for it); a longer one drops the reply with a log line rather than hold up
        other updates."""
        from telegram import error as tg

        try:
            await self.poster.send(chat, reply, thread=thread, reply_to=reply_to)
        except tg.RetryAfter as exc:
            wait = retry_seconds(exc)
            if wait > REPLY_WAIT:
                raise
            await asyncio.sleep(wait)
            await self.poster.send(chat, reply, thread=thread, reply_to=reply_to)


def _is_cancel(text: str) -> bool:
    m = _COMMAND.match(text.strip())
    return bool(m and m.group(1).lower() == "cancel")
