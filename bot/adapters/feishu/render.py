"""Neutral Reply/Card to Feishu: interactive cards (message cards, JSON 1.0 schema) and text
messages with `<at user_id="...">` mentions.

What this follows (open.feishu.cn "消息卡片" / "卡片 JSON 1.0": `config`, `header.title`,
`elements` of `markdown`, `hr`, `action` with `button`s and `note`; "发送消息内容" for text):
- Card markdown is Feishu's own dialect (bold, links, `<at id=...></at>`, `<font>`...). It has
  no documented escape for every mark, so outside text has each character that could start
  markup replaced by a full-width look-alike (`<` `＜`, `[` `［`, `*` `＊` ...), as in the
  WeCom renderer: a customer name or a typed reason never becomes a link, a mention or a tag.
  Only a `Mention` part (made by code) becomes `<at id=ID></at>`, and only with a well-formed
  Feishu id from the identity table.
- A text message parses `<at ...>`, a few style tags, `**` and `[text](url)`: outside text
  gets the same look-alikes there.
- A button's `value` is an object Feishu sends back untouched in card.action.trigger: `{"ar":
  command}`, like Slack's button value and WeCom's key, or `{"ar_form": form key}` for a
  button that needs input first (its form opens as a card: bot.adapters.feishu.forms). The
  event is signed/encrypted (HTTP) or comes over the app's own connection, so a user cannot
  forge one; the router still checks who may do what. A custom robot's card has no
  callback: every button shows its command to type there.
- A card's JSON must stay under 30 KB: the longest text blocks are shortened, with a note.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from bot.kernel import textsplit
from bot.kernel.config import Config
from bot.kernel.i18n import t
from bot.kernel.identity import Identities
from bot.kernel.messages import Button, Card, Field, Reply
from bot.kernel.rich import Mention, Text, display_names, parts_of

CARD_LIMIT = 30 * 1024  # bytes of the card's JSON (Feishu: 30 KB per message card)
TEXT_LIMIT = 8000  # characters in one text message (Feishu allows 150 KB; readable pieces)
TITLE_LIMIT = 100
MAX_BUTTONS = 10
BUTTON_VALUE_LIMIT = 1000
FORM_KEY = "ar_form"  # a button value that opens a form (bot.adapters.feishu.forms)
# Feishu ids: open_id ou_..., user_id (letters, digits, _ -), chat ids oc_...
FEISHU_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_FULL_WIDTH = str.maketrans(
    {
        "<": "＜",
        ">": "＞",
        "[": "［",
        "]": "］",
        "*": "＊",
        "`": "｀",
        "~": "～",
        "&": "＆",
        "\\": "＼",
    }
)
_HEADING = re.compile(r"^(\s*)#", re.MULTILINE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")

Names = Callable[[Mention], str]


def escape(text: str) -> str:
    """Outside text for card markdown: no character of it starts markup."""
    return _HEADING.sub("\\1＃", _CONTROL.sub("", text).translate(_FULL_WIDTH))


def escape_text(text: str) -> str:
    """Outside text for a text message. Feishu parses `<at>`, style tags (`<b>`...), `**`
    and `[text](url)` links in text messages too, so the same look-alikes as in a card."""
    return _CONTROL.sub("", text).translate(_FULL_WIDTH)


def feishu_id(identities: Identities, person: str) -> str | None:
    ident = identities.external_id(person, "feishu")
    return ident if ident and FEISHU_ID.match(ident) else None


def mentions(config: Config, identities: Identities, *, card: bool) -> Names:
    """How each mention reads: `<at id=ID></at>` in a card, `<at user_id="ID"></at>` in text."""
    shown = display_names(config)
    esc = escape if card else escape_text

    def person(key: str) -> str:
        ident = feishu_id(identities, key)
        if ident is None:
            return esc(shown(Mention.person(key)))
        return f"<at id={ident}></at>" if card else f'<at user_id="{ident}"></at>'

    def one(mention: Mention) -> str:
        if mention.kind == "person":
            return person(mention.key)
        if mention.kind == "team":
            members = config.team_members(mention.key)
            if not members:
                return esc(shown(mention))
            return " ".join(person(m) for m in members)
        return "<at id=all></at>" if card else '<at user_id="all"></at>'

    return one


def mentioned_people(text: Text | None, config: Config) -> list[str]:
    keys: list[str] = []
    for part in parts_of(text):
        if isinstance(part, Mention) and part.kind == "person":
            keys.append(part.key)
        elif isinstance(part, Mention) and part.kind == "team":
            keys.extend(config.team_members(part.key))
    return list(dict.fromkeys(keys))


def rich_md(text: Text | None, names: Names) -> str:
    return "".join(escape(p) if isinstance(p, str) else names(p) for p in parts_of(text))


def rich_text(text: Text | None, names: Names) -> str:
    return "".join(escape_text(p) if isinstance(p, str) else names(p) for p in parts_of(text))


def _field(f: Field, names: Names) -> str:
    return f"**{escape(f.label)}**: {rich_md(f.value, names) or '-'}"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def button_value(button: Button, *, forms: bool = True) -> dict[str, str] | None:
    """What a click sends back: the form to open (`{"ar_form": "input 42 finance"}`, shown
    as a form card by bot.adapters.feishu.forms) or the command; None when the button cannot
    run by itself (a form where forms are off, `<placeholders>` to fill in, too long)."""
    if button.form is not None:
        return {FORM_KEY: button.form.key()} if forms else None
    if "<" in button.command or not button.command:
        return None
    if len(button.command) > BUTTON_VALUE_LIMIT:
        return None
    return {"ar": button.command}


def command_of(value: dict[str, Any]) -> str | None:
    """The command a clicked button carries, when the value is ours."""
    command = value.get("ar")
    if not isinstance(command, str) or not command.startswith("/ar"):
        return None
    if len(command) > BUTTON_VALUE_LIMIT or _CONTROL.search(command) or "\n" in command:
        return None
    return command


def _markdown(content: str) -> dict[str, Any]:
    return {"tag": "markdown", "content": content}


def card_json(
    card: Card, names: Names, *, lead: Text | None = None, buttons: bool = True
) -> dict[str, Any]:
    """The card; `buttons=False` (a custom robot's card: no callback) shows every button's
    command to type instead."""
    elements: list[dict[str, Any]] = []
    head: list[str] = []
    if lead:
        head.append(rich_md(lead, names))
    if card.subtitle:
        head.append(rich_md(card.subtitle, names))
    if card.fields:
        head.append(" · ".join(_field(f, names) for f in card.fields))
    if head:
        elements.append(_markdown("\n".join(head)))
    for sec in card.sections:
        lines: list[str] = []
        if sec.title:
            lines.append(f"**{escape(sec.title)}**")
        if sec.text:
            lines.append(rich_md(sec.text, names))
        lines.extend(_field(f, names) for f in sec.fields)
        if sec.table:
            # Card markdown is set in a proportional font: aligned columns would not line up.
            lines.extend(escape(line) for line in sec.table.flat_lines())
        if lines:
            elements.append({"tag": "hr"})
            elements.append(_markdown("\n".join(lines)))
    usable = [(b, v) for b in card.buttons if (v := button_value(b, forms=buttons)) is not None][
        :MAX_BUTTONS
    ]
    usable = usable if buttons else []
    typed = [b for b in card.buttons if all(b is not u for u, _ in usable)]
    if typed:
        # A button that needs input first: the command to type, as on a messenger without forms.
        elements.append(
            _markdown("\n".join(f"{escape(b.label)} → {escape(b.command)}" for b in typed))
        )
    if usable:
        elements.append(
            {
                "tag": "action",
                "actions": [
                    {
                        "tag": "button",
                        "text": {"tag": "plain_text", "content": _clip(b.label, 40)},
                        "type": "danger"
                        if b.style == "danger"
                        else "primary"
                        if b.style == "primary"
                        else "default",
                        "value": v,
                    }
                    for b, v in usable
                ],
            }
        )
    if card.footer:
        elements.append(
            {"tag": "note", "elements": [{"tag": "plain_text", "content": card.footer[:500]}]}
        )
    return {
        # update_multi: one card everyone sees, so an edit reaches every member's copy.
        "config": {"wide_screen_mode": True, "update_multi": True},
        "header": {
            "title": {"tag": "plain_text", "content": _clip(card.title, TITLE_LIMIT) or "-"},
            "template": "blue",
        },
        "elements": elements,
    }


def reply_card(reply: Reply, names: Names, locale: str, *, buttons: bool = True) -> dict[str, Any]:
    """A Reply as an interactive card (its card, or one made of its text), within 30 KB."""
    if reply.card is not None:
        out = card_json(reply.card, names, lead=reply.text, buttons=buttons)
    else:
        out = {
            "config": {"wide_screen_mode": True, "update_multi": True},
            "elements": [_markdown(rich_md(reply.text, names) or "✓")],
        }
    return fit(out, locale)


def size(card: dict[str, Any]) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode("utf-8"))


def fit(card: dict[str, Any], locale: str) -> dict[str, Any]:
    """The card within CARD_LIMIT: its longest markdown blocks shortened, a note saying so."""
    if size(card) <= CARD_LIMIT:
        return card
    elements = [dict(e) for e in card.get("elements", [])]
    card = {**card, "elements": elements}
    note = {
        "tag": "note",
        "elements": [{"tag": "plain_text", "content": t(locale, "feishu_trimmed")}],
    }
    elements.append(note)
    for _ in range(64):
        if size(card) <= CARD_LIMIT:
            return card
        texts = [e for e in elements if e.get("tag") == "markdown"]
        if not texts:
            break
        longest = max(texts, key=lambda e: len(str(e["content"])))
        content = str(longest["content"])
        if len(content) < 40:
            break
        # Cut at a line end when one is near, so no `<at ...>` tag is split.
        cut = content[: len(content) // 2]
        line_end = cut.rfind("\n")
        cut = cut[:line_end] if line_end > len(cut) // 2 else cut[: cut.rfind(" ") + 1 or len(cut)]
        longest["content"] = re.sub(r"<at[^>]*$", "", cut) + "…"
    # Still too big (hundreds of buttons, say): only the header and the note remain.
    return {**card, "elements": [note]}


def reply_text(reply: Reply, names: Names, plain_names: Names) -> str:
    """A Reply as a text message's text (mentions as `<at user_id>`, a card as plain lines)."""
    parts = [rich_text(reply.text, names)] if reply.text else []
    if reply.card is not None:
        parts.append(escape_text(reply.card.to_text(plain_names)))
    return "\n\n".join(p for p in parts if p.strip()) or "✓"


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """A text in pieces of at most `limit` characters, at line ends where possible, never
    inside an `<at ...></at>` tag (textsplit's atom)."""
    return textsplit.split(text, limit, unit="chars")
