"""The outbox's way into Feishu: the app's message API, or a group's custom robot.

- A circle row (destination: the group's chat_id, oc_...) with a card goes out as an
  interactive card; the returned message_id is the card's ref. A `card_update` row edits that
  card in place (PATCH, update_ref); rows about the card (thread_ref) reply to it, in its
  thread when platforms.feishu.reply_in_thread.
- Rows without a card (escalations, reminders, notes) go as text messages whose mentions are
  `<at user_id="ID"></at>` by the person's Feishu id: that is what notifies.
- A direct row (destination `@<person>`) goes to the person by their Feishu id: an `ou_...`
  id as open_id, anything else as user_id. Without one, into the circle group, mentioned.
- mode: robot sends every row through platforms.feishu.robots.<channel> (no edit, no thread,
  no direct messages: the running messenger's capabilities say so and the kernel adapts); a
  direct row goes to the circle group's robot with the person mentioned.
- Files (a chart, an export) go first: a PNG/JPEG uploaded as an image, anything else as a
  file, each posted where the message goes (its thread, the person). All are read before
  anything is sent, so a missing one sends none. A custom robot cannot upload: it gets the
  files' fallback (a chart's figures as a table).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.adapters.feishu import render
from bot.adapters.feishu.api import FeishuApi, is_image
from bot.adapters.feishu.robot import RobotSender
from bot.adapters.outbound import person_of, read_files, without_files
from bot.kernel.config import Config
from bot.kernel.identity import Identities
from bot.kernel.messages import Mention, PermanentError, Reply, RichText
from bot.kernel.rich import display_names
from storage.outbox import OutRow

OPEN_ID_PREFIX = "ou_"


class FeishuTransport:
    def __init__(
        self,
        api: FeishuApi | None,
        robots: RobotSender,
        config: Config,
        identities: Identities,
    ) -> None:
        self._api = api
        self._robots = robots
        self._config = config
        self._identities = identities
        self._locale = config.company.locale
        self._card_names = render.mentions(config, identities, card=True)
        self._text_names = render.mentions(config, identities, card=False)
        self._plain = display_names(config)
        self._in_thread = config.platforms.feishu.reply_in_thread

    # --- rendering --------------------------------------------------------------------

    def card(self, message: Reply, *, buttons: bool = True) -> dict[str, Any]:
        return render.reply_card(message, self._card_names, self._locale, buttons=buttons)

    def text_pieces(self, message: Reply) -> list[str]:
        text = render.reply_text(message, self._text_names, self._plain)
        return render.split_text(text) or ["✓"]

    # --- the outbox ---------------------------------------------------------------------

    async def send_files(
        self,
        paths: tuple[str, ...],
        *,
        chat_id: str | None,
        thread_ref: str | None,
        person_id: tuple[str, str] | None = None,
        in_thread: bool | None = None,
    ) -> None:
        api = self._api
        if api is None:
            raise PermanentError("feishu: files need the app (mode: robot cannot upload)")
        for name, data in read_files(paths):
            if is_image(data):
                kind, content = "image", {"image_key": await api.upload_image(name, data)}
            else:
                kind, content = "file", {"file_key": await api.upload_file(name, data)}
            if person_id is not None:
                await api.send(person_id[0], person_id[1], kind, content)
            elif thread_ref:
                thread = self._in_thread if in_thread is None else in_thread
                await api.reply(thread_ref, kind, content, in_thread=thread)
            elif chat_id:
                await api.send("chat_id", chat_id, kind, content)

    async def deliver(
        self, row: OutRow, message: Reply, *, update_ref: str | None, thread_ref: str | None
    ) -> str | None:
        person = person_of(row)
        if self._api is None:
            destination = row.destination
            if person is not None:
                # A robot cannot write to one person: the circle group, the person mentioned.
                destination = self._circle_or_fail(person)
                message = _mentioning(person, without_files(message))
            await self._robot(destination, without_files(message))
            return None
        api = self._api
        if person is not None:
            return await self._direct(api, person, message)
        if row.kind == "card_update" and update_ref:
            await api.update_card(update_ref, self.card(without_files(message)))
            return update_ref
        return await self.post(row.destination, message, thread_ref=thread_ref)

    async def post(
        self,
        chat_id: str,
        message: Reply,
        *,
        thread_ref: str | None = None,
        in_thread: bool | None = None,
    ) -> str | None:
        """A card as an interactive card, anything else as text; the (first) message id
        (None: only files went out). `in_thread`: a reply opens a thread (default: config)."""
        thread = self._in_thread if in_thread is None else in_thread
        api = self._api
        if api is None:
            raise PermanentError("feishu: the app is not configured (mode: robot)")
        if message.attachments:
            # Files first: a failed upload retries the row before any text went out.
            await self.send_files(
                message.attachments, chat_id=chat_id, thread_ref=thread_ref, in_thread=thread
            )
            message = replace(message, attachments=(), files_fallback=None)
            if message.text is None and message.card is None:
                return None
        if message.card is not None:
            card = self.card(message)
            if thread_ref:
                return await api.reply(thread_ref, "interactive", card, in_thread=thread)
            return await api.send("chat_id", chat_id, "interactive", card)
        first: str | None = None
        for piece in self.text_pieces(message):
            content = {"text": piece}
            if thread_ref:
                mid = await api.reply(thread_ref, "text", content, in_thread=thread)
            else:
                mid = await api.send("chat_id", chat_id, "text", content)
            first = first or mid
        assert first is not None  # text_pieces is never empty
        return first

    async def _direct(self, api: FeishuApi, person: str, message: Reply) -> str | None:
        ident = render.feishu_id(self._identities, person)
        if ident is not None:
            kind = "open_id" if ident.startswith(OPEN_ID_PREFIX) else "user_id"
            if message.attachments:
                await self.send_files(
                    message.attachments, chat_id=None, thread_ref=None, person_id=(kind, ident)
                )
                message = replace(message, attachments=(), files_fallback=None)
                if message.text is None and message.card is None:
                    return None
            if message.card is not None:
                return await api.send(kind, ident, "interactive", self.card(message))
            first = ""
            for piece in self.text_pieces(message):
                mid = await api.send(kind, ident, "text", {"text": piece})
                first = first or mid
            return first
        channel = self._circle_or_fail(person)
        # A private file never goes to the group.
        return await self.post(channel, _mentioning(person, without_files(message)))

    def _circle_or_fail(self, person: str) -> str:
        channel = self._config.circle.channels.get("feishu")
        if not channel:
            raise PermanentError(
                f"no way to reach {person} on Feishu: give them a feishu id in people "
                "(user_id or open_id), or set circle.channels.feishu"
            )
        return channel

    async def _robot(self, channel: str, message: Reply) -> None:
        if message.card is not None:
            await self._robots.send(channel, "interactive", self.card(message, buttons=False))
            return
        for piece in self.text_pieces(message):
            await self._robots.send(channel, "text", {"text": piece})


def _mentioning(person: str, message: Reply) -> Reply:
    """The message for the group, led by the person's mention."""
    lead = RichText(Mention.person(person), " ")
    text = lead + message.text if message.text else lead
    return Reply(text=text, card=message.card, ephemeral=False)
