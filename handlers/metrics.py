"""/ar metrics [period] [currency]: DSO, CEI, percent current, amount at risk, promises kept,
recovery by risk grade, and the circle's scorecard, for a month (last month by default), a
quarter, a year or a range of days."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from bot.kernel.messages import Card, Command, Field, Reply, Section, Table
from handlers.common import money, person_name, shorten
from handlers.context import Context
from playbook import metrics as m
from playbook.aging import RiskGrade
from playbook.periods import Period, PeriodError, clip, last_month, parse_period
from storage.metrics_report import CurrencyMetrics, MetricsReport, metrics_report, minutes
from storage.offloop import Conn

NAME = "metrics"
ALIASES = ("指标", "kpi")
USAGE = "/ar metrics [YYYY-MM | YYYY-Qn | YYYY | FROM..TO] [currency]"
SUMMARY = {
    "en": "DSO, CEI, percent current, at risk, promises kept and the circle's scorecard",
    "zh-CN": "DSO、CEI、未到期占比、风险金额、承诺兑现与响应圈成绩",
}
_CURRENCY = re.compile(r"[A-Za-z]{3}")
# The waiting list on a chat card: the first few, then a count (the CLI lists them all).
_WAITING_SHOWN = 8
_GRADES = {g.value: g for g in RiskGrade}


async def handle(cmd: Command, ctx: Context) -> Reply:
    words = list(cmd.args)
    currency = None
    if words and _CURRENCY.fullmatch(words[-1]):
        currency = words.pop().upper()
    text = "".join(words)
    today = ctx.today()
    try:
        period = clip(parse_period(text) if text else last_month(today), today)
    except PeriodError as exc:
        shown = shorten(text, 40)
        if exc.code == "not_started":
            problem = ctx.t("metrics_not_started", text=shown, today=today.isoformat())
        elif exc.code == "reversed":
            problem = ctx.t("metrics_reversed_period", text=shown)
        else:
            problem = ctx.t("metrics_bad_period", text=shown)
        return Reply.usage(USAGE, problem, ctx.locale)
    return await ctx.read(_answer, ctx, period, currency)


def _answer(conn: Conn, ctx: Context, period: Period, currency: str | None) -> Reply:
    report = metrics_report(
        conn,
        period,
        ctx.config.aging_policy(),
        zone=ctx.config.company.zone,
        now=ctx.clock.now(),
        currency=currency,
        contacts=ctx.circle.teams,
    )
    return Reply(card=_card(ctx, report, currency))


def _num(ctx: Context, value: Decimal | None, key: str | None = None) -> str:
    shown = m.rounded(value)
    if shown is None:
        return "—"
    text = f"{shown:,}"
    return ctx.t(key, value=text) if key else text


def _pct(value: Decimal | None) -> str:
    shown = m.rounded(value)
    return "—" if shown is None else f"{shown:,}%"


def _currency_section(ctx: Context, c: CurrencyMetrics) -> Section:
    i, x = c.inputs, c.metrics
    cur = i.currency
    fields = [
        Field(
            ctx.t("metrics_balances"),
            ctx.t(
                "metrics_balances_value",
                opening=money(ctx, i.opening, cur),
                closing=money(ctx, i.closing, cur),
                sales=money(ctx, i.credit_sales, cur),
            ),
        ),
        Field(
            ctx.t("metrics_dso"),
            ctx.t(
                "metrics_dso_value",
                dso=_num(ctx, x.dso, "metrics_days"),
                countback=_num(ctx, x.dso_countback, "metrics_days"),
            ),
        ),
        Field(ctx.t("metrics_best"), _num(ctx, x.best_possible_dso, "metrics_days")),
        Field(ctx.t("metrics_add"), _num(ctx, x.add, "metrics_days")),
        Field(ctx.t("metrics_cei"), _pct(x.cei)),
        Field(ctx.t("metrics_current"), _pct(x.percent_current)),
        Field(
            ctx.t("metrics_at_risk"),
            ctx.t(
                "metrics_share_of",
                amount=money(ctx, i.at_risk_90, cur),
                share=_pct(x.at_risk_share),
            ),
        ),
        Field(
            ctx.t("metrics_promises"),
            ctx.t(
                "metrics_promises_value",
                kept=i.promises_kept,
                total=i.promises_kept + i.promises_broken,
                rate=_pct(x.promise_kept_rate),
            ),
        ),
    ]
    if x.recovery:
        due, got = i.recovery_due or {}, i.recovery_collected or {}
        lines = [
            ctx.t(
                "metrics_recovery_line",
                grade=_GRADES[g].label(ctx.locale) if g in _GRADES else g,
                collected=money(ctx, got.get(g, Decimal(0)), cur),
                owed=money(ctx, due.get(g, Decimal(0)), cur),
                rate=_pct(rate),
            )
            for g, rate in x.recovery.items()
        ]
        fields.append(Field(ctx.t("metrics_recovery"), "\n".join(lines)))
    return Section(title=cur, fields=tuple(fields))


def _team_name(ctx: Context, team: str) -> str:
    found = ctx.config.teams.get(team)
    return found.name if found is not None and found.name else team


def _circle_section(ctx: Context, report: MetricsReport) -> Section:
    sc = report.circle
    title = ctx.t("metrics_circle", opened=sc.opened, closed=sc.closed)
    if not sc.teams:
        return Section(title=title, text=ctx.t("metrics_circle_none"))
    columns = tuple(
        ctx.t(k)
        for k in (
            "metrics_team",
            "metrics_seats",
            "metrics_on_time",
            "metrics_median",
            "metrics_p90",
            "metrics_escalations",
            "metrics_waiting",
        )
    )
    rows: list[tuple[str, ...]] = []
    waits: list[str] = []
    for team, s in sc.teams.items():
        name = _team_name(ctx, team)
        share = None if s.share is None else s.share * 100
        rows.append(
            (
                shorten(name, 20),
                str(s.seats),
                _pct(share),
                _num(ctx, minutes(s.median_answer), "metrics_minutes"),
                _num(ctx, minutes(s.p90_answer), "metrics_minutes"),
                " ".join(f"L{k}:{v}" for k, v in sorted(s.escalations.items())) or "-",
                str(len(s.waiting)),
            )
        )
        for w in s.waiting:
            who = ", ".join(person_name(ctx, p) for p in w.who) or ctx.t("metrics_nobody")
            waits.append(
                ctx.t(
                    "metrics_waits_on",
                    team=name,
                    case=w.case_id,
                    customer=shorten(w.customer, 30),
                    who=who,
                )
            )
    text_lines: list[str] = waits[:_WAITING_SHOWN]
    if len(waits) > _WAITING_SHOWN:
        text_lines.append(ctx.t("metrics_waits_more", count=len(waits) - _WAITING_SHOWN))
    return Section(
        title=title,
        table=Table(columns, tuple(rows), right=(1, 2, 3, 4, 6)),
        text="\n".join(text_lines),
    )


def _card(ctx: Context, report: MetricsReport, currency: str | None) -> Card:
    p = report.period
    sections: list[Section] = [_currency_section(ctx, c) for c in report.currencies]
    if not sections:
        key: Any = "metrics_none_currency" if currency else "metrics_none"
        sections.append(Section(text=ctx.t(key, period=p.label, currency=currency or "")))
    sections.append(_circle_section(ctx, report))
    return Card(
        title=ctx.t(
            "metrics_title",
            period=p.label,
            start=p.start.isoformat(),
            end=p.end.isoformat(),
            days=p.days,
        ),
        sections=tuple(sections),
        footer=ctx.t("metrics_footer", period=p.label),
    )
