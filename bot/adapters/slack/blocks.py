"""The neutral message model as Slack sees it: mrkdwn and Block Kit messages.

Pure functions, no Slack SDK and no I/O, shared by the inbound app (slash command, buttons)
and the outbound transport (the outbox):

- `render_text` (from slack_mrkdwn) turns a message text into Slack mrkdwn: every str part
  is escaped (`&`, `<`, `>`), so text a customer or a user supplied can never become a
  mention, a link or an @channel; only Mention parts (bot.kernel.rich) become Slack mentions.
- `blocks_for` / `fallback_text` build a `chat.postMessage` / `chat.update` body, within
  Block Kit's limits (50 blocks, 3000 characters of section text, 10 fields a section,
  25 elements an actions block, 75 characters of button text, 150 of a header).
- A button's value is its text command, or, for a button that carries a form (a team's
  answer, a promise, a decision, a snooze), `form:` and the form's key: a click opens the
  form as a modal (bot.adapters.slack.modals) instead of running anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.adapters.slack.mrkdwn import clip as _clip
from bot.adapters.slack.mrkdwn import plain_text as _plain
from bot.adapters.slack.mrkdwn import render_text
from bot.adapters.slack.mrkdwn import split as _split
from bot.kernel.config import Config
from bot.kernel.messages import Button, Card, Field, Reply, Section, is_blank

__all__ = [
    "ACTION_PREFIX",
    "FORM_PREFIX",
    "MAX_BLOCKS",
    "blocks_for",
    "button_value",
    "fallback_text",
    "render_text",
]

# Every button's action_id starts with this; its value is the button's text command.
ACTION_PREFIX = "arcircle:"
# A button's value that opens a form starts with this (a command always starts with "/ar").
FORM_PREFIX = "form:"

# Block Kit's limits (docs.slack.dev/reference/block-kit).
MAX_BLOCKS = 50  # blocks in a message
_SECTION_TEXT = 3000  # text object in a section / context element
_FIELD_TEXT = 2000  # each section field
_FIELDS = 10  # fields in a section
_HEADER_TEXT = 150
_BUTTON_TEXT = 75
_BUTTON_VALUE = 2000
_ACTIONS = 25  # elements in an actions block
_FALLBACK = 3000  # our own cap for the notification text

# --- blocks -------------------------------------------------------------------------------


def _mrkdwn(text: str) -> dict[str, Any]:
    # verbatim: Slack adds no links or mentions of its own; ours (<@U1>) still work.
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _plain_text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _sections(rendered: str) -> list[dict[str, Any]]:
    return [{"type": "section", "text": _mrkdwn(p)} for p in _split(rendered, _SECTION_TEXT)]


def _field_sections(fields: Sequence[Field], config: Config) -> list[dict[str, Any]]:
    texts = [
        _clip(
            f"*{render_text(f.label, config)}*\n{render_text(f.value, config) or '-'}", _FIELD_TEXT
        )
        for f in fields
    ]
    return [
        {"type": "section", "fields": [_mrkdwn(t) for t in texts[i : i + _FIELDS]]}
        for i in range(0, len(texts), _FIELDS)
    ]


def _code_sections(lines: Sequence[str], config: Config) -> list[dict[str, Any]]:
    fence = "```"
    room = _SECTION_TEXT - 2 * len(fence) - 2
    # A cell cannot close the code block early.
    rendered = [render_text(line, config).replace(fence, "`\u200b``") for line in lines]
    blocks = []
    for piece in _split("\n".join(rendered), room):
        blocks.append({"type": "section", "text": _mrkdwn(f"{fence}\n{piece}\n{fence}")})
    return blocks


def _section_blocks(sec: Section, config: Config) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    head = [f"*{render_text(sec.title, config)}*"] if sec.title else []
    body = [render_text(sec.text, config)] if not is_blank(sec.text) else []
    if head or body:
        blocks.extend(_sections("\n".join(head + body)))
    if sec.fields:
        blocks.extend(_field_sections(sec.fields, config))
    if sec.table is not None:
        blocks.extend(_code_sections(sec.table.lines(), config))
    return blocks


def _context(rendered: str) -> dict[str, Any]:
    return {"type": "context", "elements": [_mrkdwn(_clip(rendered, _SECTION_TEXT))]}


def button_value(button: Button) -> str:
    """What a click sends back: the form to open (`form:input 42 finance`) or the command."""
    return FORM_PREFIX + button.form.key() if button.form is not None else button.command


def _action_blocks(card: Card, config: Config) -> list[dict[str, Any]]:
    elements: list[dict[str, Any]] = []
    for i, button in enumerate(card.buttons):
        value = button_value(button)
        if not button.command or len(value) > _BUTTON_VALUE:
            continue  # Slack would refuse the whole message; the command cannot be cut
        label = _plain(button.label, config).strip() or button.command
        element: dict[str, Any] = {
            "type": "button",
            "text": _plain_text(_clip(label, _BUTTON_TEXT, rendered=False)),
            "action_id": f"{ACTION_PREFIX}{i}",
            "value": value,
        }
        if button.style in ("primary", "danger"):
            element["style"] = button.style
        elements.append(element)
    return [
        {"type": "actions", "elements": elements[i : i + _ACTIONS]}
        for i in range(0, len(elements), _ACTIONS)
    ]


_TRUNCATED = {"en": "… (truncated)", "zh": "…（内容过长，已截断）"}


def blocks_for(reply: Reply, config: Config, *, locale: str) -> list[dict[str, Any]]:
    """The `blocks` of a message: the reply's text, then its card.

    Over Slack's 50 blocks, the body is cut and a context line says so; the buttons and the
    footer are kept, so a long card can still be acted on.
    """
    body: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    tail: list[dict[str, Any]] = []
    if not is_blank(reply.text):
        body.extend(_sections(render_text(reply.text or "", config)))
    card = reply.card
    if card is not None:
        title = _plain(card.title, config).strip()
        if title:
            body.append(
                {"type": "header", "text": _plain_text(_clip(title, _HEADER_TEXT, rendered=False))}
            )
        if not is_blank(card.subtitle):
            body.extend(_sections(render_text(card.subtitle or "", config)))
        if card.fields:
            body.extend(_field_sections(card.fields, config))
        for sec in card.sections:
            body.extend(_section_blocks(sec, config))
        actions = _action_blocks(card, config)
        if card.footer and card.footer.strip():
            tail.append(_context(render_text(card.footer, config)))
    if len(body) + len(actions) + len(tail) > MAX_BLOCKS:
        room = MAX_BLOCKS - len(actions) - len(tail) - 1
        if room < 1:  # absurdly many buttons: keep what fits
            tail = []
            actions = actions[: MAX_BLOCKS - 2]
            room = 1
        body = [*body[:room], _context(_TRUNCATED["zh" if _zh(locale) else "en"])]
    return [*body, *actions, *tail]


def fallback_text(reply: Reply, config: Config) -> str:
    """The `text` of chat.postMessage: what notifications and screen readers show."""
    source = reply.text if not is_blank(reply.text) else None
    if source is None and reply.card is not None:
        source = reply.card.title
    return _clip(render_text(source or "", config), _FALLBACK)


def _zh(locale: str) -> bool:
    return locale.lower().startswith("zh")
