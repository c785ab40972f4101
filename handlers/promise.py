"""/ar promise <case> <amount> [currency] <date>: the customer's promise to pay, watched.

The amount is at most what the case owes in its currency (`100 USD`, `USD 100`, `$100`,
`100美元`, or `--currency USD`; without one, the currency most is owed in); the date lies
between today and the horizon (playbook.days).
"""

from __future__ import annotations

from datetime import timedelta

from bot.kernel.messages import Command, Reply
from handlers.circle_args import read_amount, read_day, read_options, take_amount
from handlers.circle_common import case_number, writer
from handlers.common import shorten
from handlers.context import Context
from playbook.money import format_money, from_minor
from storage.circle import add_promise, load_case
from storage.offloop import Conn

NAME = "promise"
ALIASES = ("承诺", "ptp")
USAGE = "/ar promise <case> <amount> [currency] <date>"
SUMMARY = {
    "en": "Record a promise to pay; a broken one reopens the circle",
    "zh-CN": "登记付款承诺；到期未兑现会重新召集各方",
}
_OPTIONS = {"--currency": "currency", "-c": "currency"}


async def handle(cmd: Command, ctx: Context) -> Reply:
    options = read_options(ctx, list(cmd.args), _OPTIONS, USAGE)
    if isinstance(options, Reply):
        return options
    args = options.words
    if len(args) < 3:
        return Reply.usage(USAGE, locale=ctx.locale)
    number = case_number(ctx, args[0], USAGE)
    if isinstance(number, Reply):
        return number
    refused = writer(ctx)
    if refused is not None:
        return refused
    amount_text, used = take_amount(args[1:])
    rest = args[1 + used :]
    if not rest:
        return Reply.usage(USAGE, locale=ctx.locale)
    if len(rest) > 1:
        return Reply.usage(
            USAGE, ctx.t("left_over", words=shorten(" ".join(rest[1:]), 60)), ctx.locale
        )
    view = await ctx.read(load_case, number)
    if view is None:
        return Reply.error(ctx.t("no_case", case=number))
    money = read_amount(ctx, view, amount_text, options.options.get("currency"), USAGE)
    if isinstance(money, Reply):
        return money
    minor, currency = money
    day = read_day(ctx, rest[0], USAGE)
    if isinstance(day, Reply):
        return day
    today = ctx.today()
    now = ctx.clock.now()

    def change(conn: Conn) -> int:
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

    done = await ctx.write(change)
    if isinstance(done, Reply):
        return done
    return Reply(
        text=ctx.t(
            "promise_done",
            case=number,
            amount=format_money(from_minor(minor, currency), currency, ctx.locale),
            date=day.isoformat(),
            check=(day + timedelta(days=1)).isoformat(),
        ),
        ephemeral=False,
    )
