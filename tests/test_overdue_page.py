"""/ar overdue ranked in the database (storage.overdue_page) gives exactly the page, count and
totals that ranking every item in Python (storage.queries.open_items) gives: on a generated
ledger with five currencies (one without a rate, one without minor units), partial payments,
credit notes, disputes, insolvent and dissolved customers and a block of exact ties, for
every stage, owner and customer filter, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bench.generate import generate
from playbook.aging import AgingPolicy, Stage, StagePolicy
from storage.db import Database
from storage.models import Customer, Invoice
from storage.overdue_page import overdue_page, score_expression
from storage.queries import open_items
from tests.conftest import LEDGER_HEADER, run_import, write_csv

AS_OF = date(2026, 11, 23)
FX = {"USD": Decimal("7.10"), "EUR": Decimal("7.70"), "JPY": Decimal("0.047")}  # no HKD rate
POLICIES = [AgingPolicy(), AgingPolicy(stages=StagePolicy(pre_due_days=10, mid_from=20))]
_cus = Customer.__table__  # type: ignore[attr-defined]
_inv = Invoice.__table__  # type: ignore[attr-defined]


@pytest.fixture
def ledger(db: Database, tmp_path: Path) -> Database:
    path = tmp_path / "ledger.csv"
    generate(path, 2500, customers=120, seed=11, as_of=AS_OF)
    run_import(db, path, today=AS_OF)
    # A block of equal invoices: the same score everywhere, ordered by invoice number.
    due = (AS_OF - timedelta(days=40)).isoformat()
    ties = [
        (f"TIE-{n:03d}", "TIE1", "Tie Brothers", "normal", "zhang.min", "2026-09-01", due,
         "CNY", "5000.00", "0", "", "no")
        for n in range(90)
    ]  # fmt: skip
    run_import(db, write_csv(tmp_path / "ties.csv", LEDGER_HEADER, ties), today=AS_OF)
    with db.engine.begin() as conn:
        conn.execute(update(_cus).where(_cus.c.code == "C00007").values(status="insolvent"))
        conn.execute(update(_cus).where(_cus.c.code == "C00011").values(status="dissolved"))
    return db


def _ranges(policy: AgingPolicy) -> dict[str, tuple[int, int | None, Stage | None]]:
    s = policy.stages
    return {
        "all": (1, None, None),
        "pre_due": (-s.pre_due_days, 0, Stage.PRE_DUE),
        "early": (1, s.mid_from - 1, Stage.EARLY),
        "mid": (s.mid_from, s.late_from - 1, Stage.MID),
        "late": (s.late_from, None, Stage.LATE),
    }


@pytest.mark.parametrize("policy", POLICIES, ids=["default", "short"])
def test_the_database_page_is_the_python_page(ledger: Database, policy: AgingPolicy) -> None:
    with ledger.engine.connect() as conn:
        tie_id = conn.execute(_cus.select().where(_cus.c.code == "TIE1")).one().id
        filters: list[dict[str, object]] = [
            {},
            {"owners": ["zhang.min"]},
            {"owners": ["tom.baker", "wang.wei"]},
            {"customer_ids": [tie_id]},
        ]
        checked = 0
        for name, (low, high, stage) in _ranges(policy).items():
            for extra in filters:
                everything = open_items(
                    conn, AS_OF, policy, base_currency="CNY", fx=FX, overdue_from=low, **extra
                )
                expected = [i for i in everything if stage is None or i.aging.stage is stage]
                for limit in (1, 10, 50):
                    page = overdue_page(
                        conn,
                        AS_OF,
                        policy,
                        base_currency="CNY",
                        fx=FX,
                        limit=limit,
                        dpd_min=low,
                        dpd_max=high,
                        **extra,  # type: ignore[arg-type]
                    )
                    where = f"{name} {extra} limit {limit}"
                    assert [i.invoice_no for i in page.items] == [
                        i.invoice_no for i in expected[:limit]
                    ], where
                    assert [i.priority for i in page.items] == [
                        i.priority for i in expected[:limit]
                    ], where
                    assert page.count == len(expected), where
                    sums: dict[str, Decimal] = {}
                    for i in expected:
                        sums[i.currency] = sums.get(i.currency, Decimal(0)) + i.outstanding
                    assert page.totals == {c: v for c, v in sums.items() if v}, where
                    checked += bool(expected)
        assert checked > 30  # most combinations had items to rank


def test_the_tie_block_is_ordered_by_invoice_number(ledger: Database) -> None:
    with ledger.engine.connect() as conn:
        tie_id = conn.execute(_cus.select().where(_cus.c.code == "TIE1")).one().id
        page = overdue_page(
            conn, AS_OF, AgingPolicy(), base_currency="CNY", fx=FX, limit=5,
            customer_ids=[tie_id],
        )  # fmt: skip
    assert [i.invoice_no for i in page.items] == [f"TIE-{n:03d}" for n in range(5)]
    assert page.count == 90
    assert page.totals == {"CNY": Decimal("450000.00")}


def test_nothing_overdue_is_an_empty_page(db: Database) -> None:
    with db.engine.connect() as conn:
        page = overdue_page(conn, AS_OF, AgingPolicy(), base_currency="CNY", fx=FX, limit=10)
    assert (page.items, page.count, page.totals) == ([], 0, {})


@pytest.mark.parametrize("policy", POLICIES, ids=["default", "short"])
def test_the_sql_score_is_the_priority_to_the_cent(ledger: Database, policy: AgingPolicy) -> None:
    """Every open item's score in SQL against playbook.aging.priority_score: the page's exact
    re-sort only has to settle rounding, never a wrong factor."""
    with ledger.engine.connect() as conn:
        exact = {
            i.invoice_no: i.priority
            for i in open_items(conn, AS_OF, policy, base_currency="CNY", fx=FX)
        }
        expr = score_expression(AS_OF, policy, "CNY", FX)
        rows = conn.execute(
            select(_inv.c.invoice_no, expr.label("score"))
            .select_from(_inv.join(_cus, _cus.c.id == _inv.c.customer_id))
            .where(_inv.c.status == "open", _inv.c.amount_minor != _inv.c.paid_minor)
        ).all()
    assert len(rows) == len(exact) > 400
    kinds = set()
    for invoice_no, score in rows:
        want = exact[invoice_no]
        assert abs(Decimal(str(score)) - want) <= Decimal("0.006") + want * Decimal("1e-9"), (
            invoice_no, score, want,
        )  # fmt: skip
        kinds.add(want > 0)
    assert kinds == {True, False}  # credit notes score nothing, debts something
