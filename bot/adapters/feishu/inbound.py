"""Feishu events, whichever way they came (the HTTP callback or the long connection): a
command for the router, a card button's click; the answers back through the message API.

- Every event is handled once: `header.event_id` through storage.inbound.first_time (Feishu
  retries an event it got no quick 200 for, and a replay must run nothing); an event created
  more than 12 hours ago (`header.create_time`) is ignored.
- im.message.receive_v1: in a group only when the bot is @mentioned (events.parse tells, and
  removes the bot's mention: `@bot /ar 逾期` and `@bot 逾期` reach the router as `/ar 逾期`
  and `逾期`, which it takes alike with addressed=True); every message in a p2p chat. The
  answer is a reply to the message (in its thread when platforms.feishu.reply_in_thread),
  run in the background: Feishu wants its 200 within 3 seconds.
- card.action.trigger: the button's command through the router; a button that needs input
  opens its form as a card in the thread, whose submit is checked by the router and replaced
  by the answer (bot.adapters.feishu.forms). Feishu shows what the
  response holds (a toast) and waits 3 seconds for it: we wait `feishu.card_wait` (2 s) for
  the answer; a card or a long answer follows as a reply to the card's message, an answer not
  ready in time too. The case card itself changes through the outbox (card_update rows).
- An unknown button value (not ours) is ignored with a log line; no traceback ever reaches a
  chat: an unexpected error is "sorry (ref X)", the details in our log under X.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from typing import Any

from bot.adapters.base import Dispatch
from bot.adapters.feishu import events, forms, render
from bot.adapters.feishu.api import FeishuApi
from bot.adapters.feishu.transport import FeishuTransport
from bot.kernel.clock import Clock
from bot.kernel.config import Config
from bot.kernel.forms import Form, FormErrors, FormRef
from bot.kernel.i18n import t
from bot.kernel.identity import Identities
from bot.kernel.messages import DeliveryError, Reply
from bot.kernel.rich import display_names, plain
from storage.db import Database
from storage.inbound import first_time

log = logging.getLogger(__name__)

PLATFORM = "feishu"
MAX_AGE_HOURS = 12
TOAST_LIMIT = 200  # characters: a toast is one short line


class Inbound:
    def __init__(
        self,
        *,
        api: FeishuApi,
        transport: FeishuTransport,
        router: Dispatch,
        db: Database,
        clock: Clock,
        config: Config,
        identities: Identities,
        card_wait: float = 2.0,
    ) -> None:
        self._api = api
        self._transport = transport
        self._router = router
        self._db = db
        self._clock = clock
        self._config = config
        self._identities = identities
        self._wait = card_wait
        self._locale = config.company.locale
        self._in_thread = config.platforms.feishu.reply_in_thread
        self.bot_open_id: str | None = None  # learnt at start (bot info)
        self._later: set[asyncio.Task[None]] = set()
        names = [n for n in config.platforms.feishu.bot_names if n]
        self._typed_mention = (
            re.compile(r"^\s*[@＠](?:" + "|".join(re.escape(n) for n in names) + r")\b\s*")
            if names
            else None
        )

    async def on_event(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """A decoded, verified schema-2.0 event -> the card action's response, else None."""
        try:
            parsed = events.parse(event, bot_open_id=self.bot_open_id)
        except events.EventError as exc:
            log.warning("feishu: event refused (%s)", exc)
            return None
        if isinstance(parsed, events.UrlVerification):
            return {"challenge": parsed.challenge}
        if parsed is None:
            return None
        if self._stale(event):
            log.warning("feishu: event older than %d hours, ignored", MAX_AGE_HOURS)
            return None
        if not await self._db.threads.write(
            first_time, PLATFORM, parsed.event_id, self._clock.now()
        ):
            log.info("feishu: event_id seen before, ignored")
            return None
        if isinstance(parsed, events.MessageEvent):
            self._message(parsed)
            return None
        return await self._card(parsed)

    def _stale(self, event: dict[str, Any]) -> bool:
        """Older than Feishu's last retry (15 s, 5 min, 1 h, 6 h after the event): a replay
        of a captured request, which the event_id record may have forgotten (7 days)."""
        header = event.get("header")
        created = header.get("create_time") if isinstance(header, dict) else None
        try:
            stamp = int(str(created))
        except ValueError:
            return False  # no creation time: the event_id record is the guard
        # Milliseconds in message events, microseconds in the card callback's samples.
        seconds = stamp / 1e6 if stamp > 10**14 else stamp / 1e3 if stamp > 10**11 else stamp
        age = self._clock.now().timestamp() - seconds
        return age > MAX_AGE_HOURS * 3600

    # --- messages -----------------------------------------------------------------------

    def _message(self, msg: events.MessageEvent) -> None:
        text = msg.text
        addressed = msg.addressed
        if self._typed_mention is not None and self._typed_mention.match(text):
            # The bot's name typed by hand ("@arcircle 逾期" pasted, no mention record).
            text = self._typed_mention.sub("", text, count=1)
            addressed = True
        if not addressed or msg.message_type != "text" or not text.strip():
            return
        self._keep(asyncio.create_task(self._answer_message(msg, text)))

    async def _answer_message(self, msg: events.MessageEvent, text: str) -> None:
        reply = await self.run(text, msg.chat_id, msg.user_id, msg.open_id)
        if reply is not None:
            # A direct chat has no threads to open: a plain reply there.
            group = msg.chat_type == "group"
            await self._send_reply(msg.message_id, reply, in_thread=self._in_thread and group)

    # --- card buttons -------------------------------------------------------------------

    async def _card(self, action: events.CardAction) -> dict[str, Any]:
        submit = forms.ref_of(action.value, forms.SUBMIT_KEY)
        if submit is not None:
            return await self._submit(submit, action)
        opening = forms.ref_of(action.value, forms.OPEN_KEY)
        if opening is not None:
            return await self._open_form(opening, action)
        command = render.command_of(action.value)
        if command is None:
            log.info("feishu: card action with a value that is not ours, ignored")
            return _toast("info", t(self._locale, "feishu_unknown_button"))
        channel = action.open_chat_id or ""
        task = asyncio.create_task(
            self.run(command, channel, action.operator_user_id, action.operator_open_id)
        )
        done, _ = await asyncio.wait({task}, timeout=self._wait)
        if not done:
            self._keep(asyncio.create_task(self._later_reply(task, action.open_message_id)))
            return _toast("info", t(self._locale, "feishu_working"))
        reply = task.result()
        return self._answer_click(reply, action.open_message_id)

    def _answer_click(self, reply: Reply | None, message_id: str) -> dict[str, Any]:
        """A toast for a short answer; a card or a long one in the card's thread."""
        if reply is None:
            return _toast("success", t(self._locale, "feishu_done"))
        shown = plain(reply.text, display_names(self._config)).strip()
        short = shown and len(shown) <= TOAST_LIMIT and "\n" not in shown
        if reply.card is None and not reply.attachments and short:
            kind = "error" if reply.kind in ("error", "usage") else "success"
            return _toast(kind, shown)
        # A card, files or a long answer: in the card's thread, a short toast now.
        self._keep(asyncio.create_task(self._send_reply(message_id, reply)))
        return _toast("info", t(self._locale, "feishu_done"))

    # --- forms --------------------------------------------------------------------------

    async def _open_form(self, ref: FormRef, action: events.CardAction) -> dict[str, Any]:
        """A form button: the form as a card in the clicked card's thread."""
        ident, person = self.who(action.operator_user_id, action.operator_open_id)
        try:
            form = await self._router.open_form(
                ref, platform=PLATFORM, user_id=ident, person=person
            )
        except Exception:
            form = self._sorry("opening a form")
        if isinstance(form, Reply):
            return self._answer_click(form, action.open_message_id)
        card = forms.form_card(form, self._locale)
        self._keep(asyncio.create_task(self._send_card(action.open_message_id, card)))
        return _toast("info", t(self._locale, "feishu_form_below"))

    async def _submit(self, ref: FormRef, action: events.CardAction) -> dict[str, Any]:
        """A form card's submit: errors shown in the form, else the form card becomes the
        answer (the case card changes through the outbox)."""
        ident, person = self.who(action.operator_user_id, action.operator_open_id)
        values = forms.submitted(action.form_value)
        task = asyncio.create_task(
            self._submitting(ref, values, action.open_chat_id or "", ident, person)
        )
        done, _ = await asyncio.wait({task}, timeout=self._wait)
        if not done:
            self._keep(asyncio.create_task(self._later_submit(task, action.open_message_id)))
            return _toast("info", t(self._locale, "feishu_working"))
        card, toast = task.result()
        return {**toast, "card": {"type": "raw", "data": card}}

    async def _submitting(
        self, ref: FormRef, values: dict[str, str], channel: str, ident: str, person: str | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The card to show in place of the form, and the toast."""
        try:
            result = await self._router.submit_form(
                ref, values, platform=PLATFORM, channel=channel, user_id=ident, person=person
            )
            if isinstance(result, FormErrors):
                form = await self._router.open_form(
                    ref, platform=PLATFORM, user_id=ident, person=person
                )
                if isinstance(form, Form):
                    first = next(iter(result.errors.values()), "")
                    card = forms.form_card(form, self._locale, values=values, errors=result)
                    return card, _toast("error", first)
                result = form
        except Exception:
            result = self._sorry("a form submission")
        reply = result or Reply(text=t(self._locale, "feishu_done"))
        kind = "error" if reply.kind in ("error", "usage") else "success"
        first_line = plain(reply.text, display_names(self._config)).strip().split("\n")[0]
        card = self._transport.card(reply)
        return card, _toast(kind, first_line or t(self._locale, "feishu_done"))

    async def _later_submit(
        self, task: asyncio.Task[tuple[dict[str, Any], dict[str, Any]]], message_id: str
    ) -> None:
        card, _ = await task
        try:
            await self._api.update_card(message_id, card)
        except DeliveryError as exc:
            log.warning("feishu: the form's answer was not taken (%s)", exc.reason)

    async def _send_card(self, message_id: str, card: dict[str, Any]) -> None:
        try:
            await self._api.reply(message_id, "interactive", card, in_thread=self._in_thread)
        except DeliveryError as exc:
            log.warning("feishu: the form was not taken (%s)", exc.reason)

    def _sorry(self, what: str) -> Reply:
        ref = uuid.uuid4().hex[:8]
        log.exception("feishu: %s failed (ref %s)", what, ref)
        return Reply.error(t(self._locale, "feishu_sorry", ref=ref))

    async def _later_reply(self, task: asyncio.Task[Reply | None], message_id: str) -> None:
        reply = await task
        if reply is not None:
            await self._send_reply(message_id, reply)

    # --- shared -------------------------------------------------------------------------

    async def run(self, text: str, channel: str, user_id: str | None, open_id: str) -> Reply | None:
        """The router's answer; a short "sorry (ref X)" instead of any unexpected error."""
        ident, person = self.who(user_id, open_id)
        try:
            return await self._router.handle(
                text,
                platform=PLATFORM,
                channel=channel,
                user_id=ident,
                person=person,
                addressed=True,
            )
        except Exception:
            return self._sorry("a command")

    def who(self, user_id: str | None, open_id: str) -> tuple[str, str | None]:
        """The sender's id and person: config may name them by user_id or by open_id."""
        if user_id:
            person = self._identities.person(PLATFORM, user_id)
            if person is not None:
                return user_id, person
        person = self._identities.person(PLATFORM, open_id)
        if person is not None or not user_id:
            return open_id, person
        return user_id, None

    async def _send_reply(
        self, message_id: str, reply: Reply, *, in_thread: bool | None = None
    ) -> None:
        try:
            await self._transport.post("", reply, thread_ref=message_id, in_thread=in_thread)
        except DeliveryError as exc:
            log.warning("feishu: the answer was not taken (%s)", exc.reason)
        except Exception:
            log.exception("feishu: sending the answer failed")

    def _keep(self, task: asyncio.Task[None]) -> None:
        self._later.add(task)
        task.add_done_callback(self._later.discard)

    async def drain(self) -> None:
        """Let answers still on their way finish (at stop, and in tests)."""
        while self._later:
            await asyncio.gather(*list(self._later), return_exceptions=True)


def _toast(kind: str, text: str) -> dict[str, Any]:
    return {"toast": {"type": kind, "content": text[:TOAST_LIMIT]}}
