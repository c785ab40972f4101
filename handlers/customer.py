"""/ar customer <name>: one customer's open invoices, aging, risk and payment record."""

from __future__ import annotations

from decimal import Decimal

from bot.kernel.messages import Button, Card, Command, Field, Reply, Section, Table
from handlers.common import (
    customer_items,
    money,
    person_name,
    resolve_customer,
    status_label,
    totals,
)
from handlers.context import Context
from storage.offloop import Conn
from storage.queries import OpenItem, PaymentHistory, payment_history, worst

NAME = "customer"
ALIASES = ("客户", "cust", "c")
USAGE = "/ar customer <name or code>"
SUMMARY = {
    "en": "A customer's open invoices, aging, risk grade and payment history",
    "zh-CN": "客户的未结清发票、账龄、风险等级和付款记录",
}
_SHOW = 10
_SEGMENTS = {
    "important": ("important", "重要客户"),
    "normal": ("normal", "普通客户"),
    "problem": ("problem", "问题客户"),
}


async def handle(cmd: Command, ctx: Context) -> Reply:
    query = cmd.text.strip().strip("\"'")
    if not query:
        return Reply.usage(USAGE, locale=ctx.locale)
    return await ctx.read(_answer, ctx, query)


def _answer(conn: Conn, ctx: Context, query: str) -> Reply:
    found = resolve_customer(ctx, conn, query)
    if isinstance(found, Reply):
        return found
    items = customer_items(conn, ctx, found.id)
    history = payment_history(conn, found.id)
    seg = _SEGMENTS.get(found.segment, (found.segment, found.segment))[1 if ctx.zh else 0]
    owner = next((i.owner for i in items if i.owner), None)
    grade = worst(items)
    fields = [Field(ctx.t("segment"), seg)]
    if owner:
        fields.append(Field(ctx.t("owner"), person_name(ctx, owner)))
    if grade is not None:
        fields.append(Field(ctx.t("customer_risk"), grade.label(ctx.locale)))
    if found.on_hold:
        fields.append(Field(ctx.t("customer_hold"), ctx.t("yes")))
    if found.status != "active":
        fields.append(Field(ctx.t("customer_status"), status_label(ctx, found.status)))
    sections: list[Section] = []
    if items:
        overdue = [i for i in items if i.aging.days_past_due > 0]
        fields.append(
            Field(ctx.t("customer_open"), totals(ctx, ((i.currency, i.outstanding) for i in items)))
        )
        if overdue:
            fields.append(
                Field(
                    ctx.t("customer_overdue"),
                    totals(ctx, ((i.currency, i.outstanding) for i in overdue)),
                )
            )
        sections.append(_buckets(ctx, items))
        rows = tuple(
            (
                i.invoice_no + (" ⚑" if i.disputed else ""),
                i.due_date.isoformat(),
                money(ctx, i.outstanding, i.currency),
                str(i.aging.days_past_due),
                i.aging.stage.label(ctx.locale),
                i.aging.risk.label(ctx.locale),
            )
            for i in items[:_SHOW]
        )
        more = ctx.t("customer_more", count=len(items) - _SHOW) if len(items) > _SHOW else ""
        sections.append(
            Section(
                title=ctx.t("customer_invoices", count=len(items)),
                text=more,
                table=Table(
                    (
                        ctx.t("invoice"),
                        ctx.t("due"),
                        ctx.t("outstanding"),
                        ctx.t("days"),
                        ctx.t("stage"),
                        ctx.t("risk"),
                    ),
                    rows,
                    right=(2, 3),
                ),
            )
        )
    else:
        sections.append(Section(text=ctx.t("customer_no_open")))
    sections.append(Section(title=ctx.t("customer_history"), fields=_history(ctx, history)))
    buttons = (Button(ctx.t("customer_overdue"), f"/ar overdue {found.code}"),) if items else ()
    return Reply(
        card=Card(
            title=found.title, fields=tuple(fields), sections=tuple(sections), buttons=buttons
        )
    )


def _buckets(ctx: Context, items: list[OpenItem]) -> Section:
    buckets = ctx.config.aging_policy().buckets
    cells: dict[tuple[str, str], tuple[int, Decimal]] = {}
    for i in items:
        key = (i.currency, i.aging.bucket.label)
        n, amount = cells.get(key, (0, Decimal(0)))
        cells[key] = (n + 1, amount + i.outstanding)
    rows = tuple(
        (b.label_in(ctx.locale), str(n), money(ctx, amount, cur))
        for cur in sorted({c for c, _ in cells})
        for b in buckets
        if (cur, b.label) in cells
        for n, amount in [cells[(cur, b.label)]]
    )
    return Section(
        title=ctx.t("customer_buckets"),
        table=Table((ctx.t("bucket"), ctx.t("count"), ctx.t("outstanding")), rows, right=(1, 2)),
    )


def _history(ctx: Context, h: PaymentHistory) -> tuple[Field, ...]:
    none = ctx.t("none")
    return (
        Field(ctx.t("customer_paid"), str(h.paid_invoices)),
        Field(
            ctx.t("customer_avg_late"),
            str(h.average_days_late) if h.average_days_late is not None else none,
        ),
        Field(ctx.t("customer_paid_late"), str(h.paid_late)),
        Field(
            ctx.t("customer_last_payment"), h.last_payment.isoformat() if h.last_payment else none
        ),
        Field(
            ctx.t("customer_disputes"),
            ctx.t("customer_disputes_value", open=h.disputed_open, total=h.disputed_total),
        ),
    )
