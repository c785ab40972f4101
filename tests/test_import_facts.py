"""Ledger import of the customer facts (first order date, contact, credit limit) and the
contract's late interest per invoice: header aliases in Chinese and English, each bad cell a
bad row with its reason while the good rows land, hostile text cleaned and bounded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.ledger_cell import ParseError
from storage.ledger_feed_page import read_page
from storage.ledger_options import ImportOptions
from storage.ledger_rates import parse_rate
from storage.models import AuditLog, Customer, Invoice
from tests.conftest import run_import, write_csv

_cus = Customer.__table__  # type: ignore[attr-defined]
_inv = Invoice.__table__  # type: ignore[attr-defined]
_audit = AuditLog.__table__  # type: ignore[attr-defined]

ZH_HEADER = ("发票号", "客户", "客户名称", "到期日", "金额", "联系人", "职务", "首次合作日期",
             "信用额度", "逾期利率")  # fmt: skip
MAP = {"invoice_no": "发票号", "customer": "客户", "customer_name": "客户名称",
       "due_date": "到期日", "amount": "金额"}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("0.1%", "0.001"),
        ("0.001", "0.001"),
        ("0.1%/天", "0.001"),
        ("日0.05%", "0.0005"),
        ("万分之五", "0.0005"),
        ("千分之一/日", "0.001"),
        ("0.5‰", "0.0005"),
        ("0.05% per day", "0.0005"),
        ("0", "0"),
    ],
)
def test_rates_per_day(text: str, rate: str) -> None:
    assert parse_rate(text) == Decimal(rate)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-0.1%", "is negative"),
        ("2%", "2% a day, more than 1% a day"),
        ("0.05", "5% a day, more than 1% a day (365% a year); write 0.05% if that is meant"),
        ("年利率18%", "not a rate per day"),
        ("lots", "not an interest rate"),
    ],
)
def test_bad_rates_say_why(text: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse_rate(text)


def test_chinese_headers_import_contact_since_limit_and_interest(
    db: Database, tmp_path: Path
) -> None:
    rows = [
        ("A-1", "C1", "华东精密", "2026-02-01", "1000.00", "王建国", "总经理", "2015-06-01",
         "50000", "0.05%/天"),
        # A later row of the same customer: blanks leave the facts alone, an earlier first
        # order date wins.
        ("A-2", "C1", "华东精密", "2026-02-15", "500.00", "", "", "2014-03-01", "", ""),
        ("B-1", "C2", "Acme", "2026-02-01", "700.00", "Tom\u202e Lee\x07", "CFO" * 30,
         "", "", "万分之五"),
        ("B-2", "C2", "Acme", "2026-02-01", "700.00", "", "", "", "", "3%"),
        ("B-3", "C2", "Acme", "2026-02-01", "700.00", "", "", "", "-5", ""),
        ("B-4", "C2", "Acme", "2026-02-01", "700.00", "", "", "someday", "", ""),
    ]  # fmt: skip
    result = run_import(db, write_csv(tmp_path / "l.csv", ZH_HEADER, rows), columns=MAP)
    assert result.created == 3
    reasons = {b.row: b.reason for b in result.bad}
    assert "interest per day: '3%' is 3% a day, more than 1% a day" in reasons[5]
    assert "credit limit '-5' is negative" in reasons[6]
    assert reasons[7].startswith("relationship since:")
    with db.engine.connect() as conn:
        c1, c2 = conn.execute(select(_cus).order_by(_cus.c.code)).all()
        rates = dict(conn.execute(select(_inv.c.invoice_no, _inv.c.interest_per_day)).all())
    assert (c1.contact_name, c1.contact_title) == ("王建国", "总经理")
    assert c1.relationship_since == date(2014, 3, 1)
    assert (c1.credit_limit_minor, c1.credit_currency) == (5_000_000, "CNY")
    # Control and bidi characters gone, lengths bounded.
    assert c2.contact_name == "Tom Lee"
    assert c2.contact_title == ("CFO" * 30)[:40]
    assert Decimal(str(rates["A-1"])) == Decimal("0.0005")
    assert Decimal(str(rates["B-1"])) == Decimal("0.0005")
    assert rates["A-2"] is None


def test_a_reimport_changes_facts_with_an_audit_entry_and_nothing_twice(
    db: Database, tmp_path: Path
) -> None:
    header = ("invoice_no", "customer", "due_date", "amount", "contact", "credit_limit",
              "interest_per_day")  # fmt: skip
    first = [("X-1", "C9", "2026-02-01", "100.00", "李经理", "1000", "0.1%")]
    run_import(db, write_csv(tmp_path / "a.csv", header, first))
    again = run_import(db, write_csv(tmp_path / "b.csv", header, first))
    assert (again.updated, again.unchanged) == (0, 1)
    changed = [("X-1", "C9", "2026-02-01", "100.00", "赵总", "2000", "0.05%")]
    result = run_import(db, write_csv(tmp_path / "c.csv", header, changed))
    assert result.updated == 1
    assert any("contact_name 李经理 → 赵总" in c for c in result.changes)
    with db.engine.connect() as conn:
        customer = conn.execute(select(_cus).where(_cus.c.code == "C9")).one()
        actions = list(conn.execute(select(_audit.c.action, _audit.c.detail)).all())
    assert customer.contact_name == "赵总" and customer.credit_limit_minor == 200_000
    updates = [d for a, d in actions if a == "customer.update"]
    assert len(updates) == 1 and "李经理" in updates[0] and "赵总" in updates[0]
    invoice_updates = [d for a, d in actions if a == "invoice.update"]
    assert len(invoice_updates) == 1 and "0.0005" in invoice_updates[0]


def test_a_feed_page_carries_the_same_facts() -> None:
    body = (
        b'{"invoices": [{"invoice_no": "F-1", "customer": "C1", "due_date": "2026-02-01", '
        b'"amount": "100.00", "contact_name": "\\u738b\\u603b", "credit_limit": 5000, '
        b'"relationship_since": "2019-04-01", "interest_per_day": "0.05%"}, '
        b'{"invoice_no": "F-2", "customer": "C1", "due_date": "2026-02-01", '
        b'"amount": "100.00", "interest_per_day": "-1%"}], "next": null}'
    )
    page = read_page(body, 1, ImportOptions(currency="CNY"), date(2026, 3, 16))
    (rec,) = page.invoices
    assert rec.contact_name == "王总" and rec.credit_limit_minor == 500_000
    assert rec.relationship_since == date(2019, 4, 1)
    assert rec.interest_per_day == Decimal("0.0005")
    (problem,) = page.problems
    assert "interest per day: '-1%' is negative" in problem.reason
