"""/ar case [id]: one case's card, or the list of open cases."""

from __future__ import annotations

from bot.kernel.cards import case_card, team_name
from bot.kernel.messages import Button, Card, Command, Reply, Section
from handlers.circle_common import case_number
from handlers.context import Context
from storage.circle import CaseSummary, list_cases, load_case
from storage.offloop import Conn

NAME = "case"
ALIASES = ("案件", "cases", "circle")
USAGE = "/ar case [case number]"
SUMMARY = {
    "en": "A case's card (who must answer, inputs, promises, decision), or the open cases",
    "zh-CN": "查看案件卡片（谁需答复、各方意见、承诺、决定），或列出进行中的案件",
}


async def handle(cmd: Command, ctx: Context) -> Reply:
    if not cmd.args:
        return _listing(ctx, await ctx.read(list_cases))
    number = case_number(ctx, cmd.args[0], USAGE)
    if isinstance(number, Reply):
        return number
    return await ctx.read(_card, ctx, number)


def _card(conn: Conn, ctx: Context, number: int) -> Reply:
    # The card is built in the database thread too: a case may hold many invoices.
    view = load_case(conn, number)
    if view is None:
        return Reply.error(ctx.t("no_case", case=number))
    return Reply(card=case_card(view, ctx.config, ctx.clock.now(), ctx.locale))


def _listing(ctx: Context, cases: list[CaseSummary]) -> Reply:
    if not cases:
        return Reply(text=ctx.t("cases_none"))
    lines = []
    for c in cases:
        waiting = (
            ctx.t("cases_waiting", teams=", ".join(team_name(ctx.config, t) for t in c.waiting))
            if c.waiting
            else ""
        )
        lines.append(
            ctx.t(
                "cases_line",
                case=c.id,
                customer=c.customer_name,
                status=ctx.t(f"case_status_{c.status}"),
                waiting=waiting,
            )
        )
    buttons = tuple(Button(f"#{c.id}", f"/ar case {c.id}") for c in cases[:5])
    return Reply(
        card=Card(
            title=ctx.t("cases_title", count=len(cases)),
            sections=(Section(text="\n".join(lines)),),
            buttons=buttons,
        )
    )
