"""/ar check <customer>: before sales takes a new order — credit hold, overdue, open case."""

from __future__ import annotations

from bot.kernel.messages import Card, Command, Field, Reply, Section
from handlers.common import customer_items, resolve_customer, totals
from handlers.context import Context
from playbook.money import format_money
from storage.circle import active_case_for
from storage.circle_reads import case_status
from storage.customer_facts import broken_promises, credit_limit
from storage.offloop import Conn

NAME = "check"
ALIASES = ("查信用", "credit")
USAGE = "/ar check <customer>"
SUMMARY = {
    "en": "Credit check before a new order: hold, overdue amount, open case, broken promises",
    "zh-CN": "接新订单前的信用检查：冻结、逾期金额、进行中的案件、未兑现承诺",
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
    case_id = active_case_for(conn, found.id)
    status = case_status(conn, case_id) if case_id else None
    broken = broken_promises(conn, found.id)
    limit = credit_limit(conn, found.id)
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
    if not lines:
        lines.append(ctx.t("check_ok"))
    # Each field's label says what its value is; the value is only the figure.
    fields = []
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
    if limit is not None:
        amount, currency = limit
        fields.append(Field(ctx.t("check_limit"), format_money(amount, currency, ctx.locale)))
    return Reply(
        card=Card(
            title=ctx.t("check_title", customer=found.title),
            sections=(Section(text="\n".join(lines), fields=tuple(fields)),),
        )
    )
