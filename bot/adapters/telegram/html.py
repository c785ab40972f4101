"""Neutral messages as Telegram HTML (parse_mode "HTML"), and long messages split safely.

Every str part of a message is literal text: it is escaped (`&`, `<`, `>`, and `"` for good
measure), so whatever a user, a ledger cell or a config name holds can never become a tag, a
link or a mention. Only a `Mention` part (made by code) becomes a mention: a text mention by
the person's Telegram user id from the identity table, `<a href="tg://user?id=ID">Name</a>`,
or a readable `@Name` where the person has no Telegram id.

Telegram takes at most 4,096 characters per message. `split` cuts at line boundaries and,
for a line longer than that, between whole atoms (a tag, an entity, a mention, a character):
open tags are closed at the cut and opened again in the next part. (bot.kernel.textsplit keeps
atoms whole too, but a `<pre>` table or a bold title cut across parts would leave each part
with an unbalanced tag, which Telegram refuses: "can't parse entities".)
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from bot.kernel.config import Config
from bot.kernel.messages import Card, Field, Reply, Section
from bot.kernel.rich import Mention, Text, parts_of

MAX_TEXT = 4096
NAME = "telegram"

# Who a person is on Telegram: their numeric user id (Identities.external_id), or None.
IdOf = Callable[[str], str | None]


def escape(text: str) -> str:
    return html.escape(text, quote=True)


def _person(config: Config, id_of: IdOf, key: str) -> str:
    person = config.people.get(key)
    name = " ".join((person.name if person else key).split())  # never a newline in a mention
    user_id = id_of(key)
    if user_id and user_id.lstrip("-").isdigit():
        return f'<a href="tg://user?id={user_id}">{escape(name)}</a>'
    return escape("@" + name)


def _mention(config: Config, id_of: IdOf, mention: Mention) -> str:
    if mention.kind == "person":
        return _person(config, id_of, mention.key)
    if mention.kind == "team":
        team = config.teams.get(mention.key)
        members = config.team_members(mention.key) if team is not None else []
        if not members:
            return escape("@" + (team.name if team and team.name else mention.key))
        # Telegram has no user groups: each member of the team.
        return " ".join(_person(config, id_of, m) for m in members)
    return "<b>@all</b>"  # Telegram has no @channel: a bold word everyone sees


class Renderer:
    def __init__(self, config: Config, id_of: IdOf) -> None:
        self.config = config
        self.id_of = id_of

    def text(self, text: Text | None) -> str:
        out = []
        for part in parts_of(text):
            out.append(escape(part) if isinstance(part, str) else self._m(part))
        return "".join(out)

    def _m(self, mention: Mention) -> str:
        return _mention(self.config, self.id_of, mention)

    def _field(self, f: Field) -> str:
        return f"<b>{escape(f.label)}</b>: {self.text(f.value)}"

    def _section(self, sec: Section) -> list[str]:
        out: list[str] = []
        if sec.title:
            out.append(f"<b>{escape(sec.title)}</b>")
        if sec.text:
            out.append(self.text(sec.text))
        out.extend(self._field(f) for f in sec.fields)
        if sec.table:
            out.append("<pre>" + escape("\n".join(sec.table.lines())) + "</pre>")
        return out

    def card(self, card: Card) -> str:
        """The card's text; its buttons become the inline keyboard (bot.adapters.telegram
        .keyboard), so they are not repeated here."""
        out = [f"<b>{escape(card.title)}</b>"]
        if card.subtitle:
            out.append(self.text(card.subtitle))
        if card.fields:
            out.append(" · ".join(self._field(f) for f in card.fields))
        for sec in card.sections:
            out.append("")
            out.extend(self._section(sec))
        if card.footer:
            out.append("")
            out.append(f"<i>{escape(card.footer)}</i>")
        return "\n".join(out)

    def reply(self, reply: Reply) -> str:
        parts = []
        if reply.text:
            parts.append(self.text(reply.text))
        if reply.card is not None:
            parts.append(self.card(reply.card))
        return "\n\n".join(parts)


# --- splitting ------------------------------------------------------------------------------

# An atom is never cut: a whole mention/link, a tag, an entity, or one character.
_ATOM = re.compile(r"<a\b[^>]*>.*?</a>|<[^>]*>|&#?\w+;|.", re.DOTALL)
_OPEN = re.compile(r"<(b|i|u|s|code|pre)>")
_CLOSE = re.compile(r"</(b|i|u|s|code|pre)>")


def _after(stack: list[str], atom: str) -> list[str]:
    if _OPEN.fullmatch(atom):
        return [*stack, atom]
    m = _CLOSE.fullmatch(atom)
    if m and stack:
        return stack[:-1]
    return stack


def _closing(stack: list[str]) -> str:
    return "".join("</" + tag[1:] for tag in reversed(stack))


def split(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Parts of at most `limit` characters, each well-formed HTML on its own. Cuts fall on
    line boundaries where possible, never inside a tag, an entity or a mention."""
    if len(text) <= limit:
        return [text] if text.strip() else []
    parts: list[str] = []
    start: list[str] = []  # the tags open where the current part begins
    stack: list[str] = []  # the tags open at the end of the current part
    lines: list[str] = []

    def flush() -> None:
        nonlocal start, lines
        body = "".join(start) + "\n".join(lines) + _closing(stack)
        if _visible(body):
            parts.append(body)
        start, lines = list(stack), []

    def fits(body: str, open_at_end: list[str]) -> bool:
        return len("".join(start)) + len(body) + len(_closing(open_at_end)) <= limit

    for line in text.split("\n"):
        atoms = _ATOM.findall(line)
        after = stack
        for atom in atoms:
            after = _after(after, atom)
        if fits("\n".join([*lines, line]), after):
            lines.append(line)
            stack = after
            continue
        if lines:
            flush()
        if fits(line, after):
            lines, stack = [line], after
            continue
        # One line longer than a message: cut between atoms.
        piece: list[str] = []
        for atom in atoms:
            nxt = _after(stack, atom)
            if piece and not fits("".join(piece) + atom, nxt):
                lines = ["".join(piece)]
                flush()
                piece = []
            piece.append(atom)
            stack = nxt
        lines = ["".join(piece)]
    flush()
    return parts


def _visible(body: str) -> bool:
    return bool(re.sub(r"<[^>]*>", "", body).strip())
