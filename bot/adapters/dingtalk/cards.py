"""A neutral Card as DingTalk's interactive card (互动卡片) data, for the built-in
`StandardCard` template sent by the robot (api.Api.send_card).

The card JSON follows the dingtalk-stream SDK's samples (interactive_card.py,
INTERACTIVE_CARD_JSON_SAMPLE_1/2): {"config": {"autoLayout", "enableForward"}, "header":
{"title": {"type": "text", "text"}}, "contents": [{"type": "markdown", "text", "id"},
{"type": "divider", "id"}, {"type": "action", "actions": [{"type": "button", "label":
{"type": "text", "text", "id"}, "actionType": "request", "status": "primary"|"normal",
"id"}], "id"}]}. A "request" button calls back (the app's HTTP card callback or Stream topic
/v1.0/card/instances/callback) with the clicked component's id in
cardPrivateData.actionIds (events.parse_card_callback).

A button's id carries what the kernel's button needs, as Slack's value and WeCom's key do:
its text command, `ar_` + URL-safe base64 of it (ids are plain identifiers in the samples, so
the command is encoded, not written). Only DingTalk sends the callback (signed, or over the
authenticated Stream connection) and the router checks who may run what, so an id is no
capability. A button whose form needs typed input (forms: none) or whose command has
`<placeholders>` shows its command to type instead. Unknown ids decode to None and are ignored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from bot.adapters.dingtalk import markdown
from bot.adapters.dingtalk.render import BREAK, Renderer, command_line, inert
from bot.kernel.messages import Button, Card, Reply

ID_PREFIX = "ar_"
MAX_BUTTONS = 6
MAX_COMMAND = 300
MAX_CARD_TEXT = 4000
# The card's id (cardBizId / outTrackId): a circle card's or a reply's, told apart on click.
CIRCLE_PREFIX = "arc-"
REPLY_PREFIX = "arr-"


def button_id(command: str) -> str | None:
    """The id a click sends back, or None when the command cannot be a button."""
    if "<" in command or not command.startswith("/ar") or len(command) > MAX_COMMAND:
        return None
    return ID_PREFIX + base64.urlsafe_b64encode(command.encode()).decode().rstrip("=")


def command_of(action_id: str) -> str | None:
    if not action_id.startswith(ID_PREFIX) or len(action_id) > 2 * MAX_COMMAND:
        return None
    raw = action_id[len(ID_PREFIX) :]
    try:
        command = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
    except (binascii.Error, ValueError):
        return None
    return command if command.startswith("/ar") and button_id(command) == action_id else None


def card_id(prefix: str, seed: str) -> str:
    """A card's id: our prefix and a hash (the SDK's gen_card_id hashes too)."""
    return prefix + hashlib.sha256(seed.encode()).hexdigest()[:40]


def usable(card: Card) -> list[tuple[Button, str]]:
    found = [(b, None if b.form is not None else button_id(b.command)) for b in card.buttons]
    return [(b, i) for b, i in found if i][:MAX_BUTTONS]


def has_buttons(reply: Reply) -> bool:
    return reply.card is not None and bool(usable(reply.card))


def card_data(reply: Reply, renderer: Renderer) -> dict[str, Any]:
    """The StandardCard JSON for a reply: its card (and text as a lead), or its text alone.

    `renderer` must show mentions as names (Renderer(by_id=False)): a card's markdown
    does not notify; the send's atUserListJson does."""
    at: dict[str, str] = {}
    card = reply.card
    title = card.title if card is not None else renderer.title(reply)
    pieces: list[str] = []
    if reply.text:
        pieces.append(renderer.text(reply.text, at))
    buttons: list[tuple[Button, str]] = []
    if card is not None:
        buttons = usable(card)
        body = renderer.card(card, at, with_commands=False)
        # The title is the card's header; the body without it.
        pieces.append(body.split(BREAK, 1)[1] if BREAK in body else "")
        typed = [b for b in card.buttons if (b, button_id(b.command)) not in buttons]
        if typed:
            pieces.append(BREAK.join(command_line(b) for b in typed))
    text = (BREAK + BREAK).join(p for p in pieces if p.strip()) or "✓"
    if len(text) > MAX_CARD_TEXT:
        text = text[: MAX_CARD_TEXT - 1] + "…"
    contents: list[dict[str, Any]] = [{"type": "markdown", "text": text, "id": "md_1"}]
    if buttons:
        contents.append({"type": "divider", "id": "divider_1"})
        contents.append(
            {
                "type": "action",
                "actions": [
                    {
                        "type": "button",
                        "label": {
                            "type": "text",
                            "text": inert(b.label, 20),
                            "id": f"label_{n}",
                        },
                        "actionType": "request",
                        "status": "primary" if b.style == "primary" else "normal",
                        "id": ident,
                    }
                    for n, (b, ident) in enumerate(buttons)
                ],
                "id": "action_1",
            }
        )
    return {
        "config": {"autoLayout": True, "enableForward": True},
        "header": {"title": {"type": "text", "text": _plain_title(title)}},
        "contents": contents,
    }


def _plain_title(title: str) -> str:
    # The header is a text component (no markdown), bounded.
    flat = " ".join(title.split())
    return flat if len(flat) <= markdown.MAX_TITLE else flat[: markdown.MAX_TITLE - 1] + "…"
