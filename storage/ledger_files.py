"""Reading a ledger file (CSV, TSV, TXT or XLSX) into a header and a stream of rows.

This picks the reader by content and name (storage.ledger_csv, storage.ledger_xlsx) and
refuses what is neither with a reason; storage.ledger_table has what they return.
"""

from __future__ import annotations

from pathlib import Path

from storage.ledger_cell import ParseError
from storage.ledger_csv import LINE_MAX, read_csv
from storage.ledger_table import RowProblem, Table
from storage.ledger_xlsx import read_xlsx

__all__ = ["LINE_MAX", "RowProblem", "Table", "read_table"]

_XLSX_SUFFIXES = (".xlsx", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def read_table(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> Table:
    """Open a CSV/TSV/TXT or XLSX ledger; the header is read now, rows stream on demand."""
    path = Path(path)
    name = path.name
    if not path.exists():
        raise ParseError(f"file not found: {path}")
    if path.is_dir():
        raise ParseError(f"{str(path)!r} is a folder, not a ledger file")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise ParseError(f"{name!r}: .xls is not supported; save it as .xlsx or CSV")
    size = path.stat().st_size
    if size == 0:
        raise ParseError(f"{name!r} is empty (expected a header row and ledger rows)")
    with path.open("rb") as f:
        magic = f.read(4)
    if magic == _OLE_MAGIC:
        raise ParseError(
            f"{name!r} is an old Excel .xls workbook; .xls is not supported; "
            "save it as .xlsx or CSV"
        )
    if suffix in _XLSX_SUFFIXES:
        return read_xlsx(path, sheet, size)
    if magic == _ZIP_MAGIC:
        raise ParseError(
            f"{name!r} is an Excel workbook, not CSV text; rename it to .xlsx to import it"
        )
    return read_csv(path, encoding, delimiter, size)
