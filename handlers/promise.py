"""/ar promise <case> <amount> [currency] <date>: the customer's promise to pay, watched."""

from __future__ import annotations

import re

from sqlalchemy import Connection

from bot.messages import Command, Reply
from handlers.circle_common import amount_places, case_number, parse_day, write, writer
from handlers.common import shorten
from handlers.context import Context
from playbook.money import MoneyError, format_money, parse_amount, to_minor
from storage.circle import add_promise, load_case

NAME = "promise"
ALIASES = ("承诺", "ptp")
USAGE = "/ar promise <case> <amount> [currency] <date>"
SUMMARY = {
    "en": "Record a promise to pay; a broken one reopens the circle",
    "zh-CN": "登记付款承诺；到期未兑现会重新召集各方",
}
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")


async def handle(cmd: Command, ctx: Context) -> Reply:
    args = list(cmd.args)
    if len(args) < 3:
        return Reply.usage(USAGE, locale=ctx.locale)
    number = case_number(ctx, args[0], USAGE)
    if isinstance(number, Reply):
        return number
    refused = writer(ctx)
    if refused is not None:
        return refused
    amount = parse_amount(args[1])
    if amount is None:
        return Reply.usage(
            USAGE, ctx.t("promise_bad_amount", text=shorten(args[1], 40)), ctx.locale
        )
    currency: str | None = None
    rest = args[2:]
    if len(rest) >= 2 and _CURRENCY.match(rest[0]):
        currency, rest = rest[0].upper(), rest[1:]
    today = ctx.today()
    day = parse_day(rest[0], today)
    if day is None:
        return Reply.usage(USAGE, ctx.t("promise_bad_date", text=shorten(rest[0], 40)), ctx.locale)
    if amount <= 0:
        return Reply.error(ctx.t("promise_amount"))
    with ctx.db.engine.connect() as conn:
        view = load_case(conn, number)
    if view is None:
        return Reply.error(ctx.t("no_case", case=number))
    if currency is None:
        currency = view.main_currency(ctx.config.company.currency)
    try:
        minor = to_minor(amount, currency)
    except MoneyError:
        return Reply.usage(USAGE, amount_places(ctx, args[1], currency), ctx.locale)
    now = ctx.clock.now()

    def change(conn: Connection) -> int:
        return add_promise(
            conn,
            ctx.circle,
            case_id=number,
            amount_minor=minor,
            currency=currency,
            due_on=day,
            today=today,
            person=ctx.person or "?",
            now=now,
        )

    done = write(ctx, change)
    if isinstance(done, Reply):
        return done
    check = day.fromordinal(day.toordinal() + 1).isoformat()
    return Reply(
        text=ctx.t(
            "promise_done",
            case=number,
            amount=format_money(amount, currency, ctx.locale),
            date=day.isoformat(),
            check=check,
        ),
        ephemeral=False,
    )
