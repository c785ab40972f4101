"""/ar promise <case> <amount> [currency] <date>: the customer's promise to pay, watched.

The amount is at most what the case owes in its currency (`100 USD`, `USD 100`, `$100`,
`100美元`, or `--currency USD`; without one, the currency most is owed in); the date lies
between today and the horizon (playbook.days).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from bot.kernel.forms import Choice, Form, FormErrors, FormField, FormRef
from bot.kernel.messages import Command, Reply
from handlers.circle_args import (
    Wrong,
    check_amount,
    check_day,
    read_amount,
    read_day,
    read_options,
    take_amount,
)
from handlers.circle_common import case_number, owed_text, writer
from handlers.common import shorten
from handlers.context import Context
from handlers.forms import Checked, FormSpec, intro, value
from playbook.case_view import CaseView
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


# --- the form: `promise <case>`, an amount (in one of the currencies owed) and a date --------


async def form(ctx: Context, ref: FormRef, view: CaseView) -> Form | Reply:
    owed = {c: a for c, a in view.outstanding_by_currency().items() if a > 0}
    fields = [
        FormField(
            "amount", "amount", ctx.t("form_amount"), max_length=40, hint=ctx.t("form_amount_hint")
        )
    ]
    if len(owed) > 1:
        # The case owes in several currencies: ask which, the main one first.
        company = ctx.config.company
        main = view.main_currency(company.currency, company.fx_rates)
        order = sorted(owed, key=lambda c: (c != main, c))
        fields.append(
            FormField(
                "currency",
                "currency",
                ctx.t("form_currency"),
                required=False,
                choices=tuple(Choice(c, c) for c in order),
                initial=main,
            )
        )
    initial = (ctx.today() + timedelta(days=7)).isoformat()
    fields.append(FormField("date", "date", ctx.t("form_pay_by"), initial=initial))
    owes = ctx.t("form_owes", owed=owed_text(ctx, owed)) if owed else None
    return Form(
        ref=ref,
        title=ctx.t("form_promise_title"),
        fields=tuple(fields),
        submit=ctx.t("form_submit"),
        intro=intro(ctx, view, *([owes] if owes else [])),
    )


async def submitted(
    ctx: Context, ref: FormRef, view: CaseView, values: Mapping[str, str]
) -> Checked:
    amount = value(values, "amount")
    day = value(values, "date")
    currency = value(values, "currency")
    errors: dict[str, str] = {}
    if not amount:
        errors["amount"] = ctx.t("form_err_amount_required")
    else:
        money = check_amount(ctx, view, amount, currency or None)
        if isinstance(money, Wrong):
            errors["amount"] = money.text
    if not day:
        errors["date"] = ctx.t("form_err_date_required")
    else:
        found = check_day(ctx, day)
        if isinstance(found, Wrong):
            errors["date"] = found.text
    if errors:
        return FormErrors(errors)
    return [str(view.id), amount, day, *(["--currency", currency] if currency else [])]


FORM = FormSpec(USAGE, build=form, check=submitted)
