"""Each metric of playbook.metrics against an example worked out by hand (the arithmetic is in
the comments), and every zero denominator giving None instead of an exception."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from playbook import metrics as m
from playbook.metrics import CountbackMonth, PeriodInputs
from playbook.periods import PeriodError, clip, last_month, parse_period

# October 2026 (31 days), CNY:
#   receivables on 30 September (opening)       100,000
#   invoices issued in October (credit sales)    62,000
#   receivables on 31 October (closing)          80,000
#     of which not yet due (closing current)     50,000
#     of which 90+ days past due (at risk)        6,000
OCTOBER = PeriodInputs(
    currency="CNY",
    days=31,
    opening=D(100_000),
    credit_sales=D(62_000),
    closing=D(80_000),
    closing_current=D(50_000),
    at_risk_90=D(6_000),
    months=(
        CountbackMonth(D(62_000), 31),  # October
        CountbackMonth(D(30_000), 30),  # September
        CountbackMonth(D(40_000), 31),  # August
    ),
    promises_kept=3,
    promises_broken=1,
    recovery_collected={"in_collection": D(4_000), "bad": D(100)},
    recovery_due={"in_collection": D(10_000), "doubtful": D(5_000)},
)


def test_dso_simple() -> None:
    # 80,000 ÷ 62,000 × 31 = 2,480,000 ÷ 62,000 = 40 days
    assert m.dso_simple(D(80_000), D(62_000), 31) == 40


def test_best_possible_dso_and_average_days_delinquent() -> None:
    # 50,000 ÷ 62,000 × 31 = 1,550,000 ÷ 62,000 = 25 days; ADD = 40 − 25 = 15 days
    best = m.best_possible_dso(D(50_000), D(62_000), 31)
    assert best == 25
    assert m.add_days(D(40), best) == 15


def test_dso_countback() -> None:
    # 80,000 owed. October's 62,000 fits whole: 31 days, 18,000 left.
    # September sold 30,000: 18,000 ÷ 30,000 × 30 = 18 days. 31 + 18 = 49 days.
    assert m.dso_countback(D(80_000), OCTOBER.months) == 49
    # 20,000 owed fits inside October: 20,000 ÷ 62,000 × 31 = 10 days.
    assert m.dso_countback(D(20_000), OCTOBER.months) == 10
    # A month of net credit notes explains none of it but is passed over whole:
    # 30 days (September, −500) + 20,000 ÷ 40,000 × 31 (August) = 30 + 15.5 = 45.5 days.
    months = (CountbackMonth(D(-500), 30), CountbackMonth(D(40_000), 31))
    assert m.dso_countback(D(20_000), months) == D("45.5")
    # More owed than all the months sold: no honest day count.
    assert m.dso_countback(D(200_000), OCTOBER.months) is None
    assert m.dso_countback(D(0), ()) == 0


def test_cei() -> None:
    # (100,000 + 62,000 − 80,000) ÷ (100,000 + 62,000 − 50,000) × 100
    # = 82,000 ÷ 112,000 × 100 = 73.2142857…%, shown as 73.21
    value = m.cei(D(100_000), D(62_000), D(80_000), D(50_000))
    assert value is not None and m.rounded(value) == D("73.21")
    # Everything collected that could be: closing = closing current → 100 %.
    assert m.cei(D(10), D(90), D(40), D(40)) == 100


def test_percent_current_at_risk_and_promises() -> None:
    # 50,000 ÷ 80,000 × 100 = 62.5 %;  6,000 ÷ 80,000 × 100 = 7.5 %;  3 ÷ (3 + 1) = 75 %
    assert m.percent_current(D(50_000), D(80_000)) == D("62.5")
    assert m.at_risk_share(D(6_000), D(80_000)) == D("7.5")
    assert m.promise_kept_rate(3, 1) == 75


def test_recovery_by_grade() -> None:
    # in collection: 4,000 of 10,000 = 40 %; doubtful: 0 of 5,000 = 0 %;
    # bad: 100 came in but nothing was owed at the start → None (no rate to give).
    assert m.recovery_rates(OCTOBER.recovery_collected or {}, OCTOBER.recovery_due or {}) == {
        "bad": None,
        "doubtful": D(0),
        "in_collection": D(40),
    }


def test_compute_puts_it_all_together() -> None:
    out = m.compute(OCTOBER)
    assert (out.dso, out.best_possible_dso, out.add, out.dso_countback) == (40, 25, 15, 49)
    assert m.rounded(out.cei) == D("73.21")
    assert (out.percent_current, out.at_risk_share, out.promise_kept_rate) == (
        D("62.5"),
        D("7.5"),
        D(75),
    )


def test_zero_denominators_are_none_never_a_crash() -> None:
    empty = PeriodInputs("USD", 30, D(0), D(0), D(0), D(0), D(0))
    out = m.compute(empty)
    assert out == m.PeriodMetrics(
        dso=None,
        dso_countback=D(0),
        best_possible_dso=None,
        add=None,
        cei=None,
        percent_current=None,
        at_risk_share=None,
        promise_kept_rate=None,
        recovery={},
    )
    # Credit notes outweighing invoices: negative "sales" give no DSO.
    assert m.dso_simple(D(1_000), D(-50), 30) is None
    assert m.add_days(None, D(3)) is None


def test_percentiles_interpolate_between_ranks() -> None:
    # [1, 2, 3, 4]: median at rank 1.5 → 2.5; p90 at rank 0.9 × 3 = 2.7 → 3 + 0.7 × 1 = 3.7
    values = [D(4), D(1), D(3), D(2)]
    assert m.median(values) == D("2.5")
    assert m.percentile(values, 90) == D("3.7")
    assert m.percentile(values, 0) == 1 and m.percentile(values, 100) == 4
    # 5, 10, 20 minutes: p90 at rank 1.8 → 10 + 0.8 × 10 = 18 minutes
    spans = [timedelta(minutes=n) for n in (20, 5, 10)]
    assert m.median_span(spans) == timedelta(minutes=10)
    assert m.percentile_span(spans, 90) == timedelta(minutes=18)
    assert m.median([]) is None and m.percentile_span([], 90) is None
    with pytest.raises(ValueError, match="between 0 and 100"):
        m.percentile(values, 101)


def test_rounded_is_half_even() -> None:
    assert m.rounded(D("2.345")) == D("2.34") and m.rounded(D("2.355")) == D("2.36")
    assert m.rounded(None) is None


# --- periods --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end", "days"),
    [
        ("2026-10", date(2026, 10, 1), date(2026, 10, 31), 31),
        ("2024-2", date(2024, 2, 1), date(2024, 2, 29), 29),
        ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30), 92),
        ("2026q1", date(2026, 1, 1), date(2026, 3, 31), 90),
        ("2025", date(2025, 1, 1), date(2025, 12, 31), 365),
        ("2026-10-01..2026-10-15", date(2026, 10, 1), date(2026, 10, 15), 15),
    ],
)
def test_periods(text: str, start: date, end: date, days: int) -> None:
    period = parse_period(text)
    assert (period.start, period.end, period.days) == (start, end, days)
    assert period.before == start - timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2026-13", "no month 13"),
        ("october", "is not a period"),
        ("2026-10-15..2026-10-01", "ends before it starts"),
        ("2026-02-30..2026-03-01", "does not exist"),
        ("0000-01", "calendar"),
    ],
)
def test_bad_periods_say_why(text: str, says: str) -> None:
    with pytest.raises(PeriodError, match=says):
        parse_period(text)


def test_last_month_and_clipping_to_today() -> None:
    today = date(2026, 11, 28)
    assert last_month(today).label == "2026-10"
    assert last_month(date(2026, 1, 5)).label == "2025-12"
    now = clip(parse_period("2026-11"), today)
    assert (now.end, now.days, now.label) == (today, 28, "2026-11")
    with pytest.raises(PeriodError, match="has not started"):
        clip(parse_period("2026-12"), today)
