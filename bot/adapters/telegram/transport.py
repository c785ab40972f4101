"""Sending to Telegram: replies to commands and the outbox's rows.

- A message is rendered as HTML (bot.adapters.telegram.html) and split to Telegram's 4,096
  characters; a card's buttons become an inline keyboard on the last part, each button's
  callback_data an opaque token kept in the database (storage.telegram_state).
- A card_update edits the card's message in place (editMessageText), with a fresh keyboard.
- Rows about a case go under its card: in the case's forum topic where the group is a forum
  (the card opened one), else as a reply to the card's message.
- A destination `@person` is a direct message, by the person's Telegram user id.
- Attachments (a chart, an export) go before the text: a PNG or JPEG as a photo, anything
  else as a document (bot.adapters.telegram.files).

A message ref is `<message_id>` or `<message_id>:<message_thread_id>` (in a topic).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from bot.adapters.telegram.client import delivery_error, describe, raw_call
from bot.adapters.telegram.files import send_files
from bot.adapters.telegram.html import Renderer, split
from bot.kernel.capabilities import Capabilities, adapt
from bot.kernel.clock import Clock
from bot.kernel.identity import Identities
from bot.kernel.messages import Button, DeliveryError, Mention, PermanentError, Reply, RichText
from storage import telegram_state as state
from storage.db import Database
from storage.outbox import OutRow

if TYPE_CHECKING:
    from telegram import Bot, InlineKeyboardMarkup

log = logging.getLogger(__name__)
NAME = "telegram"
TOPIC_NAME = 128  # Telegram's limit for a forum topic's name
_NO_FILES = Capabilities(files=False)


def parse_ref(ref: str | None) -> tuple[int | None, int | None]:
    """(message_id, message_thread_id) of a message ref."""
    if not ref:
        return None, None
    head, _, thread = ref.partition(":")
    try:
        return int(head), (int(thread) if thread else None)
    except ValueError:
        return None, None


def make_ref(message_id: int, thread: int | None) -> str:
    return f"{message_id}:{thread}" if thread else str(message_id)


class Poster:
    """Sends rendered messages with their keyboards; shared by replies and the outbox."""

    def __init__(self, bot: Bot, db: Database, clock: Clock, renderer: Renderer) -> None:
        self.bot = bot
        self.db = db
        self.clock = clock
        self.renderer = renderer

    async def keyboard(
        self, chat: str, buttons: Sequence[Button]
    ) -> tuple[InlineKeyboardMarkup | None, list[str]]:
        """An inline keyboard whose callback data are new tokens (16 characters, far below
        Telegram's 64 bytes): what a button does stays in the database, not in the chat."""
        if not buttons:
            return None, []
        from telegram import InlineKeyboardButton, InlineKeyboardMarkup

        entries = []
        for b in buttons:
            form = b.form.key() if b.form is not None else None
            entries.append((secrets.token_urlsafe(12), b.command, form))
        await self.db.threads.write(state.add_buttons, chat, entries, self.clock.now())
        keys = [
            InlineKeyboardButton(b.label, callback_data=tok)
            for b, (tok, _, _) in zip(buttons, entries, strict=True)
        ]
        rows = [keys[i : i + 2] for i in range(0, len(keys), 2)]
        return InlineKeyboardMarkup(rows), [tok for tok, _, _ in entries]

    async def send(
        self,
        chat: str,
        message: Reply,
        *,
        thread: int | None = None,
        reply_to: int | None = None,
    ) -> int | None:
        """Post the message (in parts when long); the id of the part with the keyboard.

        Attachments go first, as photos or documents (bot.adapters.telegram.files): if an
        upload fails the row is retried before any text went out, so a retry never posts the
        text twice (as on Slack)."""
        from telegram import ReplyParameters
        from telegram.constants import ParseMode

        parts = split(self.renderer.reply(message))
        last: int | None = None
        if message.attachments:
            last = await send_files(
                self.bot,
                _chat_id(chat),
                message.attachments,
                text=message.card.title if message.card is not None else "",
                thread=thread,
                reply_to=reply_to,
            )
        if not parts:
            return last
        buttons = message.card.buttons if message.card is not None else ()
        markup, tokens = await self.keyboard(chat, buttons)
        for i, part in enumerate(parts):
            final = i == len(parts) - 1
            sent = await self.bot.send_message(
                chat_id=_chat_id(chat),
                text=part,
                parse_mode=ParseMode.HTML,
                message_thread_id=thread,
                reply_parameters=(
                    ReplyParameters(reply_to, allow_sending_without_reply=True)
                    if reply_to is not None and i == 0
                    else None
                ),
                reply_markup=markup if final else None,
                link_preview_options=_no_preview(),
            )
            last = sent.message_id
        if tokens and last is not None:
            await self.db.threads.write(state.attach, tokens, last)
        return last

    async def edit(self, chat: str, message_id: int, message: Reply) -> None:
        """The card's message changed in place, with a fresh keyboard (old tokens expire)."""
        from telegram import error as tg
        from telegram.constants import ParseMode

        # The card itself: a card_update's text is the one-line summary meant for messengers
        # that cannot edit (they post it as a follow-up), not part of the card.
        shown = Reply(card=message.card) if message.card is not None else message
        parts = split(self.renderer.reply(shown)) or ["…"]
        buttons = message.card.buttons if message.card is not None else ()
        markup, tokens = await self.keyboard(chat, buttons)
        try:
            await self.bot.edit_message_text(
                chat_id=_chat_id(chat),
                message_id=message_id,
                text=parts[0],  # a card fits one message; more would need a new message
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=_no_preview(),
            )
        except tg.BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise
        await self.db.threads.write(_swap_keyboard, chat, message_id, tokens)


def _swap_keyboard(conn: Any, chat: str, message_id: int, tokens: list[str]) -> None:
    state.attach(conn, tokens, message_id)
    state.replace_keyboard(conn, chat, message_id, tokens)


def _chat_id(chat: str) -> int | str:
    return int(chat) if chat.lstrip("-").isdigit() else chat


@cache
def _no_preview() -> Any:
    # Made on first use: telegram is imported only when the messenger runs.
    from telegram import LinkPreviewOptions

    return LinkPreviewOptions(is_disabled=True)


class TelegramTransport:
    """The outbox's Transport for Telegram."""

    def __init__(self, poster: Poster, identities: Identities, circle: str | None) -> None:
        self.poster = poster
        self.identities = identities
        self.circle = circle  # the circle's group (circle.channels.telegram)
        self._forums: dict[str, bool] = {}

    async def deliver(
        self, row: OutRow, message: Reply, *, update_ref: str | None, thread_ref: str | None
    ) -> str | None:
        person = row.destination[1:] if row.destination.startswith("@") else None
        if person is not None:
            return await self._direct(person, message)
        return await self._deliver(row.destination, row.kind, message, update_ref, thread_ref)

    async def _deliver(
        self,
        chat: str,
        kind: str,
        message: Reply,
        update_ref: str | None,
        thread_ref: str | None,
    ) -> str | None:
        try:
            if update_ref is not None:
                message_id, thread = parse_ref(update_ref)
                if message_id is None:
                    raise PermanentError(f"not a Telegram message ref: {update_ref[:40]}")
                await self.poster.edit(chat, message_id, message)
                return update_ref
            reply_to, thread = parse_ref(thread_ref)
            if kind == "card" and thread is None and message.card is not None:
                thread = await self._case_topic(chat, message.card.title)
            sent = await self.poster.send(chat, message, thread=thread, reply_to=reply_to)
            return make_ref(sent, thread) if sent is not None else None
        except DeliveryError:
            raise
        except Exception as exc:
            raise delivery_error(exc, chat=chat) from None

    async def _direct(self, person: str, message: Reply) -> str | None:
        """A direct message by the person's Telegram user id. Without one, or when the person
        never started the bot (Telegram forbids writing first), the circle's group gets it
        with the person mentioned."""
        from telegram import error as tg

        user_id = self.identities.external_id(person, NAME)
        if user_id:
            try:
                sent = await self.poster.send(user_id, message)
                return str(sent) if sent is not None else None
            except tg.Forbidden:
                log.info("telegram: %s has not started the bot; into the group instead", person)
            except DeliveryError:
                raise
            except Exception as exc:
                raise delivery_error(exc, chat=user_id) from None
        group = self.circle
        if not group:
            raise PermanentError(
                f"no telegram id for {person}: add people.{person}.telegram to config.yaml"
            )
        # A private file never goes to the group: its fallback (a chart's figures) does.
        private = adapt(message, "dm", _NO_FILES)
        mentioned = Reply(
            text=RichText(Mention.person(person), "\n", private.text or ""),
            card=private.card,
            ephemeral=False,
        )
        return await self._deliver(group, "dm", mentioned, None, None)

    async def _case_topic(self, chat: str, title: str) -> int | None:
        """A forum topic for the case where the group is a forum and lets the bot make one."""
        from telegram import error as tg

        if chat not in self._forums:
            try:
                found = await raw_call(self.poster.bot, "getChat", chat_id=_chat_id(chat))
                self._forums[chat] = isinstance(found, dict) and found.get("is_forum") is True
            except tg.TelegramError as exc:
                raise delivery_error(exc, chat=chat) from None
        if not self._forums[chat]:
            return None
        try:
            topic = await self.poster.bot.create_forum_topic(_chat_id(chat), title[:TOPIC_NAME])
        except (tg.BadRequest, tg.Forbidden) as exc:
            # No right to manage topics: the card goes to the General topic instead.
            log.warning("telegram: no forum topic for a case in %s (%s)", chat, describe(exc))
            return None
        except tg.TelegramError as exc:
            raise delivery_error(exc, chat=chat) from None
        return int(topic.message_thread_id)
