"""Spreadsheets the bot writes (CSV and XLSX), safe to open in Excel.

Every writer goes through here. A text cell that starts with = + - @ tab or carriage return
would run as a formula in Excel or LibreOffice (a customer named =HYPERLINK(...) becomes a
live link, DDE payloads run commands), so such text gets a leading single quote (OWASP's
advice for CSV injection). Numbers, dates and booleans are written as what they are: a
negative amount is a number, never text, and an XLSX gets real numeric and date cells.

The quote is undone on the way back in (`unquote`, used by the ledger reader), so a file
the bot wrote, such as an import's errors file, imports again exactly as it was read.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

# A line feed too: an XLSX gives a carriage return back as one, and the quote before it must
# still come off on the way back in.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
# Excel's own limit for one cell; longer text makes Excel call the file damaged.
XLSX_CELL_MAX = 32_767

# Excel's most rows on one sheet (the header included).
XLSX_MAX_ROWS = 1_048_576

Cell = str | int | float | Decimal | date | None
# A sheet of a workbook or a file of a ZIP: its title, header and rows.
SheetSpec = tuple[str, Sequence[Any], Iterable[Sequence[Any]]]


_STARTS = frozenset(FORMULA_STARTS)


def _needs_quote(text: str) -> bool:
    if text.startswith(FORMULA_STARTS):
        return True
    # A text that already starts with quotes before a formula character keeps them all:
    # `unquote` removes exactly one, so "'=x" written as "''=x" reads back as "'=x".
    return text.startswith("'") and text.lstrip("'").startswith(FORMULA_STARTS)


def safe_text(text: str) -> str:
    """`text` as a cell Excel shows as text, never runs as a formula."""
    return "'" + text if _needs_quote(text) else text


def unquote(text: str) -> str:
    """Undo `safe_text`: drop the one quote it puts before = + - @ tab or carriage return."""
    if text[:1] == "'" and (text[1:2] in _STARTS or text.lstrip("'")[:1] in _STARTS):
        return text[1:]
    return text


def safe_cell(value: Any) -> Cell:
    """A value ready for a sheet: text neutralised, numbers and dates left as they are."""
    if value is None or isinstance(value, bool | int | date):
        return value
    if isinstance(value, Decimal):
        return value if value.is_finite() else safe_text(str(value))
    if isinstance(value, float):
        return value if math.isfinite(value) else safe_text(repr(value))
    return safe_text(str(value))


def _csv_value(value: Cell) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _csv_any(value: Any) -> Any:
    return _csv_value(safe_cell(value))


def _as_is(value: Any) -> Any:
    return value


def _csv_decimal(value: Decimal) -> Any:
    return value if value.is_finite() else safe_text(str(value))


# The same as _csv_any, looked up by the exact type: a million-row export spends most of its
# time here, and one dict lookup beats the isinstance chain of safe_cell and _csv_value.
_CSV_BY_TYPE: dict[type, Callable[[Any], Any]] = {
    str: safe_text,
    int: _as_is,
    bool: _as_is,
    type(None): _as_is,
    Decimal: _csv_decimal,
    date: date.isoformat,
    datetime: lambda value: value.isoformat(sep=" "),
}


def write_csv_rows(out: TextIO, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> None:
    # CRLF, as RFC 4180 and Excel have it: with it the writer also quotes a cell that holds
    # a lone carriage return, which would otherwise end the record early for a reader.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_csv_any(v) for v in header])
    convert = _CSV_BY_TYPE.get
    for row in rows:
        writer.writerow([convert(type(v), _csv_any)(v) for v in row])


def csv_text(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    write_csv_rows(out, header, rows)
    return out.getvalue()


def write_csv(path: Path, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> None:
    # With a byte-order mark Excel reads the file as UTF-8; without one it guesses the
    # system code page and Chinese names come out garbled.
    with Path(path).open("w", newline="", encoding="utf-8-sig") as fh:
        write_csv_rows(fh, header, rows)


def write_xlsx(
    path: Path, header: Sequence[Any], rows: Iterable[Sequence[Any]], *, title: str = "Sheet1"
) -> None:
    write_xlsx_book(path, [(title, header, rows)])


def write_xlsx_book(path: Path, sheets: Iterable[SheetSpec]) -> None:
    """One workbook, a sheet per (title, header, rows), rows consumed as they come.

    openpyxl's write-only mode streams each sheet to a temporary file, so the rows never sit
    in memory together. A sheet past Excel's row limit goes on in `title (2)`, `title (3)`...
    """
    from openpyxl import Workbook  # imported late: it costs ~0.2 s

    wb = Workbook(write_only=True)
    for title, header, rows in sheets:
        name = title[:31] or "Sheet1"
        part, ws, filled = 1, _xlsx_sheet(wb, name, header), 1
        for row in rows:
            if filled == XLSX_MAX_ROWS:
                part += 1
                ws, filled = _xlsx_sheet(wb, f"{name[:25]} ({part})", header), 1
            ws.append([_xlsx_cell(ws, v) for v in row])
            filled += 1
    wb.save(Path(path))


def _xlsx_sheet(wb: Any, title: str, header: Sequence[Any]) -> Any:
    ws = wb.create_sheet(title=title)
    ws.freeze_panes = "A2"
    ws.append([_xlsx_cell(ws, v, bold=True) for v in header])
    return ws


def write_csv_zip(path: Path, files: Iterable[SheetSpec]) -> None:
    """A ZIP of CSV files, one per (name, header, rows): `name.csv`, written as the rows come."""
    with zipfile.ZipFile(Path(path), "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, header, rows in files:
            with (
                zf.open(f"{name}.csv", "w", force_zip64=True) as raw,
                io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as fh,
            ):
                write_csv_rows(fh, header, rows)


def _xlsx_cell(ws: Any, value: Any, *, bold: bool = False) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    value = safe_cell(value)
    if isinstance(value, str):
        # XML cannot hold most control characters; a cell past Excel's limit breaks the file.
        text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)[:XLSX_CELL_MAX]
        cell = WriteOnlyCell(ws, value=text)
        cell.data_type = "s"  # text, never a formula, whatever openpyxl would infer
    else:
        cell = WriteOnlyCell(ws, value=value)
        if isinstance(value, Decimal):
            exp = value.as_tuple().exponent
            places = -exp if isinstance(exp, int) and exp < 0 else 0
            cell.number_format = "#,##0" + ("." + "0" * places if places else "")
        elif isinstance(value, datetime):
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
        elif isinstance(value, date):
            cell.number_format = "yyyy-mm-dd"
    if bold:
        cell.font = Font(bold=True)
    return cell


def write_sheet(
    path: Path, header: Sequence[Any], rows: Iterable[Sequence[Any]], *, title: str = "Sheet1"
) -> None:
    """CSV or XLSX, by the file's suffix."""
    if Path(path).suffix.lower() in XLSX_SUFFIXES:
        write_xlsx(path, header, rows, title=title)
    else:
        write_csv(path, header, rows)
