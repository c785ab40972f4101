"""The receivables metrics finance and managers read: DSO (simple and countback), best possible
DSO, average days delinquent, CEI, percent current, amount at risk, promise-kept rate, recovery
by risk grade, and the medians and percentiles of the circle's answer times.

Pure arithmetic over Decimal and timedelta: no SQL, no clock. A ratio whose denominator is zero
is None (shown as "—"): a period without credit sales has no DSO, it does not crash.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal

__all__ = [
    "CountbackMonth",
    "PeriodInputs",
    "PeriodMetrics",
    "add_days",
    "at_risk_share",
    "best_possible_dso",
    "cei",
    "compute",
    "dso_countback",
    "dso_simple",
    "median",
    "median_span",
    "percent_current",
    "percentile",
    "percentile_span",
    "promise_kept_rate",
    "ratio",
    "recovery_rates",
    "rounded",
]

_HUNDRED = Decimal(100)
_MICRO = 1_000_000


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """numerator ÷ denominator, or None when the denominator is zero."""
    if denominator == 0:
        return None
    return numerator / denominator


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    # × 100 before ÷, so 50,000 of 80,000 is exactly 62.5.
    if whole == 0:
        return None
    return part * _HUNDRED / whole


def rounded(value: Decimal | None, places: int = 2) -> Decimal | None:
    """For showing: half-even to `places` decimals (None stays None)."""
    if value is None:
        return None
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


# --- percentiles ----------------------------------------------------------------------------


def percentile(values: Sequence[Decimal], p: Decimal | int) -> Decimal | None:
    """The p-th percentile (0..100), interpolating linearly between the closest ranks.

    The "inclusive" definition (Excel PERCENTILE.INC, numpy's default): the 50th is the
    median, the 0th the least and the 100th the greatest value. Hand-written because
    statistics.quantiles only gives whole cut points and works in float.
    """
    if not values:
        return None
    share = Decimal(p)
    if not 0 <= share <= _HUNDRED:
        raise ValueError(f"percentile must be between 0 and 100, got {p}")
    ordered = sorted(values)
    rank = share / _HUNDRED * (len(ordered) - 1)
    low = int(rank)  # floor: rank is never negative
    high = min(low + 1, len(ordered) - 1)
    fraction = rank - low
    return ordered[low] + (ordered[high] - ordered[low]) * fraction


def median(values: Sequence[Decimal]) -> Decimal | None:
    return percentile(values, 50)


def percentile_span(spans: Sequence[timedelta], p: Decimal | int) -> timedelta | None:
    """percentile() over durations, exact to the microsecond (half-even)."""
    micros = [Decimal(s // timedelta(microseconds=1)) for s in spans]
    result = percentile(micros, p)
    if result is None:
        return None
    return timedelta(microseconds=int(result.to_integral_value(ROUND_HALF_EVEN)))


def median_span(spans: Sequence[timedelta]) -> timedelta | None:
    return percentile_span(spans, 50)


# --- receivables metrics ----------------------------------------------------------------------


def dso_simple(closing: Decimal, credit_sales: Decimal, days: int) -> Decimal | None:
    """Closing receivables ÷ credit sales of the period × days in the period.

    None unless something was sold: with credit notes outweighing invoices the "sales" are
    negative and a negative number of days means nothing. Multiplied before dividing, so a
    whole result stays whole (40, not 39.99…).
    """
    if credit_sales <= 0:
        return None
    return closing * days / credit_sales


def best_possible_dso(closing_current: Decimal, credit_sales: Decimal, days: int) -> Decimal | None:
    """Closing current (not yet due) receivables ÷ credit sales × days: the DSO if every
    customer paid on time."""
    return dso_simple(closing_current, credit_sales, days)


def add_days(dso: Decimal | None, best: Decimal | None) -> Decimal | None:
    """Average days delinquent: DSO − best possible DSO."""
    if dso is None or best is None:
        return None
    return dso - best


@dataclass(frozen=True)
class CountbackMonth:
    """One month's credit sales and its length in days (latest month first in a list)."""

    sales: Decimal
    days: int


def dso_countback(closing: Decimal, months: Sequence[CountbackMonth]) -> Decimal | None:
    """Countback DSO: walk back month by month from the latest, taking each month's days while
    its sales fit inside what is still owed, then the fraction of the month that covers the
    rest. None without sales to count back against (nothing sold, yet something owed: the
    receivables are older than the months given, so no day count is honest).

    A month with zero or negative sales (credit notes outweighing invoices) is passed over
    whole: it explains none of the balance but the balance is at least that old.
    """
    if closing <= 0:
        return Decimal(0)
    left = closing
    days = Decimal(0)
    for month in months:
        if month.sales <= 0:
            days += month.days
            continue
        if left <= month.sales:
            return days + left * month.days / month.sales
        left -= month.sales
        days += month.days
    return None


def cei(
    opening: Decimal, credit_sales: Decimal, closing: Decimal, closing_current: Decimal
) -> Decimal | None:
    """Collection effectiveness index (Credit Research Foundation), in percent:
    (opening + credit sales − closing) ÷ (opening + credit sales − closing current) × 100."""
    return _percent(opening + credit_sales - closing, opening + credit_sales - closing_current)


def percent_current(closing_current: Decimal, closing: Decimal) -> Decimal | None:
    return _percent(closing_current, closing)


def at_risk_share(at_risk: Decimal, closing: Decimal) -> Decimal | None:
    """The amount 90+ days past due as a percentage of closing receivables."""
    return _percent(at_risk, closing)


def promise_kept_rate(kept: int, broken: int) -> Decimal | None:
    """Kept ÷ (kept + broken) × 100 of the promises resolved in the period. Replaced promises
    are neither: the customer made a new one before this one fell due."""
    return _percent(Decimal(kept), Decimal(kept + broken))


def recovery_rates(
    collected: Mapping[str, Decimal], due: Mapping[str, Decimal]
) -> dict[str, Decimal | None]:
    """Per risk grade: collected in the period ÷ what was owed at its start × 100."""
    # In the order given (the caller's severity order), then any grade only money came in on.
    grades = list(dict.fromkeys([*due, *collected]))
    out: dict[str, Decimal | None] = {}
    for grade in grades:
        out[grade] = _percent(collected.get(grade, Decimal(0)), due.get(grade, Decimal(0)))
    return out


# --- one currency's period ----------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodInputs:
    """What storage reads for one currency and period (major units)."""

    currency: str
    days: int  # days in the period
    opening: Decimal  # receivables as of the day before the period starts
    credit_sales: Decimal  # invoices issued in the period, credit notes negative
    closing: Decimal  # receivables as of the period's last day
    closing_current: Decimal  # of which not yet due
    at_risk_90: Decimal  # of which 90+ days past due
    months: tuple[CountbackMonth, ...] = ()  # for countback, latest first
    promises_kept: int = 0
    promises_broken: int = 0
    recovery_collected: Mapping[str, Decimal] | None = None
    recovery_due: Mapping[str, Decimal] | None = None


@dataclass(frozen=True)
class PeriodMetrics:
    dso: Decimal | None
    dso_countback: Decimal | None
    best_possible_dso: Decimal | None
    add: Decimal | None
    cei: Decimal | None
    percent_current: Decimal | None
    at_risk_share: Decimal | None
    promise_kept_rate: Decimal | None
    recovery: dict[str, Decimal | None]


def compute(inputs: PeriodInputs) -> PeriodMetrics:
    dso = dso_simple(inputs.closing, inputs.credit_sales, inputs.days)
    best = best_possible_dso(inputs.closing_current, inputs.credit_sales, inputs.days)
    return PeriodMetrics(
        dso=dso,
        dso_countback=dso_countback(inputs.closing, inputs.months),
        best_possible_dso=best,
        add=add_days(dso, best),
        cei=cei(inputs.opening, inputs.credit_sales, inputs.closing, inputs.closing_current),
        percent_current=percent_current(inputs.closing_current, inputs.closing),
        at_risk_share=at_risk_share(inputs.at_risk_90, inputs.closing),
        promise_kept_rate=promise_kept_rate(inputs.promises_kept, inputs.promises_broken),
        recovery=recovery_rates(inputs.recovery_collected or {}, inputs.recovery_due or {}),
    )
