"""What a messenger can do, and how a message is adapted to a messenger that cannot.

A plugin declares its Capabilities (bot.adapters.base); the kernel adapts the neutral message
before the plugin renders it: no edit, a short follow-up instead of the card again; no forms,
the command to type (Card.to_text / to_markdown show a button's command).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import PurePath
from typing import Literal

from bot.kernel.messages import Card, Reply


@dataclass(frozen=True)
class Capabilities:
    edit: bool = False  # a sent message can be changed in place
    threads: bool = False  # replies can hang under a message
    direct_messages: bool = False  # the bot can write to one person privately
    buttons: bool = False
    # How a button's form is shown: a modal (Slack), inputs in the card itself, questions in
    # replies (Telegram), or not at all (the command to type).
    forms: Literal["modal", "card", "guided", "none"] = "none"
    files: bool = False
    user_groups: bool = False  # one handle mentions a whole team
    max_text: int = 4000  # the longest message text
    text_unit: Literal["chars", "bytes"] = "chars"  # what max_text counts (WeCom: UTF-8 bytes)


def adapt(reply: Reply, kind: str, caps: Capabilities) -> Reply:
    """The message as this messenger should get it for an outbox row of this kind."""
    if kind == "card_update" and not caps.edit:
        # A messenger that cannot change what it sent gets the card's one-line summary as a
        # follow-up: reposting the whole card on every change would bury the conversation.
        summary = reply.text if reply.text else (reply.card.title if reply.card else None)
        return Reply(text=summary, ephemeral=False)
    if reply.attachments and not caps.files:
        return _without_files(reply)
    return reply


def _without_files(reply: Reply) -> Reply:
    """A messenger that takes no files gets the fallback section (a chart as a table) and the
    files' names, so nobody wonders where the attachment went; never a link (a path on the
    bot's disk means nothing to a reader and may tell an attacker where things are)."""
    names = ", ".join(PurePath(p).name for p in reply.attachments)
    extra = (reply.files_fallback,) if reply.files_fallback is not None else ()
    if reply.card is None:
        card = Card(title=names, sections=extra)
    else:
        card = replace(reply.card, sections=(*reply.card.sections, *extra))
    return replace(reply, attachments=(), files_fallback=None, card=card)
