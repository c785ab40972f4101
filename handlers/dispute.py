"""/ar dispute <invoice> <reason>: the customer disputes an invoice; the circle takes it up."""

from __future__ import annotations

from bot.kernel.messages import Command, Reply
from handlers.circle_common import writer
from handlers.common import shorten
from handlers.context import Context
from playbook.aging import stage_for
from storage.circle import Opened, active_case_for, mark_disputed, open_case
from storage.customer_facts import invoice_by_number
from storage.offloop import Conn

NAME = "dispute"
ALIASES = ("争议", "disputed")
USAGE = "/ar dispute <invoice number> <reason>"
SUMMARY = {
    "en": "Mark an invoice disputed (quality, quantity, price...) and call the circle",
    "zh-CN": "将发票标记为争议（质量、数量、价格……）并召集各方",
}


async def handle(cmd: Command, ctx: Context) -> Reply:
    if len(cmd.args) < 2:
        return Reply.usage(USAGE, locale=ctx.locale)
    refused = writer(ctx)
    if refused is not None:
        return refused
    number, reason = cmd.args[0], " ".join(cmd.args[1:]).strip()
    invoice = await ctx.read(invoice_by_number, number)
    if invoice is None:
        return Reply.error(ctx.t("no_invoice", invoice=shorten(number, 40)))
    today = ctx.today()
    now = ctx.clock.now()
    stage = stage_for((today - invoice.due_date).days, ctx.circle.aging.stages).value
    if stage == "current":
        stage = "pre_due"

    def change(conn: Conn) -> tuple[bool, int]:
        fresh = mark_disputed(
            conn, invoice_id=invoice.id, reason=reason, person=ctx.person or "?", now=now
        )
        opened: Opened | None = open_case(
            conn,
            ctx.circle,
            customer_id=invoice.customer_id,
            trigger="dispute",
            # One dispute per invoice opens the circle; a second reason joins the same case.
            keys=[(f"dispute:{invoice.id}", invoice.id)],
            stage=stage,
            actor=ctx.person or "?",
            now=now,
            today=today,
            detail={"reason": reason, "invoice_no": number},
        )
        case_id = opened.case_id if opened else active_case_for(conn, invoice.customer_id)
        return fresh, case_id or 0

    done = await ctx.write(change)
    if isinstance(done, Reply):
        return done
    fresh, case_id = done
    key = "dispute_done" if fresh else "dispute_again"
    return Reply(
        text=ctx.t(key, invoice=number, reason=reason, case=case_id or "-"), ephemeral=False
    )
