"""Neutral Reply/Card to WeCom: markdown (robot posts, response_url, app messages) and
template cards (the smart robot's passive replies, with buttons).

WeCom markdown (消息推送 "markdown类型", 智能机器人 markdown) knows headings (`#`), bold
(`**`), links (`[x](url)`), inline code, quotes (`>`), `<font color=...>` and the mention
`<@userid>`. WeCom documents NO escape syntax for it, so literal text cannot be
backslash-escaped reliably; instead every character that could start markup is replaced by
its full-width look-alike (`<` -> `＜`, `[` -> `［`, `*` -> `＊`, a
`#` that starts a line -> `＃`). Text a user, the
ledger or a config name supplied therefore never becomes a mention, a link or formatting.
Only a `Mention` part (made by code) becomes `<@userid>`, and only with a well-formed WeCom
user id from the identity table; otherwise it reads `@Name`.

Limits (docs of 消息推送 and 智能机器人): markdown content at most 4096 UTF-8 bytes; the
app message API's markdown 2048 bytes. Messages are split with bot.kernel.textsplit at line
ends, never inside a character or a `<@...>` tag.

Template cards (card_type `button_interaction`): main_title.title up to 26 characters in the
app card docs (robot docs give no number; we clip at 26 and keep the rest in the body),
sub_title_text, horizontal_content_list up to 6, button_list up to 6, each button `key` at
most 1024 bytes. A button's key carries its command (`ar:` + command): the click comes back
inside the encrypted, signed callback, so a user cannot forge one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.kernel import textsplit
from bot.kernel.config import Config
from bot.kernel.identity import Identities
from bot.kernel.messages import Button, Card, Field, Reply
from bot.kernel.rich import Mention, Text, display_names, parts_of, plain

MARKDOWN_LIMIT = 4096  # bytes: robot and smart robot markdown
APP_MARKDOWN_LIMIT = 2048  # bytes: the app message API's markdown
TEXT_LIMIT = 2048  # bytes: a robot's text message
KEY_PREFIX = "ar:"
KEY_LIMIT = 1024
TITLE_LIMIT = 26
MAX_BUTTONS = 6
MAX_FIELDS = 6
SUBTITLE_LIMIT = 1000  # robot docs give none; keeps a card readable on a phone

# WeCom user ids: letters, digits and _ - . @ (docs: 1-64 bytes).
USER_ID = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
# Characters that could start WeCom markdown, and look-alikes that never do.
_FULL_WIDTH = str.maketrans({"<": "＜", ">": "＞", "[": "［", "]": "］", "*": "＊", "`": "｀"})
# `#` makes a heading only at the start of a line ("Case #1" stays as it is).
_HEADING = re.compile(r"^(\s*)#", re.MULTILINE)

Names = Callable[[Mention], str]


def escape(text: str) -> str:
    return _HEADING.sub("\\1＃", text.translate(_FULL_WIDTH))


def mentions(config: Config, identities: Identities) -> Names:
    """How each mention reads in WeCom markdown: `<@userid>` where we know the id."""
    shown = display_names(config)

    def person(key: str) -> str:
        ident = identities.external_id(key, "wecom")
        if ident and USER_ID.match(ident):
            return f"<@{ident}>"
        return escape(shown(Mention.person(key)))

    def one(mention: Mention) -> str:
        if mention.kind == "person":
            return person(mention.key)
        if mention.kind == "team":
            # WeCom has no user groups a robot can mention: each member instead.
            members = config.team_members(mention.key)
            if not members:
                return escape(shown(mention))
            return " ".join(person(m) for m in members)
        # The docs name no markdown form of "@all" for robots: say it, notify no one.
        return escape(shown(mention))

    return one


def mentioned_ids(text: Text | None, config: Config, identities: Identities) -> list[str]:
    """The WeCom user ids a text's mentions reach (a team: its members), in order, once."""
    keys: list[str] = []
    for part in parts_of(text):
        if isinstance(part, Mention) and part.kind == "person":
            keys.append(part.key)
        elif isinstance(part, Mention) and part.kind == "team":
            keys.extend(config.team_members(part.key))
    ids = (identities.external_id(k, "wecom") for k in keys)
    return list(dict.fromkeys(i for i in ids if i and USER_ID.match(i)))


def text_md(text: Text | None, names: Names) -> str:
    return "".join(escape(p) if isinstance(p, str) else names(p) for p in parts_of(text))


def _field(f: Field, names: Names) -> str:
    return f"{escape(f.label)}: {text_md(f.value, names)}"


def command_line(b: Button) -> str:
    return f"{escape(b.label)} → {escape(b.command)}"


def card_md(card: Card, names: Names, *, with_commands: bool = True) -> str:
    out = [f"**{escape(card.title)}**"]
    if card.subtitle:
        out.append(text_md(card.subtitle, names))
    if card.fields:
        out.append(" · ".join(_field(f, names) for f in card.fields))
    for sec in card.sections:
        out.append("")
        if sec.title:
            out.append(f"**{escape(sec.title)}**")
        if sec.text:
            out.append(text_md(sec.text, names))
        out.extend(_field(f, names) for f in sec.fields)
        if sec.table:
            # No code blocks in WeCom markdown: aligned lines read well enough in a monospace-less
            # client because every column is also separated by two spaces.
            out.extend(escape(line) for line in sec.table.lines())
    if card.buttons and with_commands:
        # A robot post cannot carry buttons that call back: show what to type instead.
        out.append("")
        out.extend(command_line(b) for b in card.buttons)
    if card.footer:
        out.append("")
        out.append(f"> {escape(card.footer)}")
    return "\n".join(out)


def reply_md(reply: Reply, names: Names) -> str:
    parts = [text_md(reply.text, names)] if reply.text else []
    if reply.card:
        parts.append(card_md(reply.card, names))
    return "\n\n".join(p for p in parts if p.strip())


def split(markdown: str, limit: int = MARKDOWN_LIMIT) -> list[str]:
    """Rendered markdown in pieces of at most `limit` UTF-8 bytes (textsplit's default atom
    keeps every `<@userid>` whole)."""
    return textsplit.split(markdown, limit, unit="bytes")


# --- template cards ---------------------------------------------------------------------------


def button_key(command: str) -> str | None:
    """The key a click sends back; None when the command cannot be a button: it has
    `<placeholders>` to fill in (a smart robot card takes no free text) or is too long."""
    if "<" in command:
        return None
    key = KEY_PREFIX + command
    return key if len(key.encode("utf-8")) <= KEY_LIMIT else None


def command_of(key: str) -> str | None:
    return key[len(KEY_PREFIX) :] if key.startswith(KEY_PREFIX) else None


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def template_card(card: Card, config: Config, task_id: str) -> dict[str, Any]:
    """A `button_interaction` card (or `text_notice` without buttons). Card texts are plain
    (WeCom shows them as typed, no markup): mentions read as names, nothing to escape."""
    show = display_names(config)
    body: list[str] = []
    if len(card.title) > TITLE_LIMIT:
        body.append(card.title)
    if card.subtitle:
        body.append(plain(card.subtitle, show))
    for sec in card.sections:
        if sec.title:
            body.append(sec.title)
        if sec.text:
            body.append(plain(sec.text, show))
        body.extend(f"{f.label}: {plain(f.value, show)}" for f in sec.fields)
        if sec.table:
            body.extend(sec.table.lines())
    # A button with a form needs typed input a smart robot card cannot take reliably: its
    # command (with the placeholders to fill in) is shown to type instead.
    buttons = [(b, None if b.form else button_key(b.command)) for b in card.buttons]
    usable = [(b, k) for b, k in buttons if k][:MAX_BUTTONS]
    # Buttons that do not fit show their command to type, like a messenger without buttons.
    body.extend(f"{b.label} → {b.command}" for b, k in buttons if (b, k) not in usable)
    out: dict[str, Any] = {
        "card_type": "button_interaction" if usable else "text_notice",
        "main_title": {"title": _clip(card.title, TITLE_LIMIT)},
        "task_id": task_id,
    }
    if body:
        out["sub_title_text"] = _clip("\n".join(body), SUBTITLE_LIMIT)
    if card.fields:
        out["horizontal_content_list"] = [
            {"keyname": _clip(f.label, 20), "value": _clip(plain(f.value, show), 60)}
            for f in card.fields[:MAX_FIELDS]
        ]
    if card.footer:
        out["source"] = {"desc": _clip(card.footer, 40)}
    if usable:
        out["button_list"] = [
            {"text": _clip(b.label, 10), "style": 2 if b.style == "danger" else 1, "key": k}
            for b, k in usable
        ]
    else:
        # text_notice requires a card_action in the app-card docs; the robot docs do not say
        # whether a click target is needed. "type 0" = no jump, as the robot card samples show.
        out["card_action"] = {"type": 0}
    return out


def reply_card(reply: Reply, config: Config, task_id: str) -> dict[str, Any]:
    """A Reply as a template card: its card, or a text_notice made of its text."""
    if reply.card is not None:
        card = reply.card
        if reply.text:
            lead = plain(reply.text, display_names(config))
            card = Card(
                title=card.title,
                subtitle=lead + ("\n" + plain(card.subtitle) if card.subtitle else ""),
                fields=card.fields,
                sections=card.sections,
                buttons=card.buttons,
                footer=card.footer,
            )
        return template_card(card, config, task_id)
    text = plain(reply.text, display_names(config)).strip() or "✓"
    first, _, rest = text.partition("\n")
    return template_card(Card(title=first, subtitle=rest or None), config, task_id)
