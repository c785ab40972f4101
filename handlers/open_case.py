"""/ar open <customer|invoice>: start a circle by hand."""

from __future__ import annotations

import secrets

from bot.kernel.cards import minutes
from bot.kernel.messages import Command, Reply
from bot.kernel.when import day_time
from handlers.circle_common import writer
from handlers.common import resolve_customer
from handlers.context import Context
from playbook import circle as machine
from playbook.aging import stage_for
from storage.circle import Opened, active_case_for, open_case
from storage.customer_facts import customer_of_invoice, open_invoice_dues
from storage.offloop import Conn
from storage.queries import CustomerRef

NAME = "open"
ALIASES = ("开圈", "开案", "start")
USAGE = "/ar open <customer or invoice number>"
SUMMARY = {
    "en": "Open a response circle for a customer: sales, finance and legal must answer",
    "zh-CN": "为客户开启响应圈：销售、财务、法务须在时限内答复",
}


async def handle(cmd: Command, ctx: Context) -> Reply:
    query = cmd.text.strip().strip("\"'")
    if not query:
        return Reply.usage(USAGE, locale=ctx.locale)
    refused = writer(ctx)
    if refused is not None:
        return refused
    found = await ctx.read(_customer, ctx, query)
    if isinstance(found, Reply):
        return found
    customer = found
    today = ctx.today()
    now = ctx.clock.now()

    def change(conn: Conn) -> Opened | Reply:
        existing = active_case_for(conn, customer.id)
        if existing is not None:
            return Reply.error(ctx.t("open_exists", customer=customer.name, case=existing))
        items = open_invoice_dues(conn, customer.id)
        if not items:
            return Reply.error(ctx.t("open_nothing", customer=customer.name))
        worst = max((today - due).days for _, due in items)
        stage = stage_for(worst, ctx.circle.aging.stages).value
        if stage == "current":
            stage = "pre_due"
        tag = secrets.token_hex(4)
        opened = open_case(
            conn,
            ctx.circle,
            customer_id=customer.id,
            trigger="manual",
            keys=[(f"manual:{customer.id}:{tag}:{invoice}", invoice) for invoice, _ in items],
            stage=stage,
            actor=ctx.person or "?",
            now=now,
            today=today,
        )
        assert opened is not None  # fresh keys always fire
        return opened

    result = await ctx.write(change)
    if isinstance(result, Reply):
        return result
    policy = ctx.circle.policy
    window = minutes(policy.window)
    if machine.is_open(now, policy):
        text = ctx.t("open_done", case=result.case_id, customer=customer.name, window=window)
    else:
        until = day_time(machine.next_open(now, policy), ctx.config, now, ctx.locale)
        text = ctx.t(
            "open_done_paused",
            case=result.case_id,
            customer=customer.name,
            window=window,
            until=until,
        )
    return Reply(text=text, ephemeral=False)


def _customer(conn: Conn, ctx: Context, query: str) -> CustomerRef | Reply:
    """An invoice number names its customer; anything else is looked up as a customer."""
    by_invoice = customer_of_invoice(conn, query)
    return by_invoice if by_invoice is not None else resolve_customer(ctx, conn, query)
