"""Forms as a guided reply: Telegram has no modals, so the bot asks field by field.

A button that carries a form (a FormRef) makes the bot ask the form's first field in a
message with ForceReply (selective: only the person who clicked gets the reply box); the
person replies to that message, the bot asks the next field, and at the end submits the
values through the router (`submit_form`), which checks them: fields with errors are asked
again with the error above them. The form in progress lives in the database
(storage.telegram_state), so a restart in the middle loses nothing. /cancel stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

from bot.adapters.base import Dispatch
from bot.adapters.telegram.html import escape
from bot.adapters.telegram.transport import Poster, _chat_id
from bot.kernel.config import Config
from bot.kernel.forms import Form, FormErrors, FormField, FormRef
from bot.kernel.i18n import t
from bot.kernel.messages import Reply
from storage import telegram_state as state

log = logging.getLogger(__name__)
NAME = "telegram"
SKIP = "-"


class GuidedForms:
    def __init__(self, router: Dispatch, config: Config, poster: Poster) -> None:
        self.router = router
        self.config = config
        self.poster = poster
        # One step of one person's form at a time: the question's message id is saved only
        # after Telegram returns it, so a reply that arrives meanwhile (webhook updates are
        # handled concurrently) would otherwise find the previous question and be taken for
        # a command.
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    @contextlib.asynccontextmanager
    async def _turn(self, chat: str, user_id: str) -> AsyncIterator[None]:
        key = (chat, user_id)
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and self._locks.get(key) is lock:
                del self._locks[key]

    @property
    def db(self) -> Any:
        return self.poster.db

    def _now(self) -> Any:
        return self.poster.clock.now()

    async def _open(self, ref: FormRef, user_id: str, person: str | None) -> Form | Reply:
        return await self.router.open_form(ref, platform=NAME, user_id=user_id, person=person)

    async def start(
        self,
        ref: FormRef,
        *,
        chat: str,
        user_id: str,
        name: str,
        person: str | None,
        thread: int | None,
        reply_to: int | None,
    ) -> None:
        """A click on a form's button: ask the first field (or say why not)."""
        async with self._turn(chat, user_id):
            form = await self._open(ref, user_id, person)
            if isinstance(form, Reply):
                await self.poster.send(chat, form, thread=thread, reply_to=reply_to)
                return
            extra = {"name": name, "thread": str(thread or ""), "intro": "1"}
            begun = state.FormState(
                chat=chat,
                user_id=user_id,
                form_key=ref.key(),
                pending=[f.name for f in form.fields],
                extra=extra,
            )
            await self._ask(begun, form, person)

    async def cancel(self, chat: str, user_id: str, person: str | None) -> Reply:
        async with self._turn(chat, user_id):
            dropped = await self.db.threads.write(state.drop_form, chat, user_id)
        key = "telegram_form_cancelled" if dropped else "telegram_form_nothing"
        return Reply(text=t(self.config.locale_of(person), key))

    async def answer(
        self,
        *,
        chat: str,
        user_id: str,
        person: str | None,
        text: str,
        reply_to: int | None,
        private: bool,
        message_id: int,
    ) -> bool:
        """A message that may answer a form in progress; True when it did."""
        async with self._turn(chat, user_id):
            current = await self.db.threads.read(state.load_form, chat, user_id)
            if current is None or not current.pending:
                return False
            replying = reply_to is not None and reply_to == current.prompt_id
            if not private and not replying:
                return False  # in a group only a reply to the question answers it
            if private and not replying and text.lstrip().startswith(("/", "／")):
                return False  # in a private chat a command is a command, not an answer
            ref = FormRef.from_key(current.form_key)
            form = await self._open(ref, user_id, person) if ref is not None else None
            if not isinstance(form, Form):
                await self.db.threads.write(state.drop_form, chat, user_id)
                if isinstance(form, Reply):
                    await self.poster.send(chat, form, thread=_thread(current), reply_to=message_id)
                return True
            name = current.pending[0]
            field = form.field(name)
            value, problem = _value(field, text, self.config.locale_of(person))
            if problem is not None:
                current.errors = {name: problem}
                await self._ask(current, form, person)
                return True
            current.values[name] = value
            current.errors.pop(name, None)
            current.pending = current.pending[1:]
            if current.pending:
                await self._ask(current, form, person)
                return True
            await self._submit(current, form, person, message_id)
            return True

    async def _submit(
        self, current: state.FormState, form: Form, person: str | None, message_id: int
    ) -> None:
        result = await self.router.submit_form(
            form.ref,
            dict(current.values),
            platform=NAME,
            channel=current.chat,
            user_id=current.user_id,
            person=person,
        )
        if isinstance(result, FormErrors):
            wrong = [f.name for f in form.fields if f.name in result.errors]
            current.pending = wrong or [f.name for f in form.fields]
            current.errors = dict(result.errors)
            await self._ask(current, form, person)
            return
        await self.db.threads.write(state.drop_form, current.chat, current.user_id)
        done = result or Reply(text=t(self.config.locale_of(person), "telegram_form_done"))
        await self.poster.send(current.chat, done, thread=_thread(current), reply_to=message_id)

    async def _ask(self, current: state.FormState, form: Form, person: str | None) -> None:
        from telegram import ForceReply
        from telegram.constants import ParseMode

        locale = self.config.locale_of(person)
        field = form.field(current.pending[0])
        lines: list[str] = []
        # The person is mentioned so that the selective ForceReply opens their reply box.
        name = escape(current.extra.get("name") or "…")
        who = f'<a href="tg://user?id={int(current.user_id)}">{name}</a>'
        if current.extra.pop("intro", None):
            lines.append(f"{who} · <b>{escape(form.title)}</b>")
            if form.intro:
                lines.append(escape(form.intro))
        else:
            lines.append(who)
        whole = current.errors.get("")
        if whole:
            lines.append("⚠️ " + escape(whole))
        if field is not None:
            if current.errors.get(field.name):
                lines.append("⚠️ " + escape(current.errors[field.name]))
            lines.extend(_question(field, locale))
        lines.append(f"<i>{escape(t(locale, 'telegram_form_reply'))}</i>")
        sent = await self.poster.bot.send_message(
            chat_id=_chat_id(current.chat),
            text="\n".join(lines),
            parse_mode=ParseMode.HTML,
            message_thread_id=_thread(current),
            reply_markup=ForceReply(
                selective=True,
                input_field_placeholder=(field.label[:64] if field else None),
            ),
        )
        current.prompt_id = sent.message_id
        await self.db.threads.write(state.save_form, current, self._now())


def _thread(current: state.FormState) -> int | None:
    thread = current.extra.get("thread", "")
    return int(thread) if thread.isdigit() else None


def _question(field: FormField, locale: str) -> list[str]:
    out = [f"<b>{escape(field.label)}</b>"]
    if field.hint:
        out.append(escape(field.hint))
    if field.choices:
        out.append(escape(t(locale, "telegram_form_choose")))
        out.extend(
            f"{i}. {escape(c.label)} (<code>{escape(c.value)}</code>)"
            for i, c in enumerate(field.choices, 1)
        )
    if field.initial:
        out.append(f"<code>{escape(field.initial)}</code>")
    if not field.required:
        out.append(escape(t(locale, "telegram_form_skip")))
    return out


def _value(field: FormField | None, text: str, locale: str) -> tuple[str, str | None]:
    """The value a reply gives a field, or the problem with it. Only the choice is read here;
    amounts, dates and the rest are the handler's to check (router.submit_form)."""
    answer = text.strip()
    if field is None:
        return answer, None
    if answer == SKIP and not field.required:
        return "", None
    if field.kind == "choice" and field.choices:
        by: Mapping[str, str] = {
            **{str(i): c.value for i, c in enumerate(field.choices, 1)},
            **{c.value.casefold(): c.value for c in field.choices},
            **{c.label.casefold(): c.value for c in field.choices},
        }
        found = by.get(answer.casefold())
        if found is None:
            return "", t(locale, "telegram_form_bad_choice")
        return found, None
    if field.max_length is not None and len(answer) > field.max_length:
        answer = answer[: field.max_length]
    return answer, None
