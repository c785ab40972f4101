"""What the circle commands share: case numbers, who may write, and refusals in words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from bot.kernel.cards import local_time, person_name, team_name
from bot.kernel.messages import Reply
from handlers.common import shorten
from handlers.context import Context
from playbook.decisions import Actor
from playbook.money import format_money
from storage.circle import CircleError
from storage.db import bounded_id


def case_number(ctx: Context, text: str | None, usage: str) -> int | Reply:
    """`42`, `#42`, `＃４２`: the case number; not a number is the usage line, and a number no
    case can have (beyond the database's integers) is simply "no such case"."""
    if not text:
        return Reply.usage(usage, locale=ctx.locale)
    cleaned = text.lstrip("#＃")
    if not cleaned.isdecimal():
        return Reply.usage(usage, ctx.t("case_usage_id"), ctx.locale)
    number = bounded_id(cleaned)
    if number is None:
        return Reply.error(ctx.t("no_case", case=shorten(cleaned, 24)))
    return number


def writer(ctx: Context) -> Reply | None:
    """Someone not in the config may look, but not change anything."""
    if ctx.person is None or ctx.person not in ctx.config.people:
        return Reply.error(ctx.t("unknown_person_write"))
    return None


def actor(ctx: Context) -> Actor:
    return ctx.config.actor(ctx.person)


def who(ctx: Context, rules: Sequence[str], sitting: Sequence[str] | None = None) -> str:
    """A rule list in words, with names: "Finance lead (李娜) / a manager (刘洋)". With
    `sitting` (the teams in the case), `lead` is a lead of one of those teams, named."""
    cfg = ctx.config
    names = []
    for rule in rules:
        if rule == "any":
            names.append(ctx.t("who_any"))
        elif rule == "manager":
            managers = [person_name(cfg, k) for k, p in cfg.people.items() if p.role == "manager"]
            names.append(_named(ctx, ctx.t("who_manager"), managers))
        elif rule == "lead" and sitting is not None:
            leads = [cfg.teams[t].lead for t in sitting if t in cfg.teams]
            named = list(dict.fromkeys(person_name(cfg, p) for p in leads if p))
            names.append(_named(ctx, ctx.t("who_case_lead"), named))
        elif rule == "lead":
            names.append(ctx.t("who_lead"))
        elif rule.endswith(".lead"):
            team = rule.split(".")[0]
            lead = cfg.teams[team].lead if team in cfg.teams else None
            label = ctx.t("who_team_lead", team=team_name(cfg, team))
            names.append(_named(ctx, label, [person_name(cfg, lead)]))
        else:
            names.append(members_of(ctx, rule))
    return " / ".join(names)


def _named(ctx: Context, label: str, people: Sequence[str]) -> str:
    return ctx.t("who_named", who=label, people=", ".join(people)) if people else label


def members_of(ctx: Context, team: str) -> str:
    """ "Legal (赵云)": a team and the people in it."""
    cfg = ctx.config
    members = [person_name(cfg, p) for p in cfg.team_members(team)]
    return _named(ctx, team_name(cfg, team), members)


def teams_text(ctx: Context, teams: Sequence[str]) -> str:
    sep = "、" if ctx.zh else ", "
    return sep.join(team_name(ctx.config, t) for t in teams)


def owed_text(ctx: Context, owed: Mapping[str, Decimal]) -> str:
    """ "CN¥1,500.00, US$200.00": what a case owes, by currency."""
    sep = "、" if ctx.zh else ", "
    return sep.join(format_money(amount, cur, ctx.locale) for cur, amount in sorted(owed.items()))


def refusal(ctx: Context, err: CircleError) -> Reply:
    facts = dict(err.facts)
    if err.code == "case_closed":
        at = facts.get("at")
        return Reply.error(
            ctx.t(
                "case_closed",
                case=facts["case"],
                person=person_name(ctx.config, facts.get("by")),
                at=local_time(at, ctx.config, ctx.clock.now()) if at else "-",
            )
        )
    if err.code == "team_not_in_case":
        return Reply.error(
            ctx.t(
                "team_not_in_case",
                case=facts["case"],
                team=team_name(ctx.config, facts["team"]),
                teams=", ".join(facts.get("teams", [])) or "-",
            )
        )
    if err.code == "duplicate":
        return Reply.error(ctx.t("duplicate", at=local_time(facts["at"], ctx.config)))
    if err.code == "promise_past":
        return Reply.error(ctx.t("promise_past", date=facts["date"], today=facts["today"]))
    if err.code == "amount_currency":
        if not facts["owed"]:
            return Reply.error(ctx.t("amount_nothing_owed", case=facts["case"]))
        return Reply.error(
            ctx.t(
                "amount_currency",
                case=facts["case"],
                currency=facts["currency"],
                owed=owed_text(ctx, facts["owed"]),
            )
        )
    if err.code == "promise_too_much":
        amount = format_money(facts["outstanding"], facts["currency"], ctx.locale)
        return Reply.error(ctx.t("promise_too_much", outstanding=amount))
    if err.code == "not_paid":
        left = ", ".join(
            f"{no} {format_money(amount, cur, ctx.locale)}" for no, amount, cur in facts["invoices"]
        )
        return Reply.error(ctx.t("not_paid", case=facts["case"], left=left))
    return Reply.error(ctx.t(err.code, **facts))


def at_local(ctx: Context, moment: datetime) -> str:
    return local_time(moment, ctx.config, ctx.clock.now())
