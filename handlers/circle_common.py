"""What the circle commands share: case numbers, who may write, and refusals in words."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TypeVar

from sqlalchemy import Connection

from bot.cards import local_time, person_name, team_name
from bot.messages import Reply
from handlers.common import bounded_id, shorten
from handlers.context import Context
from playbook.decisions import Actor
from playbook.money import exponent, format_money
from storage.circle import CircleError, begin_write

T = TypeVar("T")


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


def amount_places(ctx: Context, text: str, currency: str) -> str:
    """Why an amount cannot be recorded in its currency: more decimals than it has."""
    return ctx.t("amount_places", amount=text, currency=currency, places=exponent(currency))


def writer(ctx: Context) -> Reply | None:
    """Someone not in the config may look, but not change anything."""
    if ctx.person is None or ctx.person not in ctx.config.people:
        return Reply.error(ctx.t("unknown_person_write"))
    return None


def actor(ctx: Context) -> Actor:
    return ctx.config.actor(ctx.person)


def write(ctx: Context, change: Callable[[Connection], T]) -> T | Reply:
    """Run a change in one transaction; a refusal becomes a one-line answer, nothing changed."""
    try:
        with ctx.db.engine.begin() as conn:
            begin_write(conn)
            return change(conn)
    except CircleError as err:
        return refusal(ctx, err)


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
    if err.code == "promise_too_much":
        amount = format_money(facts["outstanding"], facts["currency"], ctx.locale)
        return Reply.error(ctx.t("promise_too_much", outstanding=amount))
    if err.code == "not_paid":
        left = ", ".join(
            f"{no} {format_money(amount, cur, ctx.locale)}" for no, amount, cur in facts["invoices"]
        )
        return Reply.error(ctx.t("not_paid", case=facts["case"], left=left))
    return Reply.error(ctx.t(err.code, **facts))


_RELATIVE = re.compile(r"^\+(\d{1,3})d$")
_MONTH_DAY = re.compile(r"^(\d{1,2})[-/.月](\d{1,2})日?$")
# A date typed in chat is within ten years of today; 9999-12-31 is a typo, and the day after
# it would not even exist.
_DATE_RANGE = timedelta(days=3650)


def parse_day(text: str, today: date) -> date | None:
    """YYYY-MM-DD, MM-DD (this year), 12月1日, +7d, today/tomorrow/今天/明天; None when it is
    none of these or not within ten years of today."""
    day = _day(text.strip().casefold(), today)
    if day is None or abs(day - today) > _DATE_RANGE:
        return None
    return day


def _day(word: str, today: date) -> date | None:
    if word in ("today", "今天"):
        return today
    if word in ("tomorrow", "明天"):
        return today + timedelta(days=1)
    m = _RELATIVE.match(word)
    if m:
        return today + timedelta(days=int(m.group(1)))
    try:
        return date.fromisoformat(word.replace("/", "-"))
    except ValueError:
        pass
    m = _MONTH_DAY.match(word)
    if m:
        try:
            return date(today.year, int(m.group(1)), int(m.group(2)))
        except ValueError:
            return None
    return None


def at_local(ctx: Context, moment: datetime) -> str:
    return local_time(moment, ctx.config, ctx.clock.now())
