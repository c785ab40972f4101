"""/ar check <customer>: before sales takes a new order — credit hold, overdue, open case."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.messages import Card, Command, Field, Reply, Section
from handlers.common import resolve_customer, totals
from handlers.context import Context
from playbook.money import format_money, from_minor
from storage.circle import active_case_for
from storage.models import Case, Customer, Promise
from storage.queries import open_items

NAME = "check"
ALIASES = ("查信用", "credit")
USAGE = "/ar check <customer>"
SUMMARY = {
    "en": "Credit check before a new order: hold, overdue amount, open case, broken promises",
    "zh-CN": "接新订单前的信用检查：冻结、逾期金额、进行中的案件、未兑现承诺",
}
_prom = Promise.__table__  # type: ignore[attr-defined]
_case = Case.__table__  # type: ignore[attr-defined]
_cus = Customer.__table__  # type: ignore[attr-defined]


async def handle(cmd: Command, ctx: Context) -> Reply:
    query = cmd.text.strip().strip("\"'")
    if not query:
        return Reply.usage(USAGE, locale=ctx.locale)
    cfg = ctx.config
    with ctx.db.engine.connect() as conn:
        found = resolve_customer(ctx, conn, query)
        if isinstance(found, Reply):
            return found
        items = open_items(
            conn,
            ctx.today(),
            cfg.aging_policy(),
            base_currency=cfg.company.currency,
            fx=cfg.company.fx_rates,
            customer_ids=[found.id],
        )
        case_id = active_case_for(conn, found.id)
        status = (
            conn.execute(select(_case.c.status).where(_case.c.id == case_id)).scalar_one()
            if case_id
            else None
        )
        broken = conn.execute(
            select(func.count()).where(_prom.c.customer_id == found.id, _prom.c.status == "broken")
        ).scalar_one()
        limit = conn.execute(
            select(_cus.c.credit_limit_minor, _cus.c.credit_currency).where(_cus.c.id == found.id)
        ).one()
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
    if limit.credit_limit_minor is not None and limit.credit_currency:
        amount = from_minor(limit.credit_limit_minor, limit.credit_currency)
        fields.append(
            Field(ctx.t("check_limit"), format_money(amount, limit.credit_currency, ctx.locale))
        )
    return Reply(
        card=Card(
            title=ctx.t("check_title", customer=found.title),
            sections=(Section(text="\n".join(lines), fields=tuple(fields)),),
        )
    )
