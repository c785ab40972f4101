"""/ar overdue [stage|team|person|customer] [N]: what to chase first."""

from __future__ import annotations

from bot.kernel.messages import Button, Card, Command, Field, Reply, Section, Table
from handlers.common import money, person_name, resolve_customer, shorten, totals
from handlers.context import Context
from playbook.aging import AgingPolicy, Stage
from storage.offloop import Conn
from storage.overdue_page import overdue_page
from storage.queries import CustomerRef

NAME = "overdue"
ALIASES = ("逾期", "late", "od")
USAGE = "/ar overdue [stage|team|person|customer|mine] [N]"
SUMMARY = {
    "en": "Overdue invoices, most urgent first (stage: early, mid, late, pre-due)",
    "zh-CN": "逾期发票，按优先级排序（阶段：早期、中期、后期、到期前）",
}
_DEFAULT_LIMIT = 10
_MINE = {"mine", "me", "my", "我的", "我"}


async def handle(cmd: Command, ctx: Context) -> Reply:
    args = list(cmd.args)
    limit = _DEFAULT_LIMIT
    if args and args[-1].isdecimal():
        count = args.pop()
        # Compared as text first: 10**20 is not worth turning into an int to refuse it.
        limit = int(count) if len(count) <= 3 else 0
        if not 1 <= limit <= 50:
            return Reply.usage(USAGE, ctx.t("overdue_bad_limit"), ctx.locale)
    query = " ".join(args).strip()
    # Counted, totalled and ranked by the database; only the rows shown are aged here.
    return await ctx.read(_answer, ctx, query, limit)


def _answer(conn: Conn, ctx: Context, query: str, limit: int) -> Reply:
    cfg = ctx.config
    policy = cfg.aging_policy()
    owners: list[str] | None = None
    stage: Stage | None = None
    customer: CustomerRef | None = None
    label = query
    if query:
        stage = _stage(query)
        if stage is not None:
            label = stage.label(ctx.locale)
        elif query.casefold() in _MINE and ctx.person:
            owners, label = [ctx.person], person_name(ctx, ctx.person)
        elif (team := _team(ctx, query)) is not None:
            owners = cfg.team_members(team)
            label = cfg.teams[team].name or team
        elif (person := _person(ctx, query)) is not None:
            owners, label = [person], person_name(ctx, person)
        else:
            found = resolve_customer(ctx, conn, query)
            if isinstance(found, Reply):
                return found
            customer, label = found, found.title
    dpd_min, dpd_max = _days(stage, policy)
    page = overdue_page(
        conn,
        ctx.today(),
        policy,
        base_currency=cfg.company.currency,
        fx=cfg.company.fx_rates,
        limit=limit,
        dpd_min=dpd_min,
        dpd_max=dpd_max,
        owners=owners,
        customer_ids=[customer.id] if customer else None,
    )
    date = ctx.today().isoformat()
    if not page.count:
        suffix = f" ({label})" if label and not ctx.zh else (f"{label}" if label else "")
        return Reply(text=ctx.t("overdue_none", filter=suffix, date=date))
    shown = page.items
    rows = tuple(
        (
            str(n),
            shorten(i.customer.name, 26),
            i.invoice_no + (" ⚑" if i.disputed else ""),
            money(ctx, i.outstanding, i.currency),
            str(i.aging.days_past_due),
            i.aging.stage.label(ctx.locale),
            i.aging.risk.label(ctx.locale),
            person_name(ctx, i.owner),
        )
        for n, i in enumerate(shown, 1)
    )
    columns = (
        "#",
        ctx.t("customer"),
        ctx.t("invoice"),
        ctx.t("outstanding"),
        ctx.t("days"),
        ctx.t("stage"),
        ctx.t("risk"),
        ctx.t("owner"),
    )
    title = (
        ctx.t("overdue_title_filtered", filter=label, shown=len(shown), total=page.count, date=date)
        if label
        else ctx.t("overdue_title", shown=len(shown), total=page.count, date=date)
    )
    first = shown[0].customer
    card = Card(
        title=title,
        fields=(Field(ctx.t("overdue_totals"), totals(ctx, page.totals.items())),),
        sections=(Section(table=Table(columns, rows, right=(0, 3, 4))),),
        buttons=(Button(shorten(first.name, 30), f"/ar customer {first.code}"),),
        footer=ctx.t("overdue_footer")
        + (" ⚑ = " + ctx.t("disputed") if any(i.disputed for i in shown) else ""),
    )
    return Reply(card=card)


def _days(stage: Stage | None, policy: AgingPolicy) -> tuple[int, int | None]:
    """The days past due a stage covers (no stage: every overdue item)."""
    stages = policy.stages
    if stage is Stage.PRE_DUE:
        return -stages.pre_due_days, 0
    if stage is Stage.EARLY:
        return 1, stages.mid_from - 1
    if stage is Stage.MID:
        return stages.mid_from, stages.late_from - 1
    if stage is Stage.LATE:
        return stages.late_from, None
    return 1, None


def _stage(text: str) -> Stage | None:
    try:
        stage = Stage.parse(text)
    except ValueError:
        return None
    return None if stage is Stage.CURRENT else stage


def _team(ctx: Context, text: str) -> str | None:
    folded = text.casefold()
    for key, team in ctx.config.teams.items():
        names = {key.casefold()}
        if team.name:
            names.add(team.name.casefold())
            names.update(part.casefold() for part in team.name.split())
        if folded in names:
            return key
    return None


def _person(ctx: Context, text: str) -> str | None:
    folded = text.casefold().lstrip("@")
    for key, person in ctx.config.people.items():
        if folded in (key.casefold(), person.name.casefold()):
            return key
    return None
