"""Neutral Reply/Card to DingTalk markdown (sessionWebhook answers, group and one-to-one
messages, custom robots), with the people it @mentions.

DingTalk's markdown (docs "消息类型和数据格式", markdown) has no escape syntax: every piece of
outside text (message text, names, ledger values, config names) goes through
markdown.escape, which swaps the characters that start syntax, `@` included, for full-width
look-alikes, so it can neither link, format nor mention. Only a `Mention` part (made by code)
becomes "@userId", and only with a well-formed DingTalk userId from the identity table;
those ids are returned alongside (at.atUserIds / atUserListJson), which is what notifies.
Lines end with two spaces: DingTalk's markdown joins single line breaks otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.adapters.dingtalk import markdown
from bot.kernel import textsplit
from bot.kernel.config import Config
from bot.kernel.identity import Identities
from bot.kernel.messages import Button, Card, Field, Reply
from bot.kernel.rich import Mention, Text, display_names, parts_of

PLATFORM = "dingtalk"
MARKDOWN_LIMIT = 4500  # characters: under markdown.MAX_TEXT with room for the @ line
LINE_LIMIT = 2000  # one escaped line of outside text
BREAK = "  \n"


@dataclass
class Rendered:
    """Markdown and the userIds it mentions (with the names shown for them)."""

    title: str
    text: str
    at: dict[str, str] = field(default_factory=dict)  # userId -> display name

    @property
    def at_ids(self) -> list[str]:
        return list(self.at)


# Look-alikes markdown.escape makes that are only markup at a line's start ("#") or right
# after a "[" / "]" it already made inert ("(", ")", "!"): shown as typed elsewhere.
_RESTORE = str.maketrans({"＃": "#", "（": "(", "）": ")", "！": "!"})


def inert(text: str, limit: int = markdown.MAX_FIELD) -> str:
    """One line of outside text for DingTalk markdown: markdown.escape, then the characters
    that are harmless past the line's start shown as they were."""
    safe = markdown.escape(text, limit)
    lead = len(safe) - len(safe.lstrip(" "))
    head = safe[: lead + 1]
    # A list item may start after spaces too (escape only looks at the very first character).
    head = head[:lead] + {"-": "－", "+": "＋"}.get(head[lead:], head[lead:])
    return head + safe[lead + 1 :].translate(_RESTORE)


class Renderer:
    def __init__(self, config: Config, identities: Identities, *, by_id: bool = True) -> None:
        """`by_id`: mentions as "@userId" (messages); False: as names (a card's markdown,
        where "@id" would not notify and would read as a code)."""
        self._config = config
        self._identities = identities
        self._shown = display_names(config)
        self._by_id = by_id

    def user_id(self, person: str) -> str | None:
        found = self._identities.external_id(person, PLATFORM)
        return found if found and markdown.is_user_id(found) else None

    # --- text -------------------------------------------------------------------------------

    def _person(self, key: str, at: dict[str, str]) -> str:
        name = self._shown(Mention.person(key))
        uid = self.user_id(key)
        if uid is None or not self._by_id:
            return "@" + inert(name.lstrip("@"))
        at[uid] = name.lstrip("@")
        return f"@{uid}"

    def mention(self, m: Mention, at: dict[str, str]) -> str:
        if m.kind == "person":
            return self._person(m.key, at)
        if m.kind == "team":
            members = self._config.team_members(m.key)
            if members:
                return " ".join(self._person(k, at) for k in members)
        # "@all" is never sent: a channel mention reads as a word and notifies no one.
        return inert(self._shown(m))

    def text(self, text: Text | None, at: dict[str, str]) -> str:
        out: list[str] = []
        for part in parts_of(text):
            if isinstance(part, str):
                out.append(_lines(part))
            else:
                out.append(self.mention(part, at))
        return "".join(out)

    def _field(self, f: Field, at: dict[str, str]) -> str:
        return f"**{inert(f.label)}**: {self.text(f.value, at)}"

    def card(self, card: Card, at: dict[str, str], *, with_commands: bool = True) -> str:
        out = [f"#### {inert(card.title, LINE_LIMIT)}"]
        if card.subtitle:
            out.append(self.text(card.subtitle, at))
        out.extend(self._field(f, at) for f in card.fields)
        for sec in card.sections:
            out.append("")
            if sec.title:
                out.append(f"**{inert(sec.title)}**")
            if sec.text:
                out.append(self.text(sec.text, at))
            out.extend(self._field(f, at) for f in sec.fields)
            if sec.table:
                # DingTalk's markdown has no code block or table and sets text in a
                # proportional font: aligned columns would not line up.
                out.extend(inert(line, LINE_LIMIT) for line in sec.table.flat_lines())
        if card.buttons and with_commands:
            out.append("")
            out.extend(command_line(b) for b in card.buttons)
        if card.footer:
            out.append("")
            out.append(inert(card.footer))
        return BREAK.join(out)

    def reply(self, reply: Reply) -> Rendered:
        at: dict[str, str] = {}
        parts = [self.text(reply.text, at)] if reply.text else []
        if reply.card is not None:
            parts.append(self.card(reply.card, at))
        body = (BREAK + BREAK).join(p for p in parts if p.strip()) or "✓"
        return Rendered(title=self.title(reply), text=body, at=at)

    def title(self, reply: Reply) -> str:
        """The notification's title (shown in the chat list), outside text made inert."""
        if reply.card is not None:
            raw = reply.card.title
        else:
            raw = next((p for p in parts_of(reply.text) if isinstance(p, str)), "arcircle")
        first = raw.strip().split("\n", 1)[0] or "arcircle"
        return inert(first, markdown.MAX_TITLE)


def command_line(b: Button) -> str:
    return f"{inert(b.label)} → {inert(b.command)}"


def _lines(text: str) -> str:
    """Outside text, each line escaped (escape flattens newlines, so lines go one by one)."""
    return BREAK.join(inert(line, LINE_LIMIT) for line in text.split("\n"))


def split(text: str, limit: int = MARKDOWN_LIMIT) -> list[str]:
    """Rendered markdown in pieces DingTalk takes, cut at line ends."""
    return textsplit.split(text, limit, unit="chars")


def payload(rendered: Rendered, text: str | None = None) -> dict[str, object]:
    """A webhook's markdown body (sessionWebhook, custom robot): the mentioned ids in
    at.atUserIds, each also written "@id" in the text (DingTalk needs both to notify)."""
    return {
        "msgtype": "markdown",
        "markdown": {"title": rendered.title, "text": text or rendered.text},
        "at": {"atUserIds": rendered.at_ids, "isAtAll": False},
    }
