"""The aging report at many as-of dates, its JSON/CSV shapes, and grouping (both databases)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import update

from playbook.aging import AgingPolicy
from storage.db import Database
from storage.models import Customer, Invoice
from storage.reports import aging_report
from tests.conftest import run_import, write_csv

HEADER = (
    "invoice_no",
    "customer",
    "customer_name",
    "segment",
    "owner",
    "issue_date",
    "due_date",
    "currency",
    "amount",
    "paid_amount",
    "settled_date",
)
ROWS = [
    # settled 2026-02-10, due 2026-01-31
    (
        "S-1",
        "C1",
        "Alpha Ltd",
        "important",
        "wang.wei",
        "2026-01-01",
        "2026-01-31",
        "CNY",
        "100.00",
        "100.00",
        "2026-02-10",
    ),
    # open, due 2026-02-28
    (
        "O-1",
        "C1",
        "Alpha Ltd",
        "important",
        "wang.wei",
        "2026-02-01",
        "2026-02-28",
        "CNY",
        "200.00",
        "",
        "",
    ),
    # open, very old
    (
        "O-2",
        "C2",
        "北京远东贸易有限公司",
        "problem",
        "tom.baker",
        "2024-06-01",
        "2024-07-01",
        "CNY",
        "50.00",
        "",
        "",
    ),
    # USD, not yet issued before March
    (
        "U-1",
        "C3",
        "Bravo Inc",
        "normal",
        "tom.baker",
        "2026-03-01",
        "2026-03-31",
        "USD",
        "70.00",
        "",
        "",
    ),
    # credit note, open
    (
        "CN-1",
        "C2",
        "北京远东贸易有限公司",
        "problem",
        "tom.baker",
        "2026-01-15",
        "2026-01-15",
        "CNY",
        "-30.00",
        "",
        "",
    ),
]


@pytest.fixture
def loaded(db: Database, tmp_path: Path) -> Database:
    run_import(db, write_csv(tmp_path / "l.csv", HEADER, ROWS), today=date(2026, 3, 16))
    return db


def report(db: Database, as_of: date, **kw):  # type: ignore[no-untyped-def]
    with db.engine.connect() as conn:
        return aging_report(conn, as_of, AgingPolicy(), **kw)


def buckets(doc: dict, currency: str = "CNY") -> dict[str, tuple[int, str]]:
    total = next(t for t in doc["totals"] if t["currency"] == currency)
    return {b["label"]: (b["count"], b["amount"]) for b in total["buckets"] if b["count"]}


def test_as_of_settlement_day_boundaries(loaded: Database) -> None:
    # S-1 is open the day before it was settled, closed on the settlement day and after;
    # the open credit note CN-1 (due 2026-01-15) shares the 1-30 bucket throughout.
    assert buckets(report(loaded, date(2026, 2, 9)).to_json())["1-30"] == (2, "70.00")
    assert buckets(report(loaded, date(2026, 2, 10)).to_json())["1-30"] == (1, "-30.00")
    assert buckets(report(loaded, date(2026, 2, 11)).to_json())["1-30"] == (1, "-30.00")
    # Before the invoice was issued it is not in the report at all.
    doc = report(loaded, date(2025, 12, 31)).to_json()
    assert buckets(doc) == {"365+": (1, "50.00")}  # O-2 is 548 days late then


def test_report_as_of_today_uses_every_bucket_rule(loaded: Database) -> None:
    doc = report(loaded, date(2026, 3, 16)).to_json()
    assert doc["as_of"] == "2026-03-16"
    assert [t["currency"] for t in doc["totals"]] == ["CNY", "USD"]
    cny = doc["totals"][0]
    assert (cny["count"], cny["amount"]) == (3, "220.00")
    assert buckets(doc) == {"1-30": (1, "200.00"), "31-60": (1, "-30.00"), "365+": (1, "50.00")}
    assert buckets(doc, "USD") == {"Current": (1, "70.00")}
    labels = [(b["label"], b["days_from"], b["days_to"]) for b in cny["buckets"]]
    assert labels == [
        ("Current", None, 0),
        ("1-30", 1, 30),
        ("31-60", 31, 60),
        ("61-90", 61, 90),
        ("91-180", 91, 180),
        ("181-365", 181, 365),
        ("365+", 366, None),
    ]
    assert doc["notes"] == []


def test_a_later_payment_does_not_change_an_earlier_day(loaded: Database, tmp_path: Path) -> None:
    as_of = date(2026, 3, 16)
    fast = report(loaded, as_of).to_json()
    # A payment dated after as-of is added back for that day (the "paid since" candidates).
    rows = [list(r) for r in ROWS]
    rows[1][9], rows[1][10] = "200.00", "2026-04-02"
    run_import(loaded, write_csv(tmp_path / "later.csv", HEADER, rows), today=date(2026, 4, 2))
    general = report(loaded, as_of).to_json()
    assert general == fast
    after = report(loaded, date(2026, 4, 2)).to_json()
    assert "1-30" not in buckets(after)


def test_partial_payments_by_date(db: Database, tmp_path: Path) -> None:
    header = ("invoice_no", "customer", "issue_date", "due_date", "amount", "paid_amount")
    run_import(
        db,
        write_csv(
            tmp_path / "a.csv", header, [("P-1", "C1", "2026-01-01", "2026-01-31", "1000", "0")]
        ),
        today=date(2026, 2, 1),
    )
    run_import(
        db,
        write_csv(
            tmp_path / "b.csv", header, [("P-1", "C1", "2026-01-01", "2026-01-31", "1000", "400")]
        ),
        today=date(2026, 2, 15),
    )
    assert buckets(report(db, date(2026, 2, 14)).to_json()) == {"1-30": (1, "1000.00")}
    assert buckets(report(db, date(2026, 2, 15)).to_json()) == {"1-30": (1, "600.00")}
    # The partial payment's day was not in the file: the report says so for earlier dates.
    assert report(db, date(2026, 2, 14)).notes
    assert report(db, date(2026, 2, 15)).notes == []


def test_written_off_counts_until_its_day(loaded: Database) -> None:
    table = Invoice.__table__  # type: ignore[attr-defined]
    with loaded.engine.begin() as conn:
        conn.execute(
            update(table)
            .where(table.c.invoice_no == "O-2")
            .values(status="written_off", written_off_on=date(2026, 3, 1))
        )
    assert "365+" in buckets(report(loaded, date(2026, 2, 28)).to_json())
    assert "365+" not in buckets(report(loaded, date(2026, 3, 16)).to_json())


def test_group_by_customer_segment_owner(loaded: Database) -> None:
    as_of = date(2026, 3, 16)
    by_customer = report(loaded, as_of, by="customer").to_json()
    keys = {(g["key"], g["currency"]): g for g in by_customer["groups"]}
    assert keys[("C1", "CNY")]["name"] == "Alpha Ltd"
    assert keys[("C1", "CNY")]["amount"] == "200.00"
    assert keys[("C2", "CNY")]["amount"] == "20.00"
    by_segment = report(loaded, as_of, by="segment").to_json()
    assert {(g["key"], g["currency"]): g["amount"] for g in by_segment["groups"]} == {
        ("important", "CNY"): "200.00",
        ("problem", "CNY"): "20.00",
        ("normal", "USD"): "70.00",
    }
    by_owner = report(loaded, as_of, by="owner").to_json()
    assert {(g["key"], g["currency"]): g["count"] for g in by_owner["groups"]} == {
        ("wang.wei", "CNY"): 1,
        ("tom.baker", "CNY"): 2,
        ("tom.baker", "USD"): 1,
    }
    assert by_owner["by"] == "owner"


def test_csv_and_table_formats(loaded: Database) -> None:
    rep = report(loaded, date(2026, 3, 16), by="customer")
    rows = list(csv.DictReader(io.StringIO(rep.to_csv())))
    totals = [r for r in rows if r["group"] == "" and r["currency"] == "CNY"]
    assert sum(Decimal(r["amount"]) for r in totals) == Decimal("220.00")
    assert {r["bucket"] for r in totals} == {
        "Current",
        "1-30",
        "31-60",
        "61-90",
        "91-180",
        "181-365",
        "365+",
    }
    text = rep.to_table()
    assert "CNY: 3 open, 220.00" in text
    assert "北京远东贸易有限公司 (C2)" in text


def test_empty_report(db: Database) -> None:
    rep = report(db, date(2026, 3, 16))
    assert rep.to_json() == {"as_of": "2026-03-16", "totals": [], "notes": []}
    assert "No open invoices" in rep.to_table()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
INJECTIONS = ['=HYPERLINK("http://x","y")', "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.fixture
def hostile(db: Database, tmp_path: Path) -> Database:
    """Customers whose codes and names are formulas, with open invoices and a credit note."""
    rows = [
        (f"H-{i}", f"@C{i}", text, "", "", "2026-01-01", "2026-01-31", "CNY", "100.00", "", "")
        for i, text in enumerate(INJECTIONS)
    ]
    rows.append(
        ("H-CN", "=CN", "-CN Ltd", "", "", "2026-01-15", "2026-01-15", "CNY", "-30.00", "", "")
    )
    run_import(db, write_csv(tmp_path / "h.csv", HEADER, rows), today=date(2026, 3, 16))
    # The import strips cells; a name written by other means keeps its leading tab or CR.
    table = Customer.__table__  # type: ignore[attr-defined]
    with db.engine.begin() as conn:
        for i, text in enumerate(INJECTIONS):
            conn.execute(update(table).where(table.c.code == f"@C{i}").values(name=text))
    return db


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def test_csv_export_neutralises_text_and_keeps_numbers(hostile: Database) -> None:
    rep = report(hostile, date(2026, 3, 16), by="customer")
    rows = list(csv.reader(io.StringIO(rep.to_csv(), newline="")))
    header, body = rows[0], rows[1:]
    groups = [dict(zip(header, r, strict=True)) for r in body if r[2]]
    names = {g["group"]: g["name"] for g in groups}
    for i, text in enumerate(INJECTIONS):
        assert names[f"'@C{i}"] == "'" + text
    assert names["'=CN"] == "'-CN Ltd"
    for r in body:
        for cell in r:
            # Every cell is inert text or a plain number; a negative amount stays a number.
            assert not cell.startswith(FORMULA_STARTS) or _is_number(cell)
    amounts = [g["amount"] for g in groups if g["group"] == "'=CN"]
    assert "-30.00" in amounts
    assert all(_is_number(r[7]) and _is_number(r[8]) for r in body)


def test_xlsx_export_neutralises_text_and_writes_numbers(hostile: Database, tmp_path: Path) -> None:
    import openpyxl

    rep = report(hostile, date(2026, 3, 16), by="customer")
    path = tmp_path / "aging.xlsx"
    rep.to_xlsx(path)
    ws = openpyxl.load_workbook(path).active
    header = [c.value for c in next(ws.iter_rows(max_row=1))]
    assert header == ["as_of", "currency", "group", "name", "bucket", "days_from", "days_to",
                      "count", "amount"]  # fmt: skip
    names: dict[str, str] = {}
    credit = []
    for row in ws.iter_rows(min_row=2):
        cells = dict(zip(header, row, strict=True))
        for cell in row:
            assert cell.data_type != "f"
            if isinstance(cell.value, str):
                assert not cell.value.startswith(FORMULA_STARTS)
        assert cells["as_of"].is_date and cells["as_of"].value.date() == date(2026, 3, 16)
        assert isinstance(cells["count"].value, int)
        assert isinstance(cells["amount"].value, int | float)
        assert cells["amount"].number_format == "#,##0.00"
        if cells["group"].value:
            names[cells["group"].value] = cells["name"].value
            if cells["group"].value == "'=CN" and cells["amount"].value:
                credit.append(cells["amount"].value)
    # XML reads a carriage return back as a line feed; the cell stays inert either way.
    assert [names[f"'@C{i}"] for i in range(len(INJECTIONS))] == [
        "'" + t.replace("\r", "\n") for t in INJECTIONS
    ]
    assert credit == [-30]
