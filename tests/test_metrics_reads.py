"""The metrics' inputs read from a hand-built ledger for October 2026, on SQLite and PostgreSQL,
and the metrics computed from them (arithmetic in the comments)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from playbook import metrics as m
from playbook.aging import AgingPolicy
from playbook.metrics import CountbackMonth
from playbook.money import from_minor
from playbook.periods import parse_period
from storage.db import Database
from storage.metrics_reads import PeriodRead, period_inputs
from storage.models import Case, Customer, Promise
from storage.reports import aging_report
from tests.conftest import LEDGER_HEADER, run_import, write_csv

_case = Case.__table__  # type: ignore[attr-defined]
_cus = Customer.__table__  # type: ignore[attr-defined]
_prom = Promise.__table__  # type: ignore[attr-defined]

OCTOBER = parse_period("2026-10")
# October in Shanghai: [2026-09-30 16:00 UTC, 2026-10-31 16:00 UTC)
SINCE = datetime(2026, 9, 30, 16, tzinfo=UTC)
UNTIL = datetime(2026, 10, 31, 16, tzinfo=UTC)


def row(
    no: str, issued: str, due: str, amount: str, paid: str = "", on: str = "", **kw: str
) -> tuple[str, ...]:
    return (
        no,
        kw.get("cust", "C1"),
        kw.get("name", "Alpha Ltd"),
        "normal",
        "wang.wei",
        issued,
        due,
        kw.get("currency", "CNY"),
        amount,
        paid,
        on,
        "no",
    )


LEDGER = [
    # On 30 September (opening):
    row(
        "A1", "2026-09-01", "2026-10-01", "1000.00", "1000.00", "2026-10-20"
    ),  # not due; paid in Oct
    row("A2", "2026-06-01", "2026-07-01", "3000.00"),  # 91 days late; 122 on 31 October
    row("A5", "2025-01-01", "2025-01-31", "700.00", cust="C2", name="Beta Ltd"),  # 607 days late
    row("A6", "2026-09-15", "2026-09-20", "400.00"),  # 10 days late; 41 on 31 October
    # Issued in October (credit sales):
    row("A3", "2026-10-10", "2026-11-09", "2000.00"),  # not due on 31 October
    row("A4", "2026-10-15", "2026-10-25", "500.00", "500.00", "2026-10-30"),
    row("CN1", "2026-10-20", "2026-10-20", "-100.00", "-100.00", "2026-10-20"),  # credit note
    row("U1", "2026-10-05", "2026-11-04", "100.00", currency="USD"),
    # Issued after the period: no part of October.
    row("A7", "2026-11-02", "2026-12-02", "900.00"),
]


@pytest.fixture
def ledger(db: Database, tmp_path: Path) -> Database:
    run_import(db, write_csv(tmp_path / "l.csv", LEDGER_HEADER, LEDGER), today=date(2026, 11, 28))
    now = datetime(2026, 11, 28, 2, tzinfo=UTC)
    with db.engine.begin() as conn:
        customer = conn.execute(_cus.select().where(_cus.c.code == "C1")).first()
        assert customer is not None
        case_id = conn.execute(
            _case.insert()
            .values(
                customer_id=customer.id,
                trigger="manual",
                stage="early",
                opened_at=now,
                opened_by="wang.wei",
                policy=json.dumps({}),
                updated_at=now,
            )
            .returning(_case.c.id)
        ).scalar_one()

        def promise(amount: int, status: str, resolved: datetime | None) -> dict[str, object]:
            return {
                "case_id": case_id,
                "customer_id": customer.id,
                "amount_minor": amount,
                "currency": "CNY",
                "due_on": date(2026, 10, 9),
                "baseline_paid_minor": 0,
                "made_by": "wang.wei",
                "made_at": now,
                "status": status,
                "resolved_at": resolved,
            }

        conn.execute(
            _prom.insert(),
            [
                promise(30_000, "kept", datetime(2026, 10, 10, 2, tzinfo=UTC)),
                # 23:30 on 31 October in Shanghai: still October.
                promise(20_000, "broken", datetime(2026, 10, 31, 15, 30, tzinfo=UTC)),
                # 00:30 on 1 November in Shanghai: November's.
                promise(10_000, "broken", datetime(2026, 10, 31, 16, 30, tzinfo=UTC)),
                promise(5_000, "replaced", datetime(2026, 10, 12, tzinfo=UTC)),
                promise(5_000, "pending", None),
            ],
        )
    return db


def read(db: Database, currency: str | None = None) -> dict[str, PeriodRead]:
    with db.engine.connect() as conn:
        reads = period_inputs(
            conn, OCTOBER, AgingPolicy(), since=SINCE, until=UNTIL, currency=currency
        )
    return {r.inputs.currency: r for r in reads}


def test_october_inputs_per_currency(ledger: Database) -> None:
    reads = read(ledger)
    assert list(reads) == ["CNY", "USD"]
    cny = reads["CNY"].inputs
    # opening: A1 1000 + A2 3000 + A5 700 + A6 400 = 5100
    # credit sales: A3 2000 + A4 500 + CN1 −100 = 2400 (A7 is November's)
    # closing: A2 3000 + A3 2000 + A5 700 + A6 400 = 6100, of which current A3 2000,
    # 90+ days: A2 (122 days) 3000 + A5 700 = 3700
    assert (cny.days, cny.opening, cny.credit_sales) == (31, D("5100.00"), D("2400.00"))
    assert (cny.closing, cny.closing_current, cny.at_risk_90) == (
        D("6100.00"),
        D("2000.00"),
        D("3700.00"),
    )
    # Monthly sales, latest first: Oct 2400, Sep 1400 (A1 + A6), Aug 0, Jul 0, Jun 3000 (A2).
    assert cny.months[:5] == (
        CountbackMonth(D("2400.00"), 31),
        CountbackMonth(D("1400.00"), 30),
        CountbackMonth(D("0"), 31),
        CountbackMonth(D("0"), 31),
        CountbackMonth(D("3000.00"), 30),
    )
    assert len(cny.months) == 12 and sum(mo.days for mo in cny.months) == 365
    # Promises resolved in October (Shanghai time): one kept (300), one broken (200).
    assert (cny.promises_kept, cny.promises_broken) == (1, 1)
    assert (reads["CNY"].promised_kept, reads["CNY"].promised_broken) == (D("300.00"), D("200.00"))
    # By grade on 30 September: not due A1 1000 (all of it paid in October); in collection
    # A2 3000 + A6 400 = 3400, nothing paid; bad A5 700 (607 days), nothing paid.
    assert cny.recovery_due == {
        "not_due": D("1000.00"),
        "in_collection": D("3400.00"),
        "bad": D("700.00"),
    }
    assert cny.recovery_collected == {"not_due": D("1000.00"), "in_collection": D(0), "bad": D(0)}


def test_october_metrics(ledger: Database) -> None:
    reads = read(ledger)
    cny = m.compute(reads["CNY"].inputs)
    r = m.rounded
    # DSO = 6100 × 31 ÷ 2400 = 78.7916…;  best = 2000 × 31 ÷ 2400 = 25.8333…;  ADD = 52.9583…
    assert (r(cny.dso), r(cny.best_possible_dso), r(cny.add)) == (
        D("78.79"),
        D("25.83"),
        D("52.96"),
    )
    # Countback: 6100 − Oct 2400 = 3700 (31 d) − Sep 1400 = 2300 (61 d); Aug, Jul sold
    # nothing (+31 +31 = 123 d); June: 2300 × 30 ÷ 3000 = 23 d → 146 days.
    assert cny.dso_countback == 146
    # CEI = (5100 + 2400 − 6100) ÷ (5100 + 2400 − 2000) × 100 = 1400 ÷ 5500 × 100 = 25.45…
    assert r(cny.cei) == D("25.45")
    # current 2000 ÷ 6100 = 32.79 %; at risk 3700 ÷ 6100 = 60.66 %; promises 1 ÷ 2 = 50 %
    assert (r(cny.percent_current), r(cny.at_risk_share)) == (D("32.79"), D("60.66"))
    assert cny.promise_kept_rate == 50
    assert cny.recovery == {"not_due": 100, "in_collection": 0, "bad": 0}
    usd = m.compute(reads["USD"].inputs)
    # USD: nothing owed at the start, 100 sold, 100 owed (not due): DSO = 100 × 31 ÷ 100 = 31;
    # CEI = (0 + 100 − 100) ÷ (0 + 100 − 100): 0 ÷ 0 → None.
    assert (usd.dso, usd.best_possible_dso, usd.add, usd.cei) == (31, 31, 0, None)
    assert usd.promise_kept_rate is None and usd.recovery == {}


def test_one_currency_and_an_empty_period(ledger: Database) -> None:
    assert list(read(ledger, "USD")) == ["USD"]
    assert read(ledger, "EUR") == {}
    with ledger.engine.connect() as conn:
        early = period_inputs(
            conn,
            parse_period("2020-01"),
            AgingPolicy(),
            since=datetime(2019, 12, 31, 16, tzinfo=UTC),
            until=datetime(2020, 1, 31, 16, tzinfo=UTC),
        )
    assert early == []


@pytest.mark.parametrize(
    "text", ["2026-10", "2026-09", "2026-Q4", "2026", "2026-10-05..2026-10-21"]
)
def test_balances_are_the_aging_reports(ledger: Database, text: str) -> None:
    # The one-pass read must give what the aging report gives on both days, bucket for bucket:
    # closing current = its Current bucket, at risk = its buckets past 90 days.
    period = parse_period(text)
    with ledger.engine.connect() as conn:
        reads = period_inputs(conn, period, AgingPolicy(), since=SINCE, until=UNTIL)
        opening = aging_report(conn, period.before, AgingPolicy())
        closing = aging_report(conn, period.end, AgingPolicy())
    got = {r.inputs.currency: r.inputs for r in reads}
    for line in opening.totals:
        assert got[line.currency].opening == from_minor(line.minor, line.currency)
    for line in closing.totals:
        i = got[line.currency]
        over_90 = sum(
            c.minor
            for b, c in zip(closing.buckets, line.buckets, strict=True)
            if (b.days_from or 0) > 90
        )
        assert (i.closing, i.closing_current, i.at_risk_90) == (
            from_minor(line.minor, line.currency),
            from_minor(line.buckets[0].minor, line.currency),
            from_minor(over_90, line.currency),
        )
    assert {c for c, i in got.items() if i.closing} == {t.currency for t in closing.totals}
