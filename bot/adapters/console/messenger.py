"""The console messenger: a chat room in the terminal, for trying arcircle and for scripts.

Each input line is a chat message from the current speaker; `as li.na: /ar overdue` speaks
as someone else (and stays that person). Everything the bot posts is printed with the
channel in front, so a piped script gives a readable transcript.

Text is printed as it was typed or imported (a terminal pings nobody); a mention, which only
code makes (bot.kernel.rich), is shown as `@Name`, `@TeamName` or `@channel`. Only what would act on
the terminal rather than show is changed, and only on the screen: escape sequences and other
C0/C1 controls (not newline and tab), line separators and bidi overrides in a ledger name or a
note are printed as visible escapes (`\x1b`, `\u202e`), so outside text can neither recolour
the terminal nor fake a line of the bot.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TextIO

from bot.adapters.base import Capabilities, Dispatch, Messenger
from bot.kernel.config import MAX_DURATION, Config, parse_duration
from bot.kernel.i18n import t
from bot.kernel.messages import Reply, RichText, Text, display_names, plain
from storage.outbox import OutRow

# What a terminal would act on: C0 and C1 controls but newline and tab, DEL, the Unicode line
# and paragraph separators (splitlines would make them new lines), and the bidi controls that
# reorder what follows (a "Trojan Source" customer name).
_TERMINAL_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def harmless(text: str) -> str:
    """Text for the terminal: every control it would act on shown as a visible escape."""
    return _TERMINAL_CONTROLS.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_AS = re.compile(r"^as\s+(?P<who>[^:：\s]+)\s*[:：]?\s*(?P<text>.*)$", re.IGNORECASE)
# A script's pause in the bot's time: `wait 16m` (with --clock-speed 60, 16 seconds).
_WAIT = re.compile(r"^wait\s+(?P<span>\S+)$", re.IGNORECASE)


def _attached(path: str) -> str:
    file = Path(path)
    return f"(attached: {file.name} saved at {file.resolve()})"


class ConsoleMessenger(Messenger):
    name = "console"
    platform = "console"
    foreground = True
    local_delivery = True
    # A terminal: no edit (an update prints a summary), threads shown as `#ar-circle › #42`;
    # a file (a chart, an export) is already on this machine: its path is printed.
    capabilities = Capabilities(max_text=1_000_000, files=True)

    def __init__(
        self,
        router: Dispatch,
        config: Config,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        interactive: bool | None = None,
    ) -> None:
        self.router = router
        self.config = config
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.interactive = self.stdin.isatty() if interactive is None else interactive
        self.channel = config.platforms.console.channel
        self.person = config.platforms.console.default_person or next(iter(config.people))
        self._names = display_names(config)

    def transport(self) -> ConsoleMessenger:
        return self

    def connection(self) -> Coroutine[Any, Any, None]:
        return self.run()

    # -- output ------------------------------------------------------------------------

    def render_text(self, text: Text) -> str:
        """What the terminal prints: literal text as it is, mentions as names (controls are
        made harmless when printed)."""
        return plain(text, self._names)

    async def deliver(
        self, row: OutRow, message: Reply, *, update_ref: str | None, thread_ref: str | None
    ) -> str | None:
        """The outbox's way out: a terminal cannot edit what it printed, so a card update
        prints its one-line summary; messages about a case are marked with the case."""
        case = row.payload.get("case")
        channel = row.destination
        if thread_ref is not None or (row.kind != "card" and case is not None):
            channel = f"{row.destination} › #{case}"
        if row.kind == "card_update" and update_ref is not None:
            self.post(message.text or message, channel=channel)
        else:
            self.post(message, channel=channel)
        return f"console:{row.id}"

    def post(
        self, reply: Reply | Text, *, channel: str | None = None, to: str | None = None
    ) -> None:
        """Print a message as the bot; `to` marks a reply only that person sees."""
        if isinstance(reply, str | RichText):
            body = self.render_text(reply)
        else:
            body = reply.plain(self._names)
            files = [_attached(path) for path in reply.attachments]
            body = "\n".join(part for part in (body, *files) if part)
        # A newline in the text is a line of the same message, indented under its first.
        lines = harmless(body).split("\n")
        prefix = harmless(f"[{channel or self.channel}]")
        who = harmless(f"arcircle → {to}" if to else "arcircle")
        out = [f"{prefix} {who}: {lines[0]}"]
        out.extend(f"{prefix}   {line}" if line else prefix for line in lines[1:])
        self.stdout.write("\n".join(out) + "\n")
        self.stdout.flush()

    def say(self, text: str) -> None:
        """A note from the console itself (not the bot): who you are, typos in `as`."""
        self.stdout.write(harmless(f"({text})").replace("\n", " ") + "\n")
        self.stdout.flush()

    # -- input -------------------------------------------------------------------------

    async def _readline(self) -> str | None:
        if self.interactive:
            self.stdout.write(f"{self.person}> ")
            self.stdout.flush()
        line = await asyncio.get_running_loop().run_in_executor(None, self.stdin.readline)
        return line if line else None

    async def handle_line(self, line: str) -> None:
        text = line.strip()
        if not text or text == "#" or text.startswith("# "):
            return
        m = _AS.match(text)
        if m:
            who = m.group("who")
            key = self._resolve_person(who)
            if key is None:
                locale = self.config.locale_of(self.person)
                self.say(
                    t(
                        locale,
                        "console_unknown_person",
                        person=who,
                        people=", ".join(self.config.people),
                    )
                )
                return
            self.person = key
            text = m.group("text").strip()
            if not text:
                self.say(t(self.config.locale_of(key), "console_now", person=key))
                return
        w = _WAIT.match(text)
        if w:
            await self._wait(w.group("span"))
            return
        if not self.interactive:
            self.stdout.write(harmless(f"[{self.channel}] {self.person}: {text}") + "\n")
        # The console's sender id is the person key (bot.kernel.identity): the router finds
        # the person the way it does for every messenger.
        reply = await self.router.handle(
            text, platform=self.platform, channel=self.channel, user_id=self.person
        )
        if reply is not None:
            self.post(reply, to=self.person if reply.ephemeral else None)

    async def _wait(self, span_text: str) -> None:
        try:
            span = parse_duration(span_text)
        except ValueError:
            locale = self.config.locale_of(self.person)
            self.say(t(locale, "console_wait_usage", longest=f"{MAX_DURATION.days}d"))
            return
        clock = self.router.clock
        until = clock.now() + span
        self.say(f"wait {span_text}")
        while clock.now() < until:
            await asyncio.sleep(0.05)

    def _resolve_person(self, who: str) -> str | None:
        folded = who.casefold().lstrip("@")
        for key, person in self.config.people.items():
            if folded in (key.casefold(), person.name.casefold()):
                return key
        return None

    async def run(self) -> None:
        if self.interactive:
            self.say(t(self.config.locale_of(self.person), "console_welcome", person=self.person))
        while True:
            line = await self._readline()
            if line is None:
                if self.interactive:
                    self.stdout.write("\n")
                return
            await self.handle_line(line)
