"""The neutral message model: what handlers receive and answer, whatever the messenger.

A Card is rendered natively where the messenger can (Block Kit, Telegram HTML, ...) and falls
back to Markdown or plain text elsewhere. A Button is always also a text command, so a
messenger without buttons shows the command to type instead; a Button that needs input first
also carries a `FormRef` (bot.kernel.forms), the form a messenger with forms opens instead.

Mentions: the fields that may notify someone (Reply.text, Card.subtitle, Section.text,
Field.value) take `Text`, that is a plain str (always literal, whatever it holds) or a
`RichText` whose `Mention` parts only code can make (bot.kernel.rich). Every other field is plain
text: a title, a label, a footer, a table cell or a button never pings anyone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from bot.kernel.forms import FormRef
from bot.kernel.rich import (
    Inline,
    Mention,
    MentionKind,
    Part,
    Resolver,
    RichText,
    Text,
    display_names,
    is_blank,
    neutral,
    parts_of,
    plain,
)

# Mentions are structured parts (bot.kernel.rich), never text tokens: re-exported for the handlers.
__all__ = [
    "Button",
    "Card",
    "Command",
    "DeliveryError",
    "Field",
    "FormRef",
    "Inline",
    "Mention",
    "MentionKind",
    "Part",
    "PermanentError",
    "Reply",
    "Resolver",
    "RetryAfter",
    "RichText",
    "Section",
    "Table",
    "Text",
    "TransientError",
    "display_names",
    "is_blank",
    "neutral",
    "parts_of",
    "plain",
]


@dataclass(frozen=True)
class Command:
    verb: str  # canonical verb, e.g. "overdue"
    args: list[str]  # words after the verb, quotes respected
    text: str  # everything after the verb, as typed
    person: str | None  # the speaker's person key, None when not in config
    platform: str  # console, slack, telegram, ...
    channel: str
    user_id: str  # the platform's own id for the speaker
    raw: str = ""  # the whole message


@dataclass(frozen=True)
class Button:
    label: str
    command: str  # the equivalent text command, e.g. "/ar customer C00017"
    style: Literal["primary", "danger"] | None = None
    # A button that needs input first (an answer, an amount, a date) carries its form; a
    # messenger that can show forms opens it, any other shows `command`, what to type.
    form: FormRef | None = None

    @classmethod
    def asking(
        cls, label: str, ref: FormRef, style: Literal["primary", "danger"] | None = None
    ) -> Button:
        """A button that opens `ref`'s form; its command is the same thing to type."""
        return cls(label, ref.command(), style, ref)


@dataclass(frozen=True)
class Field:
    label: str
    value: Text


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    right: tuple[int, ...] = ()  # columns aligned right (numbers)

    def lines(self) -> list[str]:
        widths = [_width(c) for c in self.columns]
        for row in self.rows:
            for i, cell in enumerate(row):
                widths[i] = max(widths[i], _width(cell))
        headed = any(self.columns)
        out = []
        for n, row in enumerate((self.columns, *self.rows) if headed else self.rows):
            cells = []
            for i, cell in enumerate(row):
                pad = " " * (widths[i] - _width(cell))
                cells.append(pad + cell if i in self.right else cell + pad)
            out.append("  ".join(cells).rstrip())
            if n == 0 and headed:
                out.append("  ".join("-" * w for w in widths))
        return out

    def flat_lines(self, sep: str = " · ") -> list[str]:
        """One line a row, its cells joined by `sep`, under a header line joined the same way:
        for a messenger whose text is set in a proportional font and wraps on a phone, where
        padded columns would never line up."""
        out = [sep.join(self.columns)] if any(self.columns) else []
        # A blank cell stays a place ("—"), so every value stays under its header's name.
        out.extend(sep.join(cell.strip() or "—" for cell in row) for row in self.rows)
        return out


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal and a monospace block."""
    # Counted in C (isascii, the regex): a big table is measured cell by cell, on the loop.
    return len(text) if text.isascii() else len(text) + len(_WIDE.findall(text))


_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]"
)


@dataclass(frozen=True)
class Section:
    text: Text = ""
    title: str | None = None
    fields: tuple[Field, ...] = ()
    table: Table | None = None


@dataclass(frozen=True)
class Card:
    title: str
    subtitle: Text | None = None
    fields: tuple[Field, ...] = ()
    sections: tuple[Section, ...] = ()
    buttons: tuple[Button, ...] = ()
    footer: str | None = None

    def to_markdown(self, resolve: Resolver | None = None) -> str:
        """The fallback every messenger can show (mentions as `resolve` shows them).

        Nothing is escaped: a messenger that parses Markdown escapes in its own renderer."""
        out = [f"**{self.title}**"]
        if self.subtitle:
            out.append(plain(self.subtitle, resolve))
        if self.fields:
            out.append(" · ".join(_field(f, resolve) for f in self.fields))
        for sec in self.sections:
            out.append("")
            if sec.title:
                out.append(f"**{sec.title}**")
            if sec.text:
                out.append(plain(sec.text, resolve))
            if sec.fields:
                out.extend(_field(f, resolve) for f in sec.fields)
            if sec.table:
                out.append("```")
                out.extend(sec.table.lines())
                out.append("```")
        if self.buttons:
            out.append("")
            out.append("  ".join(f"[{b.label}: `{b.command}`]" for b in self.buttons))
        if self.footer:
            out.append("")
            out.append(f"_{self.footer}_")
        return "\n".join(out)

    def to_text(self, resolve: Resolver | None = None) -> str:
        """Plain text for a terminal: no Markdown marks, tables aligned, mentions as
        `resolve` shows them (`@wang.wei` without one; bot.kernel.rich.display_names: `@王伟`)."""
        out = [self.title]
        if self.subtitle:
            out.append(plain(self.subtitle, resolve))
        if self.fields:
            out.append(" · ".join(_field(f, resolve) for f in self.fields))
        for sec in self.sections:
            out.append("")
            if sec.title:
                out.append(sec.title)
            if sec.text:
                out.append(plain(sec.text, resolve))
            out.extend(_field(f, resolve) for f in sec.fields)
            if sec.table:
                out.extend("  " + line for line in sec.table.lines())
        if self.buttons:
            # A terminal has no buttons: show what to type instead.
            out.append("")
            out.extend(f"[{b.label}] → {b.command}" for b in self.buttons)
        if self.footer:
            out.append("")
            out.append(self.footer)
        return "\n".join(out)


def _field(f: Field, resolve: Resolver | None) -> str:
    return f"{f.label}: {plain(f.value, resolve)}"


@dataclass(frozen=True)
class Reply:
    text: Text | None = None
    card: Card | None = None
    # Replies that change nothing shared are shown to the asker only, where the messenger can.
    ephemeral: bool = True
    kind: Literal["answer", "usage", "error"] = "answer"
    # Files on the bot's disk (a chart, an export), sent where the messenger takes files.
    attachments: tuple[str, ...] = field(default=())
    # What to show instead where the messenger takes no files (a chart's figures as a table):
    # appended to the card by bot.kernel.capabilities.adapt; None: the attachments are named.
    files_fallback: Section | None = None

    @classmethod
    def usage(cls, usage: str, problem: str | None = None, locale: str = "en") -> Reply:
        label = "用法" if locale.startswith("zh") else "Usage"
        line = f"{label}: {usage}"
        return cls(text=f"{problem}\n{line}" if problem else line, kind="usage")

    @classmethod
    def error(cls, text: str) -> Reply:
        return cls(text=text, kind="error")

    def plain(self, resolve: Resolver | None = None) -> str:
        """The whole reply as plain text, mentions as `resolve` shows them."""
        card = self.card.to_text(resolve) if self.card else None
        parts = [p for p in (plain(self.text, resolve), card) if p]
        return "\n".join(parts)


# --- delivery outcomes: what an adapter raises when a messenger did not take a message ---------


class DeliveryError(Exception):
    """The messenger did not accept the message; the outbox decides what happens next."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryAfter(DeliveryError):
    """Rate limited (HTTP 429): wait this many seconds before sending to that destination."""

    def __init__(self, seconds: float, reason: str = "rate limited") -> None:
        super().__init__(reason)
        self.seconds = seconds


class TransientError(DeliveryError):
    """Worth retrying with backoff: a 5xx, a timeout, a dropped connection."""


class PermanentError(DeliveryError):
    """Retrying will not help (channel_not_found, not_in_channel): park the row."""
