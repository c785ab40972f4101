"""What the circle posts by itself, rendered when the outbox sends it: the card, its updates,
reminders, escalations, notes and pre-due reminders, from an outbox row's kind and payload
and the case as loaded now (no database here).

Mentions are made here from structured data only (the payload's people, team and channel,
config keys), never from text.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.kernel.cards import (
    card_summary,
    case_card,
    minutes,
    person_name,
    team_name,
)
from bot.kernel.config import Config
from bot.kernel.i18n import t, t_rich
from bot.kernel.messages import Mention, Reply, RichText, Text
from bot.kernel.paid_note import paid_thanks
from bot.kernel.when import day_time
from playbook import circle as machine
from playbook.case_view import CaseView
from playbook.money import format_money


def _mentions(payload: Mapping[str, Any], config: Config) -> RichText:
    """Who an escalation notifies, from the payload's structured fields only."""
    parts: list[Mention | str] = [_person(config, str(p)) for p in payload.get("people", [])]
    if payload.get("group"):
        parts.append(_team(config, str(payload.get("team", ""))))
    if payload.get("channel"):
        parts.append(Mention.channel())
    return RichText(" ").join(parts)


def _person(config: Config, key: str) -> Mention | str:
    """A person of the config is mentioned; a key the config no longer has (a row queued
    before the config changed) is only named, as text."""
    return Mention.person(key) if key in config.people else f"@{key}"


def _team(config: Config, key: str) -> Mention | str:
    return Mention.team(key) if key in config.teams else f"@{key}"


def _teams(config: Config, keys: Any, sep: str = " ") -> RichText:
    return RichText(sep).join(_team(config, str(k)) for k in keys or ())


def needs_case(kind: str) -> bool:
    """Whether a message of this kind shows a case (the caller loads it first)."""
    return kind != "predue"


def render_message(
    kind: str, payload: Mapping[str, Any], view: CaseView | None, config: Config, now: datetime
) -> Reply | None:
    """The message an outbox row stands for, as it should read now: from the case as loaded
    (`view`, None when the row names no case or the case is gone), no database here."""
    locale = config.company.locale
    if kind == "predue":
        return _predue(payload, config, locale)
    if view is None:
        return None
    if kind in ("card", "card_update"):
        card = case_card(view, config, now, locale)
        text: Text | None = None
        if kind == "card":
            waiting = [s.state.team for s in view.seats if s.state.status == "waiting"]
            window = minutes(view.policy.window)
            teams = _teams(config, waiting)
            text = None
            if waiting and machine.is_open(now, view.policy):
                text = t_rich(locale, "card_call", teams=teams, window=window)
            elif waiting:
                until = day_time(machine.next_open(now, view.policy), config, now, locale)
                text = t_rich(locale, "card_call_paused", teams=teams, window=window, until=until)
        else:
            text = card_summary(view, config, now, locale)
        return Reply(text=text, card=card, ephemeral=False)
    team = str(payload.get("team", ""))
    name = team_name(config, team)
    if kind == "remind":
        return Reply(
            text=t_rich(
                locale,
                "remind_text",
                case=view.id,
                customer=view.customer_name,
                team=_team(config, team),
                left=payload.get("left_minutes", 0),
                command=f"/ar input {view.id} {team} <text>",
            ),
            ephemeral=False,
        )
    if kind in ("escalation", "repeat"):
        key = "escalation_text" if kind == "escalation" else "repeat_text"
        return Reply(
            text=t_rich(
                locale,
                key,
                case=view.id,
                customer=view.customer_name,
                team=name,
                level=payload.get("level", ""),
                n=payload.get("n", ""),
                times=view.policy.repeat_times,
                who=_mentions(payload, config) or t(locale, "the_channel"),
                command=f"/ar input {view.id} {team} <text>",
            ),
            ephemeral=False,
        )
    if kind in ("rearm", "unsnooze"):
        return Reply(
            text=t_rich(locale, f"{kind}_text", case=view.id, team=_team(config, team)),
            ephemeral=False,
        )
    if kind == "note":
        return Reply(text=_note(payload, view, config, locale), ephemeral=False)
    return None


def _note(payload: Mapping[str, Any], view: CaseView, config: Config, locale: str) -> Text:
    what = payload.get("what")
    if what == "trigger":
        added = _teams(config, payload.get("added"), ", ")
        reopened = _teams(config, payload.get("reopened"), ", ")
        text = RichText(
            t(
                locale,
                "note_trigger",
                case=view.id,
                trigger=t(locale, f"trigger_{payload.get('trigger', 'manual')}"),
            )
        )
        if added:
            text += " " + t_rich(locale, "note_added", teams=added)
        if reopened:
            text += " " + t_rich(locale, "note_reopened", teams=reopened)
        return text
    if what == "promise_kept":
        return t(locale, "note_promise_kept", case=view.id, amount=_payload_money(payload, locale))
    if what == "called":
        return t_rich(
            locale,
            "note_called",
            case=view.id,
            team=_team(config, str(payload.get("team"))),
            person=person_name(config, payload.get("by")),
        )
    if what == "ready":
        return t(locale, "note_ready", case=view.id)
    if what == "paid_thanks":
        return paid_thanks(payload, view, config, locale)
    status = t(locale, f"case_status_{view.status}")
    return t(locale, "card_updated", case=view.id, status=status, seats="")


def _payload_money(payload: Mapping[str, Any], locale: str) -> str:
    """An amount the outbox row carries as text (`30000.00`, `CNY`), as the reader writes it."""
    amount, currency = payload.get("amount"), payload.get("currency")
    try:
        return format_money(Decimal(str(amount)), str(currency), locale)
    except (ArithmeticError, ValueError):
        return f"{amount} {currency}"


def _predue(payload: Mapping[str, Any], config: Config, locale: str) -> Reply:
    owner = payload.get("owner")
    items = payload.get("invoices", [])
    lines = [
        t(
            locale,
            "predue_line",
            invoice=i["no"],
            customer=i["customer"],
            amount=format_money(Decimal(i["amount"]), i["currency"], locale),
            due=i["due"],
        )
        for i in items
    ]
    more = int(payload.get("more", 0))
    if more:
        lines.append(t(locale, "customer_more", count=more))
    head = t_rich(
        locale,
        "predue_title",
        who=_person(config, str(owner)) if owner else t(locale, "the_channel"),
        count=len(items) + more,
        days=payload.get("days", 7),
    )
    return Reply(text=head + "\n" + "\n".join(lines), ephemeral=False)
