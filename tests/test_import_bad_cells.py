"""Imports keep the good rows, always: a table of hostile cells, huge fields, the amount limit,
the errors file and its round trip, and the day/month order warning (both databases)."""

from __future__ import annotations

import csv
import logging
import tracemalloc
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from playbook.aging import AgingPolicy
from storage.db import Database
from storage.ledger_errors import write_errors_file
from storage.ledger_files import read_table
from storage.ledger_options import ImportOptions, ImportResult
from storage.ledger_parse import ParseError
from storage.ledger_rows import RowReader, read_records
from storage.models import Customer, Invoice
from storage.reports import aging_report
from tests.conftest import LEDGER_HEADER, run_import, write_csv

_inv = Invoice.__table__  # type: ignore[attr-defined]
_cus = Customer.__table__  # type: ignore[attr-defined]
COL = {name: i for i, name in enumerate(LEDGER_HEADER)}


def good(n: int) -> list[str]:
    return [f"G-{n}", f"C{n}", f"Customer {n}", "", "", "2026-01-05", "2026-02-04", "CNY",
            f"{n}00.00", "", "", "no"]  # fmt: skip


def row_with(**cells: str) -> list[str]:
    row = ["BAD-1", "C9", "Bad Co", "", "", "2026-01-05", "2026-02-04", "CNY", "100", "", "", ""]
    for name, value in cells.items():
        row[COL[name]] = value
    return row


def invoices(db: Database) -> dict[str, tuple[str, int, int]]:
    with db.engine.connect() as conn:
        return {
            r.invoice_no: (r.currency, r.amount_minor, r.paid_minor)
            for r in conn.execute(select(_inv))
        }


BAD_CELLS = [
    # amounts that overflow, or are not numbers at all
    ({"amount": "99999999999999999999999"}, ["amount", "ledger.max_amount"]),
    ({"amount": "92233720368547758.07"}, ["amount", "ledger.max_amount"]),
    ({"amount": "-99999999999999999999999"}, ["amount", "ledger.max_amount"]),
    ({"amount": "1000000000000.01"}, ["more than ledger.max_amount (1,000,000,000,000)"]),
    ({"amount": "1e400"}, ["amount", "scientific notation"]),
    ({"amount": "9" * 5000}, ["amount", "5,000 characters long"]),
    ({"amount": "NaN"}, ["amount", "'NaN'"]),
    ({"amount": "Infinity"}, ["amount", "'Infinity'"]),
    ({"amount": "-inf"}, ["amount", "'-inf'"]),
    ({"amount": "=1+1"}, ["amount", "'=1+1' is not an amount"]),
    ({"currency": "USD", "amount": "1.0000000000000000000000000001"}, ["more decimal places"]),
    ({"paid_amount": "99999999999999999999999"}, ["paid amount", "ledger.max_amount"]),
    # payments that cannot be true
    ({"paid_amount": "150"}, ["paid amount 150 is more than the invoice amount 100"]),
    ({"paid_amount": "-5"}, ["paid amount -5 is negative", "invoice is for 100"]),
    ({"amount": "-100", "paid_amount": "5"}, ["paid amount 5 is positive", "credit note"]),
    ({"amount": "-100", "paid_amount": "-150"}, ["more than the invoice amount -100"]),
    # currencies
    ({"amount": "$1,234.56", "currency": "EUR"}, ["dollar or peso sign ($)", "says EUR"]),
    ({"amount": "¥1,000", "currency": "USD"}, ["yuan or yen sign (¥)", "says USD"]),
    ({"amount": "$100", "currency": ""}, ["dollar", "the default is CNY"]),
    ({"amount": "€100", "currency": "USD"}, ["amount is in EUR but the currency column says USD"]),
    ({"amount": "$12 EUR", "currency": ""}, ["names two currencies ($ and EUR)"]),
    ({"currency": "EUR", "paid_amount": "$5"}, ["paid amount '$5' has a dollar", "EUR"]),
    ({"currency": "XXX"}, ["currency", "XXX means 'no currency'"]),
    ({"currency": "XTS"}, ["currency", "testing"]),
    ({"currency": "ABC"}, ["currency", "ABC is not an ISO 4217 currency code"]),
    ({"currency": "", "amount": "ABC 100"}, ["ABC is not an ISO 4217 currency code"]),
    # text too long for its column, or not text
    ({"owner": "o" * 81}, ["owner", "81 characters long", "80"]),
    ({"invoice_no": "I" * 121}, ["invoice number", "121 characters long", "120"]),
    ({"customer": "C" * 121}, ["customer", "121 characters long"]),
    ({"customer_name": "N" * 40_000}, ["customer name", "40,000 characters long", "32,767"]),
    ({"customer_name": "Bad\x00Co"}, ["NUL character"]),
    ({"issue_date": "9" * 5000}, ["issue date", "5,000 characters long"]),
    ({"issue_date": "2026-02-30"}, ["issue date", "no day 30 in February"]),
    ({"issue_date": "9999-12-31", "due_date": ""}, ["issue date 9999-12-31 is not a plausible"]),
    ({"issue_date": "0001-01-01"}, ["issue date 0001-01-01 is not a plausible ledger date"]),
    ({"due_date": "31/12/9999"}, ["due date", "'31/12/9999'"]),
    ({"due_date": "1 " + " " * 90 + "10:00"}, ["due date", "is not a date"]),
    ({"disputed": "=cmd|' /C calc'!A0"}, ["disputed", "is not a yes/no value"]),
]


@pytest.mark.parametrize(("cells", "fragments"), BAD_CELLS, ids=[str(c)[:60] for c, _ in BAD_CELLS])
def test_a_bad_cell_is_its_rows_error_and_the_rows_around_it_land(
    db: Database, tmp_path: Path, cells: dict[str, str], fragments: list[str]
) -> None:
    path = write_csv(tmp_path / "l.csv", LEDGER_HEADER, [good(1), row_with(**cells), good(2)])
    result = run_import(db, path)
    assert [b.row for b in result.bad] == [3]
    reason = result.bad[0].reason
    for fragment in fragments:
        assert fragment in reason
    assert len(reason) < 700  # a runaway cell is quoted short, never in full
    assert result.created == 2
    assert invoices(db) == {"G-1": ("CNY", 10_000, 0), "G-2": ("CNY", 20_000, 0)}


def test_unexpected_error_in_one_row_is_that_rows_error(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from storage import ledger_rows

    real = ledger_rows.parse_bool

    def parse_bool(text: str) -> bool:
        if text == "boom":
            raise KeyError("a bug, not the cell's fault")
        return real(text)

    monkeypatch.setattr(ledger_rows, "parse_bool", parse_bool)
    path = write_csv(
        tmp_path / "l.csv", LEDGER_HEADER, [good(1), row_with(disputed="boom"), good(2)]
    )
    with caplog.at_level(logging.ERROR, logger="storage.ledger_rows"):
        result = run_import(db, path)
    assert [b.row for b in result.bad] == [3]
    assert "could not be read (an unexpected error" in result.bad[0].reason
    assert "KeyError" not in result.bad[0].reason
    assert "ledger row 3" in caplog.text and "KeyError" in caplog.text
    assert sorted(invoices(db)) == ["G-1", "G-2"]


def test_limits_are_configurable_and_inclusive(db: Database, tmp_path: Path) -> None:
    rows = [
        row_with(invoice_no="AT", amount="1000000000000"),
        row_with(invoice_no="OVER", amount="1000000000000.01"),
        row_with(invoice_no="SMALL-OVER", amount="5000.01"),
    ]
    path = write_csv(tmp_path / "l.csv", LEDGER_HEADER, rows)
    result = run_import(db, path)
    assert [b.row for b in result.bad] == [3]
    assert sorted(invoices(db)) == ["AT", "SMALL-OVER"]
    strict = run_import(db, path, max_amount=Decimal(5000))
    assert [b.row for b in strict.bad] == [2, 3, 4]
    assert "ledger.max_amount (5,000)" in strict.bad[2].reason


def test_a_ceiling_above_64_bits_is_refused_before_any_row() -> None:
    from storage.ledger_options import MappingError

    with pytest.raises(MappingError, match="at most 1,000,000,000,000,000"):
        RowReader(LEDGER_HEADER, ImportOptions(max_amount=Decimal(10) ** 16))
    with pytest.raises(MappingError, match=r"default currency 'XXX'.*no currency"):
        RowReader(LEDGER_HEADER, ImportOptions(currency="XXX"))


def test_the_report_sums_rows_at_the_limit_without_overflow(db: Database, tmp_path: Path) -> None:
    # Ten invoices of 10^15 KWD (three decimals: 10^18 minor units each) add up to more than a
    # 64-bit integer holds. SQLite's SUM would stop with "integer overflow".
    rows = [
        row_with(invoice_no=f"K-{i}", customer="C1", currency="KWD", amount="1000000000000000")
        for i in range(10)
    ]
    rows.append(row_with(invoice_no="K-CN", customer="C1", currency="KWD", amount="-0.001"))
    path = write_csv(tmp_path / "k.csv", LEDGER_HEADER, rows)
    result = run_import(db, path, max_amount=Decimal(10) ** 15)
    assert result.bad == [] and result.created == 11
    with db.engine.connect() as conn:
        doc = aging_report(conn, date(2026, 3, 16), AgingPolicy(), by="customer").to_json()
    (kwd,) = doc["totals"]
    assert (kwd["count"], kwd["amount"]) == (11, "9999999999999999.999")
    assert doc["groups"][0]["amount"] == "9999999999999999.999"
    assert sum(Decimal(b["amount"]) for b in kwd["buckets"]) == Decimal("9999999999999999.999")


# -- huge fields ----------------------------------------------------------------------------


def _huge_file(path: Path, cell: str) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(LEDGER_HEADER) + ",description\n")
        fh.write(",".join(good(1)) + ",fine\n")
        fh.write(",".join(row_with()) + f',"{cell}"\n')
        fh.write(",".join(good(2)) + ",fine\n")
    return path


@pytest.mark.parametrize(
    ("size", "fragment"),
    [
        (200_000, "description: 'xxxx"),
        (20 * 1024 * 1024, "the row is 20,971,"),
    ],
)
def test_a_huge_cell_is_one_bad_row(db: Database, tmp_path: Path, size: int, fragment: str) -> None:
    # 200,000 characters was past the csv module's limit and refused the whole file; 20 MB is
    # past the longest line read at all, which is skipped a piece at a time.
    path = _huge_file(tmp_path / "huge.csv", "x" * size)
    result = run_import(db, path)
    assert [b.row for b in result.bad] == [3]
    assert result.bad[0].reason.startswith(fragment)
    limit = "32,767" if size < 1_000_000 else "1,048,576"
    assert f"characters long, more than the {limit}" in result.bad[0].reason
    assert sorted(invoices(db)) == ["G-1", "G-2"]
    # The errors file keeps what a spreadsheet cell can hold.
    assert result.bad[0].cells[:2] == ("BAD-1", "C9")
    assert len(result.bad[0].cells[-1]) <= 32_767


def test_reading_a_huge_cell_keeps_memory_bounded(tmp_path: Path) -> None:
    path = _huge_file(tmp_path / "huge.csv", "x" * (20 * 1024 * 1024))
    tracemalloc.start()
    try:
        table = read_table(path)
        result = ImportResult(file=path.name)
        records = list(read_records(table, RowReader(table.columns, ImportOptions()), result, None))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(records) == 2 and [b.row for b in result.bad] == [3]
    assert peak < 16 * 1024 * 1024  # the 20 MB cell was never held whole


def test_a_huge_xlsx_cell_is_one_bad_row(db: Database, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([*LEDGER_HEADER, "description"])
    ws.append([*good(1), "fine"])
    ws.append([*row_with(amount="9" * 1_000_000), "y" * 100_000])
    ws.append([*good(2), "fine"])
    path = tmp_path / "huge.xlsx"
    wb.save(path)
    result = run_import(db, path)
    assert [b.row for b in result.bad] == [3]
    # openpyxl reads at most Excel's 32,767 characters of a cell.
    assert result.bad[0].reason.startswith("amount: '99999")
    assert "32,767 characters long, more than the 100" in result.bad[0].reason
    assert sorted(invoices(db)) == ["G-1", "G-2"]


def test_an_unclosed_quote_still_refuses_the_file(db: Database, tmp_path: Path) -> None:
    # A quote that never closes swallows every row after it: that is not one bad row.
    path = tmp_path / "q.csv"
    path.write_text(
        ",".join(LEDGER_HEADER) + "\n" + ",".join(good(1)) + '\n"G-2,C2\n' + ",".join(good(3)),
        encoding="utf-8",
    )
    with pytest.raises(ParseError, match=r"row 3: .*unclosed double quote"):
        run_import(db, path)
    assert invoices(db) == {}


def test_a_long_line_inside_a_quoted_cell_refuses_the_file(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text(
        ",".join(LEDGER_HEADER) + "\n" + ",".join(good(1)) + '\nX,"a\n' + "b" * 1_100_000 + "\n",
        encoding="utf-8",
    )
    with pytest.raises(ParseError, match=r"row 3: a quoted cell runs on"):
        run_import(db, path)


# -- the errors file ---------------------------------------------------------------------------

INJECTIONS = ['=HYPERLINK("http://x","y")', "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"]


def _bad_rows_with_injections() -> list[list[str]]:
    rows = []
    for i, text in enumerate(INJECTIONS):
        # The formula sits in the customer name; the row is bad for its amount.
        rows.append(
            row_with(invoice_no=f"X-{i}", customer=f"C-X{i}", customer_name=text, amount="oops")
        )
    rows.append(row_with(invoice_no="=1+2", amount="-1+2"))
    rows.append(row_with(invoice_no="@A1", amount="-100.00", paid_amount="-150.00"))
    return rows


def _fix(cells: list[str]) -> list[str]:
    cells = list(cells)
    at = 2 + COL["amount"]
    cells[at] = "250.00"
    cells[2 + COL["paid_amount"]] = ""
    return cells


def test_errors_file_csv_is_inert_and_imports_again_once_fixed(
    db: Database, tmp_path: Path
) -> None:
    rows = [good(1), *_bad_rows_with_injections(), good(2)]
    result = run_import(db, write_csv(tmp_path / "l.csv", LEDGER_HEADER, rows))
    assert [b.row for b in result.bad] == list(range(3, 11))
    errors = tmp_path / "errors.csv"
    write_errors_file(errors, result)
    with errors.open(newline="", encoding="utf-8-sig") as fh:
        written = list(csv.reader(fh))
    assert written[0] == ["row", "reason", *LEDGER_HEADER]
    body = written[1:]
    assert [r[0] for r in body] == [str(n) for n in range(3, 11)]
    names = [r[2 + COL["customer_name"]] for r in body[: len(INJECTIONS)]]
    assert names == ["'" + t.strip() for t in INJECTIONS]  # as read (stripped), neutralised
    assert body[-2][2 + COL["invoice_no"]] == "'=1+2"
    assert body[-2][2 + COL["amount"]] == "'-1+2"
    assert body[-1][2 + COL["amount"]] == "'-100.00"  # text as read, not a number
    for line in body:
        for cell in line:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert "paid amount -150.00 is more than the invoice amount -100.00" in body[-1][1]

    # The clerk fixes the amounts in place and imports the same file again.
    with errors.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(written[0])
        writer.writerows(_fix(r) for r in body)
    again = run_import(db, errors)
    assert again.bad == [] and again.created == 8
    inv = invoices(db)
    assert inv["=1+2"] == ("CNY", 25_000, 0) and inv["@A1"] == ("CNY", 25_000, 0)
    with db.engine.connect() as conn:
        names_in_db = dict(conn.execute(select(_cus.c.code, _cus.c.name)).all())
    assert [names_in_db[f"C-X{i}"] for i in range(len(INJECTIONS))] == [
        t.strip() for t in INJECTIONS
    ]


def test_errors_file_xlsx_is_inert_and_imports_again_once_fixed(
    db: Database, tmp_path: Path
) -> None:
    rows = [good(1), *_bad_rows_with_injections(), good(2)]
    result = run_import(db, write_csv(tmp_path / "l.csv", LEDGER_HEADER, rows))
    errors = tmp_path / "errors.xlsx"
    write_errors_file(errors, result)
    wb = openpyxl.load_workbook(errors)
    ws = wb.active
    values = [[c.value for c in r] for r in ws.iter_rows()]
    assert values[0] == ["row", "reason", *LEDGER_HEADER]
    for r in ws.iter_rows(min_row=2):
        assert r[0].data_type == "n" and isinstance(r[0].value, int)
        for cell in r[1:]:
            assert cell.data_type != "f"  # never a formula
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert values[1][2 + COL["customer_name"]] == "'" + INJECTIONS[0]
    for r in ws.iter_rows(min_row=2):
        r[2 + COL["amount"]].value = "250.00"
        r[2 + COL["paid_amount"]].value = None
    wb.save(errors)
    again = run_import(db, errors)
    assert again.bad == [] and again.created == 8
    assert invoices(db)["=1+2"] == ("CNY", 25_000, 0)


def test_errors_file_keeps_every_kind_of_bad_row(db: Database, tmp_path: Path) -> None:
    # A duplicate, a huge line and a cell error each keep their cells, in the file's order.
    path = _huge_file(tmp_path / "h.csv", "z" * (2 * 1024 * 1024))
    with path.open("a", encoding="utf-8", newline="") as fh:
        fh.write(",".join(good(1)) + ",again\n")
        fh.write(",".join(row_with(invoice_no="B-2", currency="XXX")) + ",x\n")
    result = run_import(db, path)
    errors = tmp_path / "e.csv"
    write_errors_file(errors, result)
    with errors.open(newline="", encoding="utf-8-sig") as fh:
        written = list(csv.reader(fh))
    assert [r[0] for r in written[1:]] == ["3", "5", "6"]
    assert written[2][1] == "invoice G-1 already appears on row 2"
    assert written[2][2:] == [*good(1), "again"]
    assert written[3][2:] == [*row_with(invoice_no="B-2", currency="XXX"), "x"]


def test_errors_file_columns_never_collide_with_the_files(db: Database, tmp_path: Path) -> None:
    header = ("invoice_no", "customer", "issue_date", "amount", "Row", "reason")
    path = write_csv(tmp_path / "l.csv", header, [("A", "C1", "2026-01-01", "oops", "7", "why")])
    result = run_import(db, path)
    errors = tmp_path / "e.csv"
    write_errors_file(errors, result)
    with errors.open(newline="", encoding="utf-8-sig") as fh:
        written = list(csv.reader(fh))
    assert written[0] == ["import row", "import reason", *header]
    assert written[1][2:] == ["A", "C1", "2026-01-01", "oops", "7", "why"]


# -- day/month order -------------------------------------------------------------------------


def _dated(path: Path, issue: list[str], due: list[str] | None = None) -> Path:
    header = ("invoice_no", "customer", "issue_date", "due_date", "amount")
    due = due or [""] * len(issue)
    rows = [(f"D-{i}", "C1", a, b, "10") for i, (a, b) in enumerate(zip(issue, due, strict=True))]
    return write_csv(path, header, rows)


def test_undecidable_day_month_order_warns_naming_the_format(db: Database, tmp_path: Path) -> None:
    path = _dated(tmp_path / "a.csv", ["05/03/2026", "01/02/2026", "12/11/2025"])
    result = run_import(db, path)
    assert result.bad == [] and result.created == 3
    (warning,) = result.warnings
    assert "issue date (column 'issue_date')" in warning
    assert "'05/03/2026'" in warning and "read month-first" in warning
    assert "--date-format '%d/%m/%Y'" in warning and "ledger.date_format" in warning
    dashes = _dated(tmp_path / "b.csv", ["05-03-2026", "01-02-2026"])
    (warning,) = run_import(db, dashes).warnings
    assert "read day-first" in warning and "--date-format '%m-%d-%Y'" in warning


def test_a_refused_day_first_date_joins_the_warning(db: Database, tmp_path: Path) -> None:
    path = _dated(tmp_path / "a.csv", ["05/03/2026", "25/03/2026"])
    result = run_import(db, path)
    assert [b.row for b in result.bad] == [3]
    (warning,) = result.warnings
    assert "1 rows were refused because their dates only fit day-first" in warning


@pytest.mark.parametrize(
    ("issue", "due", "options"),
    [
        (["2026-03-05", "2026-01-02"], None, {}),
        (["05/03/2026", "05/13/2026"], None, {}),  # the 13th decides: month-first
        (["05-03-2026", "13-03-2026"], None, {}),  # the 13th decides: day-first
        (["05/05/2026", "11/11/2025"], None, {}),  # the same either way
        (["5-Mar-2026", "1 February 2026"], None, {}),
        (["20260305", "45000"], None, {}),
        (["05/03/2026", "01/02/2026"], None, {"date_format": "%d/%m/%Y"}),
    ],
)
def test_decided_orders_do_not_warn(
    db: Database, tmp_path: Path, issue: list[str], due: list[str] | None, options: dict
) -> None:
    result = run_import(db, _dated(tmp_path / "a.csv", issue, due), **options)
    assert result.bad == [] and result.warnings == []


def test_order_is_decided_per_column(db: Database, tmp_path: Path) -> None:
    path = _dated(tmp_path / "a.csv", ["05/03/2026", "06/03/2026"], ["06/20/2026", "07/20/2026"])
    (warning,) = run_import(db, path).warnings
    assert warning.startswith("issue date (column 'issue_date')")


def test_the_child_process_reader_reports_the_same(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Big files are parsed in a child process: its bad rows (with their cells) and its
    # warnings must reach the caller just as the inline reader's do.
    from storage import ledger

    rows = [good(i) for i in range(1, 5000)]
    for row in rows:
        row[COL["issue_date"]], row[COL["due_date"]] = "05/03/2026", "06/03/2026"
    rows[10] = row_with(invoice_no="BAD-A", currency="XXX", issue_date="05/03/2026", due_date="")
    rows[4000] = row_with(invoice_no="BAD-B", amount="99999999999999999999999", due_date="")
    path = write_csv(tmp_path / "big.csv", LEDGER_HEADER, rows)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("BAD-C,C1," + "x" * (1 << 21) + "\n")
    inline = run_import(db, path, dry_run=True)
    monkeypatch.setattr(ledger, "_BULK_BYTES", 0)
    child = run_import(db, path, dry_run=True)
    assert [b.row for b in inline.bad] == [12, 4002, 5001]
    assert child.bad == inline.bad
    assert child.bad[0].cells[0] == "BAD-A"
    assert len(child.warnings) == 2 and child.warnings == inline.warnings
    assert child.created == inline.created == 4997


def test_the_limit_comes_from_the_config(db: Database, tmp_path: Path) -> None:
    from bot.app import ledger_options
    from bot.kernel.config import load_config
    from storage.ledger import import_ledger
    from tests.conftest import NOW, TEST_CONFIG

    config_path = tmp_path / "config.yaml"
    config_path.write_text(TEST_CONFIG + "ledger:\n  max_amount: 150\n", encoding="utf-8")
    options = ledger_options(load_config(config_path, env={}))
    assert options.max_amount == Decimal(150)
    path = write_csv(tmp_path / "l.csv", LEDGER_HEADER, [good(1), good(2)])
    result = import_ledger(db, path, options, now=NOW, today=date(2026, 3, 16))
    assert [b.row for b in result.bad] == [3]
    assert "more than ledger.max_amount (150)" in result.bad[0].reason
