"""/ar check <customer> [order amount]: before sales takes a new order — the risk grade,
credit hold, overdue, open case; payment first (or a down payment) from
`collection.prepay_from_grade` on; a large balance; the contact; the limitation clock."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import bot.kernel.i18n_facts  # noqa: F401  (registers the texts)
from bot.kernel.messages import Card, Command, Field, Reply, Section
from handlers.common import customer_grade, customer_items, resolve_customer, totals
from handlers.context import Context
from playbook.aging import RiskGrade
from playbook.amounts import parse_money
from playbook.credit_check import down_payment, large_balance, needs_prepayment
from playbook.money import format_money
from storage.circle import active_case_for
from storage.circle_reads import case_status
from storage.customer_facts import CustomerProfile, broken_promises, customer_profile
from storage.offloop import Conn
from storage.queries import CustomerRef, OpenItem

NAME = "check"
ALIASES = ("查信用", "credit")
USAGE = "/ar check <customer> [order amount]"
SUMMARY = {
    "en": "Credit check before a new order: grade, hold, overdue, prepayment, open case",
    "zh-CN": "接新订单前的信用检查：风险等级、冻结、逾期、预付、进行中的案件",
}


async def handle(cmd: Command, ctx: Context) -> Reply:
    query = cmd.text.strip().strip("\"'")
    if not query:
        return Reply.usage(USAGE, locale=ctx.locale)
    return await ctx.read(_answer, ctx, query)


def _split_order(
    ctx: Context, conn: Conn, query: str
) -> tuple[CustomerRef | Reply, Decimal | None]:
    """The customer and, when the last word is an amount, the order it is for. A customer
    whose whole name ends in a number ("Plant 2") still matches as a whole."""
    head, _, last = query.rpartition(" ")
    money = parse_money(last) if head.strip() else None
    if money is not None and money.amount > 0:
        found = resolve_customer(ctx, conn, head.strip())
        if not isinstance(found, Reply):
            return found, money.amount
    return resolve_customer(ctx, conn, query), None


def _answer(conn: Conn, ctx: Context, query: str) -> Reply:
    found, order = _split_order(ctx, conn, query)
    if isinstance(found, Reply):
        return found
    today = ctx.today()
    triggers = ctx.config.circle.triggers
    items = customer_items(conn, ctx, found.id)
    case_id = active_case_for(conn, found.id)
    status = case_status(conn, case_id) if case_id else None
    broken = broken_promises(conn, found.id)
    profile = customer_profile(conn, found.id, today, years=triggers.limitation_years)
    grade = customer_grade(ctx, found, items, broken)
    overdue = [i for i in items if i.aging.days_past_due > 0]
    not_due = [i for i in items if i.aging.days_past_due <= 0]
    lines = []
    if found.on_hold:
        lines.append(ctx.t("check_hold"))
    if overdue:
        lines.append(
            ctx.t(
                "check_overdue",
                amount=totals(ctx, ((i.currency, i.outstanding) for i in overdue)),
                count=len(overdue),
                days=max(i.aging.days_past_due for i in overdue),
            )
        )
    lines.extend(_advice(ctx, grade, found.on_hold, order))
    lines.extend(_large(ctx, items, profile))
    if profile.limitation_ends is not None:
        left = (profile.limitation_ends - today).days
        if left <= triggers.limitation_warn_days:
            lines.append(
                ctx.t("check_limitation", ends=profile.limitation_ends.isoformat(), days=left)
            )
    if not lines:
        lines.append(ctx.t("check_ok"))
    return Reply(
        card=Card(
            title=ctx.t("check_title", customer=found.title),
            sections=(
                Section(
                    text="\n".join(lines),
                    fields=_fields(ctx, grade, not_due, case_id, status, broken, profile),
                ),
            ),
        )
    )


def _advice(ctx: Context, grade: RiskGrade, on_hold: bool, order: Decimal | None) -> list[str]:
    rules = ctx.config.collection
    if not needs_prepayment(grade, rules.prepay_from_grade, on_hold):
        return []
    if grade is RiskGrade.DEAD:
        # Past collecting: a down payment would still extend credit on the rest of the order.
        return [ctx.t("check_cash_only")]
    share = f"{(rules.down_payment * 100).normalize():f}%"
    if order is None:
        return [ctx.t("check_prepay", share=share)]
    currency = ctx.config.company.currency
    return [
        ctx.t(
            "check_prepay_order",
            order=format_money(order, currency, ctx.locale),
            down=format_money(down_payment(order, rules.down_payment), currency, ctx.locale),
            share=share,
        )
    ]


def _large(ctx: Context, items: list[OpenItem], profile: CustomerProfile) -> list[str]:
    rules = ctx.config.collection
    company = ctx.config.company.currency
    base = sum((i.base_outstanding for i in items), Decimal(0))
    limit_balance = limit_amount = None
    if profile.credit_limit is not None:
        limit_amount, limit_currency = profile.credit_limit
        limit_balance = (
            base
            if limit_currency == company
            else sum((i.outstanding for i in items if i.currency == limit_currency), Decimal(0))
        )
    large, share = large_balance(
        base, rules.large_amount, limit_balance, limit_amount, rules.large_share_of_limit
    )
    if not large:
        return []
    why = ctx.t("check_large_limit", share=f"{(share * 100).normalize():f}%") if share else ""
    owed = totals(ctx, ((i.currency, i.outstanding) for i in items))
    return [ctx.t("check_large", amount=owed, why=why)]


def _fields(
    ctx: Context,
    grade: RiskGrade,
    not_due: list[OpenItem],
    case_id: int | None,
    status: str | None,
    broken: int,
    profile: CustomerProfile,
) -> tuple[Field, ...]:
    # Each field's label says what its value is; the value is only the figure.
    fields = [Field(ctx.t("check_grade"), grade.label(ctx.locale))]
    if not_due:
        fields.append(
            Field(
                ctx.t("check_not_due"),
                totals(ctx, ((i.currency, i.outstanding) for i in not_due)),
            )
        )
    if case_id:
        fields.append(
            Field(
                ctx.t("check_case"),
                ctx.t("check_case_value", case=case_id, status=ctx.t(f"case_status_{status}")),
            )
        )
    if broken:
        fields.append(Field(ctx.t("check_broken"), str(broken)))
    if profile.credit_limit is not None:
        amount, currency = profile.credit_limit
        fields.append(Field(ctx.t("check_limit"), format_money(amount, currency, ctx.locale)))
    if profile.contact_name:
        contact = " · ".join(x for x in (profile.contact_name, profile.contact_title) if x)
        fields.append(Field(ctx.t("check_contact"), contact))
    if profile.relationship_since is not None:
        fields.append(Field(ctx.t("check_since"), _day(profile.relationship_since)))
    return tuple(fields)


def _day(day: date) -> str:
    return day.isoformat()
