"""XLSX ledgers (openpyxl, read-only): cell values as the text a CSV export would hold."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from storage.ledger_cell import ParseError
from storage.ledger_table import Table, fit, make_columns, unquoted


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.replace(microsecond=0, tzinfo=None).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.replace(microsecond=0).isoformat()
    return str(value).strip()


def _float_text(value: float) -> str:
    # repr is the shortest text that round-trips, so 0.1 stays 0.1 rather than the binary
    # 0.1000000000000000055...; Decimal then drops a trailing .0 and any exponent.
    d = Decimal(repr(value))
    if not d.is_finite():
        return repr(value)
    if not d:
        return "0"
    return format(d.normalize(), "f")


def read_xlsx(path: Path, sheet: str | None, size: int) -> Table:
    from openpyxl import load_workbook  # imported late: it costs ~0.2 s and most runs are CSV

    name = path.name
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a damaged workbook fails in many ways inside openpyxl
        raise ParseError(
            f"{name!r} is not a readable .xlsx workbook ({type(exc).__name__}: {exc}); "
            "open it in Excel and save it again as .xlsx or CSV"
        ) from None
    try:
        ws = _pick_sheet(wb, name, sheet)
        # The dimension recorded in the file is only a hint; some exporters write it wrong,
        # and trusting it would cut rows or columns off. Keep it only for the progress estimate.
        expected_rows = ws.max_row if isinstance(ws.max_row, int) else 0
        ws.reset_dimensions()
        it = enumerate(ws.iter_rows(values_only=True), start=1)
        header_row = 0
        header: list[str] = []
        for n, values in it:
            cells = [_cell_text(v) for v in values]
            if any(cells):
                header_row, header = n, cells
                break
        if not header_row:
            raise ParseError(f"sheet {ws.title!r} of {name!r} is empty (no header row)")
    except BaseException:
        wb.close()
        raise

    columns = make_columns(header)
    state = _XlsxProgress(size, expected_rows, header_row)

    def rows() -> Iterator[tuple[int, list[str]]]:
        width = len(columns)
        try:
            for n, values in it:
                state.row = n
                cells = [_cell_text(v) for v in values]
                if any(cells):
                    yield n, fit(unquoted(cells), width)
        finally:
            state.done = True
            wb.close()

    table = Table(
        columns=columns,
        rows=rows(),
        encoding=None,
        delimiter=None,
        size_bytes=size,
        _progress=state.position,
        _closer=wb.close,
    )
    # A Table dropped before its rows were started would otherwise leave the zip open.
    weakref.finalize(table, wb.close)
    return table


def _pick_sheet(wb: Any, name: str, sheet: str | None) -> Any:
    sheets = list(wb.worksheets)
    if not sheets:
        raise ParseError(f"{name!r} has no worksheets")
    if sheet is None:
        return sheets[0]
    for ws in sheets:
        if ws.title == sheet:
            return ws
    wanted = sheet.strip().casefold()
    matches = [ws for ws in sheets if ws.title.strip().casefold() == wanted]
    if len(matches) == 1:
        return matches[0]
    listed = ", ".join(repr(ws.title) for ws in sheets)
    raise ParseError(
        f"sheet {sheet!r} not found in {name!r} (its sheets are {listed}); "
        "set ledger.sheet to one of them"
    )


class _XlsxProgress:
    """Estimates bytes consumed from rows read, since the zip hides the real position."""

    def __init__(self, size: int, expected_rows: int, header_row: int) -> None:
        self.size = size
        self.expected_rows = expected_rows
        self.row = header_row
        self.done = False

    def position(self) -> int:
        if self.done:
            return self.size
        if self.expected_rows <= 0:
            return 0
        # Capped below the end: the recorded dimension may undercount, and only the end is
        # allowed to say 100%.
        return min(self.size * self.row // self.expected_rows, self.size * 99 // 100)
