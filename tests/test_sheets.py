"""storage.sheets: every CSV/XLSX the bot writes is inert in Excel, and reads back as written."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from storage.ledger_files import read_table
from storage.sheets import csv_text, safe_cell, safe_text, unquote, write_csv, write_xlsx

FORMULAS = [
    '=HYPERLINK("http://x","y")',
    "+1",
    "-1+2",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "=cmd|' /C calc'!A0",
    "-",
    "'=already quoted",
    "''+twice",
    "\nline",
]
PLAIN = ["", "Alpha Ltd", "上海华东机械有限公司", "a=b", "'quoted", "'", "1-30", " =1"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_text_gets_one_quote_and_loses_it_again(text: str) -> None:
    safe = safe_text(text)
    assert safe == "'" + text
    assert unquote(safe) == text


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_is_left_alone(text: str) -> None:
    assert safe_text(text) == text
    assert unquote(text) == text


def test_numbers_dates_and_none_stay_what_they_are() -> None:
    assert safe_cell(Decimal("-12.50")) == Decimal("-12.50")
    assert safe_cell(-3) == -3 and safe_cell(True) is True and safe_cell(None) is None
    assert safe_cell(date(2026, 3, 16)) == date(2026, 3, 16)
    assert safe_cell(float("-inf")) == "'-inf"
    assert safe_cell(Decimal("-Infinity")) == "'-Infinity"
    assert safe_cell("-12.50") == "'-12.50"  # text that looks like a number is still text


def test_csv_round_trip_through_the_ledger_reader(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    header = ["=name", "amount", "when"]
    rows = [[t, Decimal("-1.50"), date(2026, 1, 2)] for t in FORMULAS + PLAIN if t.strip()]
    write_csv(path, header, rows)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    with path.open(newline="", encoding="utf-8-sig") as fh:
        back = list(csv.reader(fh))
    assert back[0] == ["'=name", "amount", "when"]
    assert all(r[1] == "-1.50" and r[2] == "2026-01-02" for r in back[1:])
    table = read_table(path)
    assert table.columns == header
    # What was written comes back; the reader strips plain cells, as on any import.
    expected = [t for t in FORMULAS] + [t.strip() for t in PLAIN if t.strip()]
    assert [cells[0] for _n, cells in table.rows] == expected


def test_csv_quotes_a_lone_carriage_return() -> None:
    text = csv_text(["a", "b"], [["x\ry", 1]])
    assert list(csv.reader(text.splitlines(keepends=True))) == [["a", "b"], ["x\ry", "1"]]


def test_xlsx_cells_are_text_numbers_and_dates(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_xlsx(
        path,
        ["name", "amount", "count", "when"],
        [[t, Decimal("-1234.5"), 3, date(2026, 1, 2)] for t in FORMULAS]
        + [["bad\x01char", Decimal("0.001"), 0, None], ["long", Decimal(7), 1, None]],
    )
    ws = openpyxl.load_workbook(path).active
    rows = list(ws.iter_rows(min_row=2))
    for row, text in zip(rows, FORMULAS, strict=False):
        assert row[0].data_type != "f" and row[0].value == "'" + text.replace("\r", "\n")
        assert row[1].value == -1234.5 and row[1].number_format == "#,##0.0"
        assert row[2].value == 3 and row[3].is_date
    assert rows[-2][0].value == "bad\ufffdchar"  # XML cannot hold the control character
    assert rows[-2][1].number_format == "#,##0.000"
    table = read_table(path)
    assert [cells[0] for _n, cells in table.rows][: len(FORMULAS)] == [
        t.replace("\r", "\n") for t in FORMULAS
    ]
