"""/ar statement <customer> [date] [note]: the customer signed or stamped a statement of
account (对账单) on that day. A written acknowledgement of the debt restarts the limitation
period of every open invoice of the customer (PRC Civil Code art. 195), so the limitation
watch counts from it and the reply says when the period now ends."""

from __future__ import annotations

from datetime import date, timedelta

import bot.kernel.i18n_facts  # noqa: F401  (registers the texts)
from bot.kernel.messages import Command, Reply
from handlers.circle_common import actor, who, writer
from handlers.common import resolve_customer, shorten
from handlers.context import Context
from playbook.cleantext import clean_text
from playbook.days import parse_day
from playbook.decisions import allowed
from storage.acknowledgements import NOTE_MAX, invoice_clocks, record_acknowledgement
from storage.offloop import Conn
from storage.queries import CustomerRef

NAME = "statement"
ALIASES = ("对账单", "对账", "statement-of-account")
USAGE = "/ar statement <customer> [date] [note]"
SUMMARY = {
    "en": "Record a statement of account the customer signed: restarts the limitation period",
    "zh-CN": "登记客户签章的对账单：诉讼时效重新计算",
}
# Who may put an acknowledgement on record: the people who hold the signed paper.
WHO = ("finance", "legal", "manager")
FIRST_DAY = date(2000, 1, 1)
_YESTERDAY = frozenset({"yesterday", "昨天"})


def _day(text: str, today: date) -> date | None:
    if text.strip().casefold() in _YESTERDAY:
        return today - timedelta(days=1)
    return parse_day(text, today)


async def handle(cmd: Command, ctx: Context) -> Reply:
    args = [a for a in cmd.args if a]
    if not args:
        return Reply.usage(USAGE, locale=ctx.locale)
    refused = writer(ctx)
    if refused is not None:
        return refused
    if not allowed("statement", actor(ctx), {"statement": WHO}):
        return Reply.error(ctx.t("statement_who", who=who(ctx, WHO)))
    today = ctx.today()
    # The customer is every word before the first date; the note every word after it.
    at = next((i for i in range(1, len(args)) if _day(args[i], today) is not None), None)
    query = " ".join(args if at is None else args[:at]).strip("\"'")
    day = today if at is None else _day(args[at], today)
    assert day is not None
    note = clean_text(" ".join(args[at + 1 :]), NOTE_MAX) if at is not None else ""
    if not query:
        return Reply.usage(USAGE, locale=ctx.locale)
    if day > today:
        return Reply.error(ctx.t("statement_future", date=day.isoformat(), today=today.isoformat()))
    if day < FIRST_DAY:
        return Reply.error(
            ctx.t("statement_too_old", date=day.isoformat(), first=FIRST_DAY.isoformat())
        )
    found = await ctx.read(_find, ctx, query)
    if isinstance(found, Reply):
        return found
    now = ctx.clock.now()
    years = ctx.config.circle.triggers.limitation_years

    def change(conn: Conn) -> date | None:
        record_acknowledgement(
            conn,
            customer_id=found.id,
            kind="statement",
            on_date=day,
            actor=ctx.person or "?",
            now=now,
            note=note or None,
            detail={"customer": found.code},
        )
        clocks = invoice_clocks(conn, found.id, years)
        return clocks[0].ends if clocks else None

    ends = await ctx.write(change)
    if isinstance(ends, Reply):
        return ends
    lines = [
        ctx.t(
            "statement_done",
            customer=shorten(found.title, 60),
            date=day.isoformat(),
            years=years,
        )
    ]
    lines.append(
        ctx.t("statement_ends", ends=ends.isoformat())
        if ends is not None
        else ctx.t("statement_no_open")
    )
    return Reply(text="\n".join(lines), ephemeral=False)


def _find(conn: Conn, ctx: Context, query: str) -> CustomerRef | Reply:
    return resolve_customer(ctx, conn, query)
