"""/ar decide <case> <action> [--amount X] [--date D] [note]: what the circle decided."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection

from bot.cards import person_name, team_name
from bot.messages import Command, Reply
from handlers.circle_common import (
    actor,
    amount_places,
    case_number,
    parse_day,
    write,
    writer,
)
from handlers.common import shorten
from handlers.context import Context
from playbook.decisions import ACTIONS, Action, allowed, parse_action, who_may
from playbook.money import MoneyError, parse_amount, to_minor
from storage.circle import call_team, decide, load_case

NAME = "decide"
ALIASES = ("决定", "decision")
USAGE = "/ar decide <case> <action> [note] [--amount X] [--date D]"
SUMMARY = {
    "en": "Record the decision: remind, call, visit, installment ... litigation, close_paid",
    "zh-CN": "记录本案决定：提醒、电话、拜访、分期……诉讼、已回款结案",
}


def _who(ctx: Context, rules: tuple[str, ...]) -> str:
    cfg = ctx.config
    names = []
    for rule in rules:
        if rule == "any":
            names.append(ctx.t("who_any"))
        elif rule == "manager":
            managers = [person_name(cfg, k) for k, p in cfg.people.items() if p.role == "manager"]
            label = ctx.t("who_manager")
            names.append(_named(ctx, label, managers))
        elif rule == "lead":
            names.append(ctx.t("who_lead"))
        elif rule.endswith(".lead"):
            team = rule.split(".")[0]
            lead = cfg.teams[team].lead if team in cfg.teams else None
            label = ctx.t("who_team_lead", team=team_name(cfg, team))
            names.append(_named(ctx, label, [person_name(cfg, lead)]))
        else:
            members = [person_name(cfg, p) for p in cfg.team_members(rule)]
            names.append(_named(ctx, team_name(cfg, rule), members))
    return " / ".join(names)


def _named(ctx: Context, label: str, people: list[str]) -> str:
    return ctx.t("who_named", who=label, people=", ".join(people)) if people else label


def _actions(ctx: Context) -> str:
    return ", ".join(a.name for a in ACTIONS)


async def handle(cmd: Command, ctx: Context) -> Reply:
    args = list(cmd.args)
    if len(args) < 2:
        return Reply.usage(
            USAGE,
            ctx.t("unknown_action", action="", actions=_actions(ctx)) if args else None,
            ctx.locale,
        )
    number = case_number(ctx, args[0], USAGE)
    if isinstance(number, Reply):
        return number
    refused = writer(ctx)
    if refused is not None:
        return refused
    parsed = parse_action(args[1:])
    if parsed is None:
        return Reply.usage(
            USAGE,
            ctx.t("unknown_action", action=shorten(args[1], 40), actions=_actions(ctx)),
            ctx.locale,
        )
    action, used = parsed
    rest = args[1 + used :]
    amount_text = date_text = None
    note_words: list[str] = []
    i = 0
    while i < len(rest):
        if rest[i] in ("--amount", "-m") and i + 1 < len(rest):
            amount_text = rest[i + 1]
            i += 2
        elif rest[i] in ("--date", "-d") and i + 1 < len(rest):
            date_text = rest[i + 1]
            i += 2
        else:
            note_words.append(rest[i])
            i += 1
    note = " ".join(note_words).strip() or None
    label = action.label(ctx.locale)
    permissions = ctx.config.circle.permissions()
    if not allowed(action.name, actor(ctx), permissions):
        text = ctx.t("not_allowed", who=_who(ctx, who_may(action.name, permissions)), action=label)
        if action.legal and "legal" in ctx.config.teams:
            called = write(
                ctx,
                lambda conn: call_team(
                    conn,
                    ctx.circle,
                    case_id=number,
                    team="legal",
                    actor=ctx.person or "?",
                    now=ctx.clock.now(),
                ),
            )
            if isinstance(called, Reply):
                return called
            if called:
                text += "\n" + ctx.t("legal_called", case=number)
        return Reply.error(text)
    today = ctx.today()
    with ctx.db.engine.connect() as conn:
        view = load_case(conn, number)
    if view is None:
        return Reply.error(ctx.t("no_case", case=number))
    amount_minor = None
    currency = None
    if amount_text is not None:
        amount = parse_amount(amount_text)
        if amount is None or amount <= 0:
            return Reply.usage(
                USAGE, ctx.t("promise_bad_amount", text=shorten(amount_text, 40)), ctx.locale
            )
        currency = view.main_currency(ctx.config.company.currency)
        try:
            amount_minor = to_minor(amount, currency)
        except MoneyError:
            return Reply.usage(USAGE, amount_places(ctx, amount_text, currency), ctx.locale)
    elif action.needs_amount:
        return Reply.usage(USAGE, ctx.t("decision_needs_amount", action=label), ctx.locale)
    on_date = None
    if date_text is not None:
        on_date = parse_day(date_text, today)
        if on_date is None:
            return Reply.usage(
                USAGE, ctx.t("promise_bad_date", text=shorten(date_text, 40)), ctx.locale
            )
        if on_date < today:
            return Reply.error(ctx.t("promise_past", date=on_date, today=today))
    elif action.needs_date:
        return Reply.usage(USAGE, ctx.t("decision_needs_date", action=label), ctx.locale)
    return _record(ctx, number, action, note, amount_minor, currency, on_date)


def _record(
    ctx: Context,
    number: int,
    action: Action,
    note: str | None,
    amount_minor: int | None,
    currency: str | None,
    on_date: date | None,
) -> Reply:
    now = ctx.clock.now()

    def change(conn: Connection) -> int:
        return decide(
            conn,
            ctx.circle,
            case_id=number,
            action=action.name,
            closes=action.closes_case,
            person=ctx.person or "?",
            note=note,
            amount_minor=amount_minor,
            currency=currency,
            on_date=on_date,
            now=now,
        )

    done = write(ctx, change)
    if isinstance(done, Reply):
        return done
    key = "decision_closed" if action.closes_case else "decision_done"
    return Reply(text=ctx.t(key, case=number, action=action.label(ctx.locale)), ephemeral=False)
