"""From a line of chat to a handler's reply: `/ar <verb> ...`, an @mention, or plain words.

The router is the last line of defence: whatever a handler raises, the chat gets one polite
line with a reference, and the traceback goes to the log under the same reference. It is also
the one gate of who may read at all (bot.kernel.access), so every messenger gets the same policy.
"""

from __future__ import annotations

import logging
import re
import secrets
import shlex
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.circle_env import circle_env
from bot.kernel.access import OPEN_VERBS, ReadAccess
from bot.kernel.clock import Clock
from bot.kernel.config import Config
from bot.kernel.forms import Form, FormErrors, FormRef
from bot.kernel.i18n import t
from bot.kernel.identity import Identities
from bot.kernel.messages import Command, Reply
from handlers.context import Context
from handlers.forms import FormSpec, build_form, check_form, lookup_form
from handlers.registry import Verb, lookup
from storage.circle import CircleEnv
from storage.db import Database, bounded_id

log = logging.getLogger(__name__)

# Told of every command answered: (messenger, verb, outcome, seconds). bot.telemetry counts
# them, so chat traffic shows per messenger whether it came by HTTP or a long connection.
CommandObserver = Callable[[str, str, str, float], None]

# `/ar`, also typed with a Chinese keyboard: the full-width slash (and letters) `／ａｒ`.
_PREFIX = re.compile(r"^[/／][aａ][rｒ](?:[@＠][\w.]+)?(?:\s+|$)", re.IGNORECASE)
# Every Unicode space (no-break U+00A0, ideographic U+3000, thin, narrow ...) separates words
# like a plain one; tabs and newlines stay what they are.
_SPACES: dict[str, str] = {
    chr(code): " " for code in range(0x80, 0x3001) if unicodedata.category(chr(code)) == "Zs"
}
_QUOTES = str.maketrans(
    {"“": '"', "”": '"', "「": '"', "」": '"', "‘": "'", "’": "'", "\ufeff": "", **_SPACES}
)

# The most of an unknown word a reply repeats.
_ECHO = 40

# Plain questions people type instead of commands: "@arcircle what about ACME?".
_CUSTOMER_EN = re.compile(
    r"^(?:what about|how about|how is|how's|hows|status of|tell me about|show me|check on|"
    r"what does|who is)\s+(?P<name>.+?)(?:\s+owe|\s+doing)?[\s?!.。？！]*$",
    re.IGNORECASE,
)
_CUSTOMER_ZH = re.compile(
    r"^(?:查一下|查查|看看|看一下|问一下)?(?P<name>.+?)"
    r"(?:怎么样了?|的情况|情况如何|现在怎样|欠多少钱?|欠了多少钱?)[\s?!.。？！]*$"
)
_CUSTOMER_ZH_LEAD = re.compile(r"^(?:查一下|查查|看看|看一下)(?P<name>.+?)[\s?!.。？！]*$")
# Verbs whose first argument is the case they change (messengers post their answer there).
CASE_VERBS = frozenset({"input", "promise", "decide", "snooze"})
_OVERDUE = re.compile(r"\b(?:overdue|late invoices?|who is late)\b|逾期|欠款", re.IGNORECASE)


@dataclass(frozen=True)
class Parsed:
    verb: Verb | None
    word: str  # the verb as typed (for "unknown command")
    args: list[str]
    text: str


def split_args(text: str) -> list[str]:
    text = text.translate(_QUOTES)
    try:
        return shlex.split(text)
    except ValueError:
        # An unbalanced quote is a typo, not a reason to refuse the whole command.
        return text.replace('"', " ").split()


class Router:
    def __init__(
        self,
        db: Database,
        config: Config,
        clock: Clock,
        bot_names: tuple[str, ...] = ("arcircle",),
        circle: CircleEnv | None = None,
        access: ReadAccess | None = None,
    ) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        # Where circle cards go: the messengers that are running (the console by default).
        self.circle = circle or circle_env(config)
        self.verbs = lookup()
        # Who may read at all; messengers register what they know about accounts here.
        self.access = access or ReadAccess(config)
        # Who a sender is on each messenger (config.yaml's people ids, bot.kernel.identity).
        self.identities = Identities(config)
        names = "|".join(re.escape(n) for n in bot_names)
        self._mention = re.compile(rf"^[@＠](?:{names})\b[\s,:：，]*", re.IGNORECASE)
        self.observe: CommandObserver | None = None

    def addressed(self, text: str) -> str | None:
        """The command part when the message is for the bot, else None."""
        text = text.translate(_QUOTES).strip()
        m = _PREFIX.match(text)
        if m:
            return text[m.end() :]
        m = self._mention.match(text)
        if m:
            return text[m.end() :]
        return None

    def parse(self, body: str) -> Parsed:
        body = body.strip().translate(_QUOTES).strip()
        if not body:
            return Parsed(self.verbs["help"], "help", [], "")
        word, *more = body.split(maxsplit=1)
        rest = more[0] if more else ""
        verb = self.verbs.get(word.casefold())
        if verb is not None:
            rest = rest.strip()
            return Parsed(verb, word, split_args(rest), rest)
        for pattern in (_CUSTOMER_EN, _CUSTOMER_ZH, _CUSTOMER_ZH_LEAD):
            m = pattern.match(body)
            if m and m.group("name").strip():
                name = m.group("name").strip().strip("\"'")
                return Parsed(self.verbs["customer"], "customer", [name], name)
        if _OVERDUE.search(body):
            return Parsed(self.verbs["overdue"], "overdue", [], "")
        return Parsed(None, word, split_args(rest), rest)

    def case_of(self, text: str) -> int | None:
        """The case a command changes, when it names one (`/ar input 42 ...` -> 42)."""
        body = self.addressed(text)
        parsed = self.parse(text if body is None else body)
        if parsed.verb is None or parsed.verb.name not in CASE_VERBS or not parsed.args:
            return None
        # The same reading as the handlers' (handlers.circle_common.case_number).
        return bounded_id(parsed.args[0].lstrip("#＃"))

    def speaker(self, platform: str, user_id: str, person: str | None = None) -> str | None:
        """The person key of who sent this: as the messenger says, else by their id on it."""
        return person if person is not None else self.identities.person(platform, user_id)

    async def _refused(
        self, platform: str, user_id: str, person: str | None, locale: str
    ) -> Reply | None:
        """The read gate: None to go on, else the refusal (how to be added, when unknown)."""
        refused = await self.access.check(platform, user_id, person)
        if refused is None:
            return None
        text = self.access.refusal_text(
            refused, locale, platform=platform, user_id=user_id, person=person
        )
        return Reply.error(text)

    def context(self, person: str | None) -> Context:
        return Context(
            db=self.db,
            config=self.config,
            clock=self.clock,
            person=person,
            locale=self.config.locale_of(person),
            circle=self.circle,
            access=self.access,
        )

    async def handle(
        self,
        text: str,
        *,
        platform: str,
        channel: str,
        user_id: str,
        person: str | None = None,
        addressed: bool = False,
    ) -> Reply | None:
        """Answer one message; None when it was not meant for the bot. `person`: the
        speaker's person key when the messenger knows it; None: looked up by `user_id`."""
        body = self.addressed(text)
        if body is None:
            if not addressed:
                return None
            # A direct message or a mention the adapter already stripped.
            body = text.strip()
        started = time.perf_counter()
        person = self.speaker(platform, user_id, person)
        ctx = self.context(person)
        parsed = self.parse(body)
        if parsed.verb is None:
            # The word itself is the sender's text: never a label (unbounded, and private).
            self._observed(platform, "unknown", "unknown", started)
            return self._unknown(parsed.word, ctx.locale)
        verb = parsed.verb.name
        if verb not in OPEN_VERBS:
            refused = await self._refused(platform, user_id, person, ctx.locale)
            if refused is not None:
                self._observed(platform, verb, "refused", started)
                return refused
        cmd = Command(
            verb=parsed.verb.name,
            args=parsed.args,
            text=parsed.text,
            person=person,
            platform=platform,
            channel=channel,
            user_id=user_id,
            raw=text,
        )
        try:
            reply = await parsed.verb.handle(cmd, ctx)
        except Exception:
            ref = secrets.token_hex(3)
            log.exception("handler %s failed (ref %s) for %r", verb, ref, text)
            self._observed(platform, verb, "error", started)
            return Reply.error(t(ctx.locale, "internal_error", ref=ref))
        self._observed(platform, verb, "ok", started)
        return reply

    def _observed(self, platform: str, verb: str, outcome: str, started: float) -> None:
        if self.observe is None:
            return
        try:
            self.observe(platform, verb, outcome, time.perf_counter() - started)
        except Exception:  # counting must never cost a user their answer
            log.exception("command observer failed")

    # --- forms (handlers.forms): a button's form, opened and submitted -------------------------

    async def _form_gate(
        self, ref: FormRef, platform: str, user_id: str, person: str | None, ctx: Context
    ) -> tuple[Verb, FormSpec] | Reply:
        """The verb and its form, if this person may use it: the same gate as `handle`."""
        verb = self.verbs.get(ref.verb.casefold())
        spec = lookup_form(verb.name) if verb is not None else None
        if verb is None or spec is None:
            return Reply.error(ctx.t("form_unknown", verb=ref.verb[:_ECHO]))
        if verb.name not in OPEN_VERBS:
            refused = await self._refused(platform, user_id, person, ctx.locale)
            if refused is not None:
                return refused
        return verb, spec

    async def open_form(
        self, ref: FormRef, *, platform: str, user_id: str, person: str | None = None
    ) -> Form | Reply:
        """The form behind a button, made for this person; a Reply (show it instead of the
        form) when the typed command would refuse them anyway."""
        person = self.speaker(platform, user_id, person)
        ctx = self.context(person)
        try:
            gate = await self._form_gate(ref, platform, user_id, person, ctx)
            if isinstance(gate, Reply):
                return gate
            return await build_form(gate[1], ctx, ref)
        except Exception:
            return self._failed("form", ref.key(), ctx.locale)

    async def submit_form(
        self,
        ref: FormRef,
        values: Mapping[str, str],
        *,
        platform: str,
        channel: str,
        user_id: str,
        person: str | None = None,
    ) -> FormErrors | Reply | None:
        """A submitted form: FormErrors (by field, in the command's words) while a value is
        wrong, else the verb's handler runs with the values as its arguments and its Reply is
        the answer, exactly as if the command had been typed."""
        person = self.speaker(platform, user_id, person)
        ctx = self.context(person)
        try:
            gate = await self._form_gate(ref, platform, user_id, person, ctx)
            if isinstance(gate, Reply):
                return gate
            verb, spec = gate
            checked = await check_form(spec, ctx, ref, values)
            if not isinstance(checked, list):
                return checked
            typed = shlex.join(checked)
            cmd = Command(
                verb=verb.name,
                args=checked,
                text=typed,
                person=person,
                platform=platform,
                channel=channel,
                user_id=user_id,
                raw=f"/ar {verb.name} {typed}",
            )
            return await verb.handle(cmd, ctx)
        except Exception:
            return self._failed("form submission", ref.key(), ctx.locale)

    def _failed(self, what: str, text: str, locale: str) -> Reply:
        ref = secrets.token_hex(3)
        log.exception("%s failed (ref %s) for %r", what, ref, text)
        return Reply.error(t(locale, "internal_error", ref=ref))

    def _unknown(self, word: str, locale: str) -> Reply:
        # A pasted page is not a verb: echo (and compare) only its start.
        word = word if len(word) <= _ECHO else word[: _ECHO - 1] + "…"
        lines = [t(locale, "unknown_verb", verb=word)]
        close = process.extract(
            word.casefold(), list(self.verbs), scorer=fuzz.ratio, limit=3, score_cutoff=60
        )
        if close:
            names = list(dict.fromkeys(f"/ar {self.verbs[c].name}" for c, _, _ in close))
            lines.append(t(locale, "did_you_mean", options=", ".join(names)))
        lines.append(t(locale, "see_help"))
        return Reply.error("\n".join(lines))
