"""What the receivables metrics read for a period, per currency: opening and closing balances
(counted as storage.reports.aging_report counts them, as of the day before and the last day),
credit sales, monthly sales for the countback DSO, promises resolved, and what came in against
each risk grade.

Three grouped queries in all (a million invoices stay in the database), written with plain
comparisons so they run the same on SQLite and PostgreSQL. The arithmetic is playbook.metrics.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql.elements import Grouping

from playbook.aging import AgingPolicy, RiskGrade
from playbook.metrics import CountbackMonth, PeriodInputs
from playbook.money import from_minor
from playbook.periods import Period
from storage.models import Customer, Invoice, Payment, Promise

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


@dataclass
class _Ledger:
    """One currency's figures from the ledger, in minor units."""

    opening: int = 0
    closing: int = 0
    current: int = 0
    at_risk: int = 0
    sales: int = 0
    months: list[int] = field(default_factory=lambda: [0] * COUNTBACK_MONTHS)
    # risk grade on the opening day → (owed then, paid during the period)
    grades: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """Nothing owed, sold or collected: a currency the period never saw."""
        money = (self.opening, self.closing, self.sales, *self.months)
        return not any(money) and not self.grades


def _month_starts(end: date, count: int) -> list[date]:
    """The first day of end's month and of the count-1 months before it, latest first."""
    starts = [end.replace(day=1)]
    while len(starts) < count:
        starts.append((starts[-1] - timedelta(days=1)).replace(day=1))
    return starts


def _month_days(end: date, count: int) -> list[int]:
    """The days of each countback month, latest first; the latest only up to `end`."""
    starts = _month_starts(end, count)
    return [(end - starts[0]).days + 1] + [
        (starts[k - 1] - starts[k]).days for k in range(1, count)
    ]


def _ledger(conn: Connection, period: Period, policy: AgingPolicy) -> dict[str, _Ledger]:
    ledger: dict[str, _Ledger] = defaultdict(_Ledger)
    _balances(conn, period, policy, ledger)
    _sales(conn, period, ledger)
    return dict(ledger)


def _balances(
    conn: Connection, period: Period, policy: AgingPolicy, out: dict[str, _Ledger]
) -> None:
    """Opening and closing receivables, closing current and 90+, and recovery by grade, in one
    pass over the invoices that can be open on either day.

    Owed on a day D, as storage.reports.aging_report counts it: issued by D, not written off
    by D, amount − paid + (paid after D). Only two kinds of invoice can be owed on the opening
    day or later: those open (or written off) now, and those paid after the opening day; both
    are reached as in the aging report (tests/test_metrics_reads.py checks the figures against
    aging_report itself). One query instead of two aging reports and a third for recovery:
    each would read the same invoices again.

    The grade is what the ledger alone says: days past due on the opening day and the
    customer's insolvency or dissolution (as the customer stands now). Broken promises and
    disputes, which also raise a grade in the bot's chase list, are left out: they would need
    each invoice's history as of that day, and recovery is read by age.
    """
    day0, end = period.before, period.end
    later = (
        select(
            _pay.c.invoice_id,
            func.sum(_pay.c.amount_minor).label("after0"),
            func.sum(case((_pay.c.paid_on > end, _pay.c.amount_minor), else_=literal(0))).label(
                "after1"
            ),
        )
        .where(_pay.c.paid_on > day0)
        .group_by(_pay.c.invoice_id)
        # A CTE: both halves of the union read it, and SQLite builds it once.
        .cte("later")
    )
    cols = (
        _inv.c.currency,
        _inv.c.issue_date,
        _inv.c.due_date,
        _inv.c.written_off_on,
        _inv.c.customer_id,
        (_inv.c.amount_minor - _inv.c.paid_minor + func.coalesce(later.c.after0, 0)).label("out0"),
        (_inv.c.amount_minor - _inv.c.paid_minor + func.coalesce(later.c.after1, 0)).label("out1"),
    )
    issued = _inv.c.issue_date <= end
    still_open = (
        select(*cols)
        .select_from(_inv.outerjoin(later, later.c.invoice_id == _inv.c.id))
        .where(_inv.c.status.in_(["open", "written_off"]), issued)
    )
    paid_since = (
        select(*cols)
        .select_from(later.join(_inv, _inv.c.id == later.c.invoice_id))
        .where(_inv.c.status == "paid", issued)
    )
    o = union_all(still_open, paid_since).subquery("o")

    def kept_on(day: date) -> Any:
        return and_(
            o.c.issue_date <= day, or_(o.c.written_off_on.is_(None), o.c.written_off_on > day)
        )

    def older(days: int) -> Any:
        return o.c.due_date <= day0 - timedelta(days=days)

    def customers(status: str) -> Any:
        return o.c.customer_id.in_(select(_cus.c.id).where(_cus.c.status == status))

    risk = policy.risk
    grade = case(
        (or_(customers("dissolved"), older(risk.dead_after_days)), literal("dead")),
        (or_(customers("insolvent"), older(risk.bad_after_days)), literal("bad")),
        (older(risk.doubtful_after_days), literal("doubtful")),
        (older(1), literal("in_collection")),
        else_=literal("not_due"),
    ).label("grade")
    # Grouped by what each figure asks of a row (owed on which day, due when) rather than
    # summing a CASE per figure: two sums a row instead of five, and the adding up of the
    # few hundred groups happens here.
    at_open = case((kept_on(day0), literal(1)), else_=literal(0)).label("at_open")
    at_close = case((kept_on(end), literal(1)), else_=literal(0)).label("at_close")
    # At the end: 0 not yet due (days past due ≤ 0), 2 more than 90 days past due, 1 between.
    due = case(
        (o.c.due_date >= end, literal(0)),
        (o.c.due_date <= end - timedelta(days=91), literal(2)),
        else_=literal(1),
    ).label("due")
    keys = (o.c.currency, grade, at_open, at_close, due)
    sums = [
        *_sum(conn, o.c.out0, "out0"),
        *_sum(conn, o.c.out1, "out1"),
    ]
    # Grouped by the output names: SQLite would otherwise work each CASE out twice a row.
    names = [o.c.currency, *(literal_column(k.name) for k in keys[1:])]
    rows = conn.execute(select(*keys, *sums).group_by(*names))
    for r in rows:
        led = out[r.currency]
        if r.at_open:
            owed = _minor(conn, r, "out0")
            # What came in during the period is what was owed at its start less what is owed
            # at its end (out0 − out1 = the payments dated in it), so it needs no sum of its own.
            paid_in = owed - _minor(conn, r, "out1")
            led.opening += owed
            if owed or paid_in:
                was = led.grades.get(r.grade, (0, 0))
                led.grades[r.grade] = (was[0] + owed, was[1] + paid_in)
        if r.at_close:
            owed = _minor(conn, r, "out1")
            led.closing += owed
            if r.due == 0:
                led.current += owed
            elif r.due == 2:
                led.at_risk += owed


def _sales(conn: Connection, period: Period, out: dict[str, _Ledger]) -> None:
    """Credit sales of the period and of each countback month, from sales by day: grouping by
    the issue date alone keeps the scan (issue_date has no index) as light as it can be, and
    the months are added up here."""
    count = COUNTBACK_MONTHS
    starts = _month_starts(period.end, count)
    first = min(starts[-1], period.start)
    rows = conn.execute(
        select(_inv.c.currency, _inv.c.issue_date, *_sum(conn, _inv.c.amount_minor, "s"))
        .where(_inv.c.issue_date >= first, _inv.c.issue_date <= period.end)
        .group_by(_inv.c.currency, _inv.c.issue_date)
    )
    for r in rows:
        led = out[r.currency]
        minor = _minor(conn, r, "s")
        day = r.issue_date
        if day >= period.start:
            led.sales += minor
        for k, start in enumerate(starts):
            if day >= start:
                led.months[k] += minor
                break


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
    ledger = _ledger(conn, period, policy)
    promises = _promises(conn, since, until)
    seen = {cur for cur, led in ledger.items() if not led.empty}
    currencies = sorted(seen | set(promises))
    if currency is not None:
        currencies = [c for c in currencies if c == currency]
    days = _month_days(period.end, COUNTBACK_MONTHS)
    out: list[PeriodRead] = []
    for cur in currencies:

        def major(minor: int, cur: str = cur) -> Decimal:
            return from_minor(minor, cur)

        b = ledger.get(cur, _Ledger())
        kept = promises.get(cur, {}).get("kept", (0, 0))
        broken = promises.get(cur, {}).get("broken", (0, 0))
        ordered = [g.value for g in RiskGrade if g.value in b.grades]
        inputs = PeriodInputs(
            currency=cur,
            days=period.days,
            opening=major(b.opening),
            credit_sales=major(b.sales),
            closing=major(b.closing),
            closing_current=major(b.current),
            at_risk_90=major(b.at_risk),
            months=tuple(CountbackMonth(major(v), n) for v, n in zip(b.months, days, strict=True))
            if cur in ledger
            else (),
            promises_kept=kept[0],
            promises_broken=broken[0],
            recovery_due={g: major(b.grades[g][0]) for g in ordered},
            recovery_collected={g: major(b.grades[g][1]) for g in ordered},
        )
        out.append(PeriodRead(inputs, major(kept[1]), major(broken[1])))
    return out
