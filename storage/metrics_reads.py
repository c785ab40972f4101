"""What the receivables metrics read for a period, per currency: opening and closing balances
(the aging report as of the day before and the last day), credit sales, monthly sales for the
countback DSO, promises resolved, and what came in against each risk grade.

Every read is one grouped query (a million invoices stay in the database), written with plain
comparisons so it runs the same on SQLite and PostgreSQL. The arithmetic is playbook.metrics.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, case, func, literal, or_, select
from sqlalchemy.sql.elements import Grouping

from playbook.aging import AgingPolicy, RiskGrade, make_buckets
from playbook.metrics import CountbackMonth, PeriodInputs
from playbook.money import from_minor
from playbook.periods import Period
from storage.models import Customer, Invoice, Payment, Promise
from storage.reports import AgingReport, aging_report

__all__ = ["COUNTBACK_MONTHS", "PeriodRead", "period_inputs"]

_inv = Invoice.__table__  # type: ignore[attr-defined]
_pay = Payment.__table__  # type: ignore[attr-defined]
_cus = Customer.__table__  # type: ignore[attr-defined]
_prom = Promise.__table__  # type: ignore[attr-defined]

# How far back the countback DSO may look; a balance older than a year of sales has no
# honest day count (playbook.metrics.dso_countback gives None).
COUNTBACK_MONTHS = 12
# The same two-halves sum as storage.reports: SQLite's SUM stops at 2**63.
_HALF = 1 << 32
# Current, 1-90, 90+: the at-risk line is "more than 90 days past due" whatever buckets the
# config shows in its aging report.
_RISK_BUCKETS = make_buckets([90])


@dataclass(frozen=True)
class PeriodRead:
    """One currency's inputs, and the promise amounts the table shows beside the rate."""

    inputs: PeriodInputs
    promised_kept: Decimal = Decimal(0)
    promised_broken: Decimal = Decimal(0)


def _sum(conn: Connection, expr: Any, name: str) -> list[Any]:
    # Parenthesised: `.op()` does not know that `a - b + c` binds looser than `%`.
    expr = Grouping(expr)
    if conn.dialect.name == "sqlite":
        return [
            func.sum(expr.op("/")(literal(_HALF))).label(f"{name}_hi"),
            func.sum(expr.op("%")(literal(_HALF))).label(f"{name}_lo"),
        ]
    return [func.sum(expr).label(f"{name}_hi"), literal(0).label(f"{name}_lo")]


def _minor(conn: Connection, row: Any, name: str) -> int:
    hi, lo = getattr(row, f"{name}_hi"), getattr(row, f"{name}_lo")
    scale = _HALF if conn.dialect.name == "sqlite" else 1
    return int(hi or 0) * scale + int(lo or 0)


def _balances(report: AgingReport) -> dict[str, tuple[int, int, int]]:
    """currency → (total, current, 90+) in minor units."""
    return {
        line.currency: (line.minor, line.buckets[0].minor, line.buckets[-1].minor)
        for line in report.totals
    }


def _credit_sales(conn: Connection, start: date, end: date) -> dict[str, int]:
    rows = conn.execute(
        select(_inv.c.currency, *_sum(conn, _inv.c.amount_minor, "s"))
        .where(_inv.c.issue_date >= start, _inv.c.issue_date <= end)
        .group_by(_inv.c.currency)
    )
    return {r.currency: _minor(conn, r, "s") for r in rows}


def _month_starts(end: date, count: int) -> list[date]:
    """The first day of end's month and of the count-1 months before it, latest first."""
    starts = [end.replace(day=1)]
    while len(starts) < count:
        starts.append((starts[-1] - timedelta(days=1)).replace(day=1))
    return starts


def _monthly_sales(
    conn: Connection, end: date, count: int
) -> dict[str, tuple[CountbackMonth, ...]]:
    starts = _month_starts(end, count)
    # Month k (0 = end's own month) is the first cutoff the issue date reaches, latest first;
    # the month of `end` only counts its days up to `end`.
    month_no = case(
        *((_inv.c.issue_date >= s, literal(k)) for k, s in enumerate(starts[:-1])),
        else_=literal(len(starts) - 1),
    ).label("k")
    rows = conn.execute(
        select(_inv.c.currency, month_no, *_sum(conn, _inv.c.amount_minor, "s"))
        .where(_inv.c.issue_date >= starts[-1], _inv.c.issue_date <= end)
        .group_by(_inv.c.currency, month_no)
    )
    days = [(end - starts[0]).days + 1] + [
        (starts[k - 1] - starts[k]).days for k in range(1, len(starts))
    ]
    sales: dict[str, list[int]] = defaultdict(lambda: [0] * len(starts))
    for r in rows:
        sales[r.currency][int(r.k)] = _minor(conn, r, "s")
    return {
        cur: tuple(
            CountbackMonth(from_minor(minor, cur), days[k]) for k, minor in enumerate(by_month)
        )
        for cur, by_month in sales.items()
    }


def _promises(
    conn: Connection, since: datetime, until: datetime
) -> dict[str, dict[str, tuple[int, int]]]:
    """currency → status (kept / broken) → (count, amount in minor units)."""
    rows = conn.execute(
        select(
            _prom.c.currency,
            _prom.c.status,
            func.count().label("n"),
            *_sum(conn, _prom.c.amount_minor, "a"),
        )
        .where(
            _prom.c.status.in_(("kept", "broken")),
            _prom.c.resolved_at >= since,
            _prom.c.resolved_at < until,
        )
        .group_by(_prom.c.currency, _prom.c.status)
    )
    out: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for r in rows:
        out[r.currency][r.status] = (int(r.n), _minor(conn, r, "a"))
    return out


def _recovery(
    conn: Connection, period: Period, policy: AgingPolicy
) -> dict[str, dict[str, tuple[int, int]]]:
    """currency → risk grade at the period's start → (owed then, paid during the period).

    The grade is what the ledger alone says: days past due on the opening day and the
    customer's insolvency or dissolution (as the customer stands now). Broken promises and
    disputes, which also raise a grade in the bot's chase list, are left out here: they would
    need each invoice's history as of that day, and recovery is read by age.
    """
    day0 = period.before
    risk = policy.risk
    later = (
        select(
            _pay.c.invoice_id,
            func.sum(_pay.c.amount_minor).label("after"),
            func.sum(
                case((_pay.c.paid_on <= period.end, _pay.c.amount_minor), else_=literal(0))
            ).label("within"),
        )
        .where(_pay.c.paid_on > day0)
        .group_by(_pay.c.invoice_id)
        .subquery("later")
    )
    # Open on day0, as in storage.reports.aging_report: what is open (or written off) now, and
    # what was paid after day0.
    live = and_(
        _inv.c.issue_date <= day0,
        or_(_inv.c.written_off_on.is_(None), _inv.c.written_off_on > day0),
        or_(_inv.c.status.in_(("open", "written_off")), later.c.after.is_not(None)),
    )
    owed = _inv.c.amount_minor - _inv.c.paid_minor + func.coalesce(later.c.after, 0)
    collected = func.coalesce(later.c.within, 0)

    def older(days: int) -> Any:
        return _inv.c.due_date <= day0 - timedelta(days=days)

    grade = case(
        (or_(_cus.c.status == "dissolved", older(risk.dead_after_days)), literal("dead")),
        (or_(_cus.c.status == "insolvent", older(risk.bad_after_days)), literal("bad")),
        (older(risk.doubtful_after_days), literal("doubtful")),
        (older(1), literal("in_collection")),
        else_=literal("not_due"),
    ).label("grade")
    rows = conn.execute(
        select(_inv.c.currency, grade, *_sum(conn, owed, "o"), *_sum(conn, collected, "c"))
        .select_from(
            _inv.outerjoin(later, later.c.invoice_id == _inv.c.id).join(
                _cus, _cus.c.id == _inv.c.customer_id
            )
        )
        .where(live, owed != 0)
        .group_by(_inv.c.currency, grade)
    )
    out: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for r in rows:
        out[r.currency][r.grade] = (_minor(conn, r, "o"), _minor(conn, r, "c"))
    return out


def period_inputs(
    conn: Connection,
    period: Period,
    policy: AgingPolicy,
    *,
    since: datetime,
    until: datetime,
    currency: str | None = None,
) -> list[PeriodRead]:
    """Per currency (sorted), everything playbook.metrics.compute needs for `period`.

    `since`/`until` are the period's first and last-plus-one midnights in the company's
    time zone: promises are resolved at moments, the ledger moves by days.
    """
    risk_policy = replace(policy, buckets=_RISK_BUCKETS)
    opening = _balances(aging_report(conn, period.before, risk_policy))
    closing = _balances(aging_report(conn, period.end, risk_policy))
    sales = _credit_sales(conn, period.start, period.end)
    months = _monthly_sales(conn, period.end, COUNTBACK_MONTHS)
    promises = _promises(conn, since, until)
    recovery = _recovery(conn, period, policy)
    currencies = sorted(set(opening) | set(closing) | set(sales) | set(promises) | set(recovery))
    if currency is not None:
        currencies = [c for c in currencies if c == currency]
    out: list[PeriodRead] = []
    for cur in currencies:

        def major(minor: int, cur: str = cur) -> Decimal:
            return from_minor(minor, cur)

        total, current, at_risk = closing.get(cur, (0, 0, 0))
        kept = promises.get(cur, {}).get("kept", (0, 0))
        broken = promises.get(cur, {}).get("broken", (0, 0))
        grades = recovery.get(cur, {})
        ordered = [g.value for g in RiskGrade if g.value in grades]
        inputs = PeriodInputs(
            currency=cur,
            days=period.days,
            opening=major(opening.get(cur, (0, 0, 0))[0]),
            credit_sales=major(sales.get(cur, 0)),
            closing=major(total),
            closing_current=major(current),
            at_risk_90=major(at_risk),
            months=months.get(cur, ()),
            promises_kept=kept[0],
            promises_broken=broken[0],
            recovery_due={g: major(grades[g][0]) for g in ordered},
            recovery_collected={g: major(grades[g][1]) for g in ordered},
        )
        out.append(PeriodRead(inputs, major(kept[1]), major(broken[1])))
    return out
