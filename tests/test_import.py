"""Ledger import: upsert, payments, audit, bad rows, mappings, encodings, dry run (both DBs)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from storage import audit
from storage.db import SQLITE_CACHE_SIZE, Database
from storage.ledger import MappingError, parse_map_arg
from storage.models import AuditLog, Customer, Invoice, Payment
from tests.conftest import LEDGER_HEADER, run_import, write_csv

_inv = Invoice.__table__  # type: ignore[attr-defined]
_pay = Payment.__table__  # type: ignore[attr-defined]
_cus = Customer.__table__  # type: ignore[attr-defined]
_aud = AuditLog.__table__  # type: ignore[attr-defined]


def invoices(db: Database) -> dict[str, dict]:
    with db.engine.connect() as conn:
        return {r.invoice_no: dict(r._mapping) for r in conn.execute(select(_inv))}


def payments(db: Database, invoice_no: str) -> list[tuple[date, int, bool]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(_pay.c.paid_on, _pay.c.amount_minor, _pay.c.dated)
            .join(_inv, _inv.c.id == _pay.c.invoice_id)
            .where(_inv.c.invoice_no == invoice_no)
            .order_by(_pay.c.id)
        )
        return [tuple(r) for r in rows]


def audit_actions(db: Database) -> list[tuple[str, str, dict]]:
    with db.engine.connect() as conn:
        return [
            (r.action, r.entity_id, json.loads(r.detail))
            for r in conn.execute(select(_aud).order_by(_aud.c.id))
        ]


BASE_ROWS = [
    (
        "INV-001",
        "C1",
        "上海华东机械有限公司",
        "important",
        "wang.wei",
        "2026-01-05",
        "2026-02-04",
        "CNY",
        "12,000.00",
        "",
        "",
        "no",
    ),
    (
        "INV-002",
        "C1",
        "上海华东机械有限公司",
        "important",
        "wang.wei",
        "2026-01-20",
        "2026-02-19",
        "CNY",
        "8000",
        "3000",
        "",
        "yes",
    ),
    (
        "INV-003",
        "C2",
        "Northwind Supply Ltd",
        "normal",
        "tom.baker",
        "2025-11-01",
        "2025-12-01",
        "USD",
        "$1,500.50",
        "1500.50",
        "2025-12-10",
        "no",
    ),
    ("0004", "C3", "Sakura K.K.", "", "", "2026-02-01", "", "JPY", "250000", "", "", "no"),
]


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, BASE_ROWS)


def test_import_creates_customers_invoices_and_payments(db: Database, ledger: Path) -> None:
    result = run_import(db, ledger)
    assert (result.rows, result.created, result.updated, result.unchanged) == (4, 4, 0, 0)
    assert result.bad == []
    assert result.customers_created == 3
    inv = invoices(db)
    assert inv["INV-001"]["amount_minor"] == 1_200_000
    assert inv["INV-001"]["status"] == "open" and inv["INV-001"]["owner"] == "wang.wei"
    assert inv["INV-002"]["paid_minor"] == 300_000 and inv["INV-002"]["disputed"] is True
    assert inv["INV-003"]["currency"] == "USD" and inv["INV-003"]["status"] == "paid"
    assert inv["INV-003"]["settled_date"] == date(2025, 12, 10)
    # JPY has no minor unit; a missing due date is issue date + the default terms (30).
    assert inv["0004"]["amount_minor"] == 250_000
    assert inv["0004"]["due_date"] == date(2026, 3, 3)
    # A known settlement day dates the payment; a partial payment without a day gets the
    # import day and is marked undated.
    assert payments(db, "INV-003") == [(date(2025, 12, 10), 150_050, True)]
    assert payments(db, "INV-002") == [(date(2026, 3, 16), 300_000, False)]
    with db.engine.connect() as conn:
        names = dict(conn.execute(select(_cus.c.code, _cus.c.name)).all())
        segment = conn.execute(select(_cus.c.segment).where(_cus.c.code == "C1")).scalar_one()
    assert names["C1"] == "上海华东机械有限公司" and segment == "important"
    actions = audit_actions(db)
    assert [a[0] for a in actions] == ["ledger.import"]
    assert actions[0][2]["created"] == 4 and len(actions[0][2]["sha256"]) == 64


def test_reimporting_the_same_file_changes_nothing(db: Database, ledger: Path) -> None:
    run_import(db, ledger)
    before = invoices(db)
    again = run_import(db, ledger)
    assert (again.created, again.updated, again.unchanged, again.payments_added) == (0, 0, 4, 0)
    assert invoices(db) == before
    assert [a[0] for a in audit_actions(db)] == ["ledger.import", "ledger.import"]


def test_changed_amount_and_new_payment_are_applied_and_audited(
    db: Database, tmp_path: Path, ledger: Path
) -> None:
    run_import(db, ledger)
    rows = [list(r) for r in BASE_ROWS]
    rows[0][8] = "12,500.00"  # amount corrected
    rows[1][9] = "8000"  # the rest of INV-002 paid...
    rows[1][10] = "2026-03-10"  # ...on this day
    changed = write_csv(tmp_path / "changed.csv", LEDGER_HEADER, rows)
    result = run_import(db, changed, today=date(2026, 3, 17))
    assert (result.updated, result.unchanged, result.payments_added) == (2, 2, 1)
    inv = invoices(db)
    assert inv["INV-001"]["amount_minor"] == 1_250_000
    assert inv["INV-002"]["status"] == "paid"
    assert inv["INV-002"]["settled_date"] == date(2026, 3, 10)
    assert payments(db, "INV-002") == [
        (date(2026, 3, 16), 300_000, False),
        (date(2026, 3, 10), 500_000, True),
    ]
    updates = {a[1]: a[2] for a in audit_actions(db) if a[0] == "invoice.update"}
    assert updates["INV-001"]["changes"]["amount_minor"] == [1_200_000, 1_250_000]
    assert updates["INV-002"]["payment"]["amount_minor"] == 500_000
    assert updates["INV-002"]["changes"]["status"] == ["open", "paid"]
    with db.engine.connect() as conn:
        assert audit.verify(conn).ok


def test_bad_rows_are_reported_and_good_rows_still_land(db: Database, tmp_path: Path) -> None:
    rows = [
        ("A-1", "C1", "", "", "", "2026-01-05", "2026-02-04", "CNY", "100", "", "", ""),
        ("A-2", "C1", "", "", "", "2026-13-05", "", "CNY", "100", "", "", ""),
        ("A-3", "C1", "", "", "", "2026-01-05", "2026-02-04", "CNY", "abc", "", "", ""),
        ("", "C1", "", "", "", "2026-01-05", "2026-02-04", "CNY", "100", "", "", ""),
        ("A-5", "", "", "", "", "2026-01-05", "2026-02-04", "CNY", "100", "", "", ""),
        ("A-6", "C1", "", "", "", "2026-03-05", "2026-02-04", "CNY", "100", "", "", ""),
        ("A-7", "C1", "", "", "", "2026-01-05", "2026-02-04", "USD", "1.005", "", "", ""),
        ("A-1", "C1", "", "", "", "2026-01-05", "2026-02-04", "CNY", "100", "", "", ""),
        ("A-9", "C1", "", "", "", "2026-01-05", "2026-02-04", "CNY", "100", "", "", "maybe"),
        (
            "A-10",
            "C1",
            "",
            "",
            "",
            "2026-01-05",
            "2026-02-04",
            "CNY",
            "100",
            "40",
            "2026-02-01",
            "",
        ),
        ("A-11", "C1", "", "", "", "2026-01-05", "2026-02-04", "CNY", "200", "", "", ""),
    ]
    path = write_csv(tmp_path / "bad.csv", LEDGER_HEADER, rows)
    result = run_import(db, path)
    reasons = {b.row: b.reason for b in result.bad}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert "issue date" in reasons[3] and "2026-13-05" in reasons[3]
    assert "amount" in reasons[4] and "abc" in reasons[4]
    assert reasons[5] == "invoice number is blank"
    assert reasons[6] == "customer is blank"
    assert "before issue date" in reasons[7]
    assert "more decimal places than USD allows (2)" in reasons[8]
    assert reasons[9] == "invoice A-1 already appears on row 2"
    assert "disputed" in reasons[10] and "maybe" in reasons[10]
    assert "settled on 2026-02-01 but paid 40" in reasons[11]
    assert result.created == 2 and sorted(invoices(db)) == ["A-1", "A-11"]


def test_dry_run_lists_changes_and_writes_nothing(
    db: Database, tmp_path: Path, ledger: Path
) -> None:
    run_import(db, ledger)
    rows = [list(r) for r in BASE_ROWS] + [
        [
            "INV-009",
            "C9",
            "New Customer",
            "",
            "",
            "2026-03-01",
            "2026-03-31",
            "CNY",
            "5",
            "",
            "",
            "no",
        ]
    ]
    rows[0][8] = "12,345.00"
    path = write_csv(tmp_path / "next.csv", LEDGER_HEADER, rows)
    before, audit_before = invoices(db), audit_actions(db)
    result = run_import(db, path, dry_run=True)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 3)
    assert result.dry_run
    assert any("INV-001" in c and "12000.00 CNY → 12345.00 CNY" in c for c in result.changes)
    assert any("new invoice INV-009" in c for c in result.changes)
    assert invoices(db) == before
    assert audit_actions(db) == audit_before


def test_a_column_the_file_lacks_keeps_what_the_bot_knows(db: Database, tmp_path: Path) -> None:
    header = ("invoice_no", "customer", "issue_date", "due_date", "amount", "disputed")
    first = write_csv(
        tmp_path / "a.csv", header, [("X-1", "C1", "2026-01-01", "2026-01-31", "100", "yes")]
    )
    run_import(db, first)
    second = write_csv(
        tmp_path / "b.csv", header[:-1], [("X-1", "C1", "2026-01-01", "2026-01-31", "100")]
    )
    result = run_import(db, second)
    assert result.unchanged == 1
    assert invoices(db)["X-1"]["disputed"] is True


def test_mapping_composite_key_and_outstanding_column(db: Database, tmp_path: Path) -> None:
    # The shape of the Kaggle ledger: no invoice number, DD-Mon-YY dates, paid + outstanding.
    header = (
        "Description",
        "Vendor_Name",
        "Created",
        "Invoice_Date",
        "Due_Date",
        "Amount",
        "Settled",
        "Outstanding",
    )
    rows = [
        (
            "Annual Fee",
            "Aaron Hoffman",
            "26-11-2015 12:38",
            "30-Nov-15",
            "30-Dec-15",
            "11.98",
            "11.98",
            "0.0",
        ),
        (
            "",
            "Aaron Murphy",
            "27-10-2016 10:35",
            "06-Sep-16",
            "06-Oct-16",
            "56.98",
            "20.00",
            "36.98",
        ),
    ]
    path = write_csv(tmp_path / "k.csv", header, rows)
    mapping = parse_map_arg(
        "invoice_no=Vendor_Name+Invoice_Date,customer=Vendor_Name,"
        "issue_date=Invoice_Date,due_date=Due_Date,amount=Amount,"
        "paid_amount=Settled,outstanding=Outstanding"
    )
    result = run_import(db, path, columns=mapping, currency="USD")
    assert result.bad == [] and result.created == 2
    inv = invoices(db)
    hoffman = inv["Aaron Hoffman / 30-Nov-15"]
    assert hoffman["issue_date"] == date(2015, 11, 30) and hoffman["status"] == "paid"
    assert inv["Aaron Murphy / 06-Sep-16"]["paid_minor"] == 2000


def test_mapping_errors_name_the_problem(db: Database, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "m.csv",
        ("invoiceNumber", "cust", "InvoiceAmount", "DueDate"),
        [("1", "C", "5", "1/2/2013")],
    )
    with pytest.raises(MappingError, match=r"customer=customerID: no column 'customerID'"):
        run_import(db, path, columns={"invoice_no": "invoiceNumber", "customer": "customerID"})
    with pytest.raises(MappingError, match=r"no column for invoice_no, customer, amount"):
        run_import(db, path)
    with pytest.raises(MappingError, match="unknown field 'invoice'"):
        parse_map_arg("invoice=invoiceNumber")
    with pytest.raises(MappingError, match="is not field=column"):
        parse_map_arg("invoice_no")


def test_ibm_shaped_export_with_only_a_mapping(db: Database, tmp_path: Path) -> None:
    # Rows in the shape of IBM's Accounts-Receivable sample (M/D/YYYY, zero-padded numbers).
    header = (
        "countryCode",
        "customerID",
        "PaperlessDate",
        "invoiceNumber",
        "InvoiceDate",
        "DueDate",
        "InvoiceAmount",
        "Disputed",
        "SettledDate",
        "PaperlessBill",
        "DaysToSettle",
        "DaysLate",
    )
    rows = [
        (
            "391",
            "0379-NEVHP",
            "4/6/2013",
            "0000611365",
            "1/2/2013",
            "2/1/2013",
            "55.94",
            "No",
            "1/15/2013",
            "Paper",
            "13",
            "0",
        ),
        (
            "406",
            "8976-AMJEO",
            "3/3/2012",
            "0007900770",
            "1/26/2013",
            "2/25/2013",
            "61.74",
            "Yes",
            "3/3/2013",
            "Electronic",
            "36",
            "6",
        ),
    ]
    path = write_csv(tmp_path / "ibm.csv", header, rows)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    mapping = parse_map_arg(
        "invoice_no=invoiceNumber,customer=customerID,issue_date=InvoiceDate,due_date=DueDate,"
        "amount=InvoiceAmount,settled_date=SettledDate,disputed=Disputed"
    )
    result = run_import(db, path, columns=mapping, currency="USD")
    assert result.bad == [] and result.created == 2
    inv = invoices(db)
    assert set(inv) == {"0000611365", "0007900770"}
    assert inv["0007900770"]["settled_date"] == date(2013, 3, 3)
    assert inv["0007900770"]["disputed"] is True
    assert payments(db, "0000611365") == [(date(2013, 1, 15), 5594, True)]


def test_gbk_semicolon_file_and_decimal_comma(db: Database, tmp_path: Path) -> None:
    header = ("invoice_no", "customer", "customer_name", "issue_date", "amount", "currency")
    path = write_csv(
        tmp_path / "gbk.csv",
        header,
        [("G-1", "S1", "深圳市恒通电子科技有限公司", "05.01.2026", "1.234,56", "EUR")],
        encoding="gbk",
        delimiter=";",
    )
    result = run_import(db, path, decimal_comma=True)
    assert result.bad == []
    inv = invoices(db)["G-1"]
    assert (inv["amount_minor"], inv["currency"]) == (123456, "EUR")
    with db.engine.connect() as conn:
        name = conn.execute(select(_cus.c.name).where(_cus.c.code == "S1")).scalar_one()
    assert name == "深圳市恒通电子科技有限公司"


def test_xlsx_import(db: Database, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["invoice_no", "customer", "issue_date", "due_date", "amount", "terms_days"])
    ws.append(["X-1", "C1", date(2026, 1, 5), None, 1234.5, "Net 45"])
    ws.append(["X-2", "C2", date(2026, 1, 6), date(2026, 2, 5), 0.1, None])
    path = tmp_path / "ledger.xlsx"
    wb.save(path)
    result = run_import(db, path)
    assert result.bad == [] and result.created == 2
    inv = invoices(db)
    assert inv["X-1"]["amount_minor"] == 123450 and inv["X-1"]["due_date"] == date(2026, 2, 19)
    assert inv["X-2"]["amount_minor"] == 10


def test_credit_note_and_reversal(db: Database, tmp_path: Path) -> None:
    header = ("invoice_no", "customer", "issue_date", "due_date", "amount", "paid_amount")
    first = write_csv(
        tmp_path / "a.csv",
        header,
        [
            ("CN-1", "C1", "2026-01-10", "2026-01-10", "-500.00", "0"),
            ("I-1", "C1", "2026-01-01", "2026-01-31", "1000", "1000"),
        ],
    )
    run_import(db, first)
    inv = invoices(db)
    assert inv["CN-1"]["amount_minor"] == -50000 and inv["CN-1"]["status"] == "open"
    # The bank returned the payment: the ledger shows it unpaid again.
    second = write_csv(
        tmp_path / "b.csv",
        header,
        [
            ("CN-1", "C1", "2026-01-10", "2026-01-10", "-500.00", "-500.00"),
            ("I-1", "C1", "2026-01-01", "2026-01-31", "1000", "0"),
        ],
    )
    result = run_import(db, second)
    assert result.updated == 2
    inv = invoices(db)
    assert inv["CN-1"]["status"] == "paid"
    assert inv["I-1"]["status"] == "open" and inv["I-1"]["settled_date"] is None
    assert [p[1] for p in payments(db, "I-1")] == [100000, -100000]


def test_shift_days_moves_every_date(db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", LEDGER_HEADER, BASE_ROWS[2:3])
    run_import(db, path, shift_days=10)
    inv = invoices(db)["INV-003"]
    assert (inv["issue_date"], inv["due_date"], inv["settled_date"]) == (
        date(2025, 11, 11),
        date(2025, 12, 11),
        date(2025, 12, 20),
    )
    assert payments(db, "INV-003")[0][0] == date(2025, 12, 20)


def test_unreadable_file_is_one_clear_error(db: Database, tmp_path: Path) -> None:
    from storage.ledger_parse import ParseError

    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ParseError, match="xlsx"):
        run_import(db, old)


def test_many_rows_span_chunks(db: Database, tmp_path: Path) -> None:
    rows = [
        (
            f"N-{i:05d}",
            f"C{i % 37}",
            "",
            "",
            "",
            "2026-01-01",
            "2026-02-01",
            "CNY",
            f"{i}.{i % 100:02d}",
            "",
            "",
            "",
        )
        for i in range(1, 4501)
    ]
    path = write_csv(tmp_path / "big.csv", LEDGER_HEADER, rows)
    result = run_import(db, path)
    assert (result.created, result.customers_created) == (4500, 37)
    again = run_import(db, path)
    assert again.unchanged == 4500
    total = sum(r["amount_minor"] for r in invoices(db).values())
    assert Decimal(total) / 100 == sum(Decimal(f"{i}.{i % 100:02d}") for i in range(1, 4501))


def _big_file(tmp_path: Path, n: int = 9000) -> Path:
    rows = [
        (f"B-{i:05d}", "C1", "", "", "", "2026-01-01", "2026-02-01", "CNY", "1", "", "", "")
        for i in range(n)
    ]
    return write_csv(tmp_path / "big.csv", LEDGER_HEADER, rows)


def test_a_failing_write_stops_the_reader_and_leaves_nothing(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from storage import ledger

    calls = {"n": 0}
    real_apply = ledger._Importer.apply

    def apply(self: ledger._Importer, records: list) -> None:  # type: ignore[type-arg]
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        real_apply(self, records)

    monkeypatch.setattr(ledger._Importer, "apply", apply)
    with pytest.raises(RuntimeError, match="disk full"):
        run_import(db, _big_file(tmp_path))
    assert invoices(db) == {}
    assert not [t for t in threading.enumerate() if t.name == "ledger-reader"]


def test_a_failing_read_reaches_the_caller_and_leaves_nothing(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage import ledger

    real_record = ledger._RowReader.record

    def record(self: ledger._RowReader, row: int, cells: list[str]) -> object:
        if row == 5000:
            raise OSError("the network share went away")
        return real_record(self, row, cells)

    monkeypatch.setattr(ledger._RowReader, "record", record)
    with pytest.raises(OSError, match="network share"):
        run_import(db, _big_file(tmp_path))
    assert invoices(db) == {}


def _snapshot(db: Database) -> tuple[dict, list, dict]:
    with db.engine.connect() as conn:
        pays = sorted(
            tuple(r)
            for r in conn.execute(
                select(_inv.c.invoice_no, _pay.c.paid_on, _pay.c.amount_minor, _pay.c.dated).join(
                    _inv, _inv.c.id == _pay.c.invoice_id
                )
            )
        )
        custs = {r.code: (r.name, r.segment, r.owner) for r in conn.execute(select(_cus))}
    inv = {
        k: {c: v for c, v in row.items() if c not in ("id", "customer_id")}
        for k, row in invoices(db).items()
    }
    return inv, pays, custs


def test_the_big_file_path_gives_the_same_result(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Above a size threshold the import parses in a child process and, into an empty SQLite
    # ledger, builds its indexes at the end. Forced here on a small file.
    from storage import ledger

    rows = [
        (
            f"K-{i:05d}",
            f"C{i % 13}",
            f"客户 {i % 13}",
            "",
            "tom.baker",
            "2026-01-01",
            "2026-02-01",
            "USD" if i % 5 == 0 else "CNY",
            f"{i}.50",
            f"{i}.50" if i % 3 == 0 else ("1.00" if i % 3 == 1 else ""),
            "2026-02-10" if i % 3 == 0 else "",
            "yes" if i % 7 == 0 else "no",
        )
        for i in range(1, 5001)
    ]
    rows.append(("K-BAD", "C1", "", "", "", "2026-01-01", "", "CNY", "oops", "", "", ""))
    path = write_csv(tmp_path / "k.csv", LEDGER_HEADER, rows)
    small = run_import(db, path)
    expected = _snapshot(db)
    other = Database(f"sqlite:///{tmp_path}/big.db")
    other.migrate()
    monkeypatch.setattr(ledger, "_BULK_BYTES", 0)
    big = run_import(other, path)
    assert (big.created, big.payments_added, big.customers_created) == (
        small.created,
        small.payments_added,
        small.customers_created,
    )
    assert [(b.row, b.reason) for b in big.bad] == [(b.row, b.reason) for b in small.bad]
    assert big.bad[0].row == 5002
    assert _snapshot(other) == expected
    with other.engine.connect() as conn:
        names = {
            r[0]
            for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == SQLITE_CACHE_SIZE
    assert {
        "ix_invoice_owner",
        "ix_invoice_open_due",
        "ix_invoice_customer_status",
        "ix_payment_invoice_paid_on",
        "ix_payment_paid_on",
        "ix_payment_undated",
    } <= names
    again = run_import(other, path)  # the big path into a non-empty ledger: an upsert
    assert (again.created, again.unchanged) == (0, 5000)
    other.dispose()


def test_an_error_in_the_reader_process_reaches_the_caller(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage import ledger
    from storage.ledger_parse import ParseError

    path = tmp_path / "broken.csv"
    good = "".join(f"R-{i},C1,2026-01-01,100\n" for i in range(3000))
    path.write_text(
        "invoice_no,customer,issue_date,amount\n" + good + 'R-x,C1,"' + "x" * 200_000 + "\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(ledger, "_BULK_BYTES", 0)
    with pytest.raises(ParseError):
        run_import(db, path)
    assert invoices(db) == {}
    if db.is_sqlite:  # the big import's page cache went back with the failed connection
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == SQLITE_CACHE_SIZE
