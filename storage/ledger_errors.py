"""The errors file of an import (`arcircle import --errors FILE`): every bad row, to fix and
import again.

One line per bad row: its row number, the reason, then its cells exactly as they were read,
under the file's own header and in the file's column order. The same mapping therefore
imports it again; the two extra columns are not fields and are ignored. It is written
through storage.sheets, so a cell such as =HYPERLINK(...) stays inert in Excel, and the
quote that takes is removed again when the file comes back in. CSV, or XLSX for a name
ending in .xlsx.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from storage.ledger_options import FIELDS, ImportResult
from storage.sheets import write_sheet

_EXTRA = (("row", "reason"), ("import row", "import reason"), ("arcircle row", "arcircle reason"))


def _norm(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def extra_columns(columns: Sequence[str]) -> tuple[str, str]:
    """Names for the row and reason columns that no column of the file (or field) uses, so
    re-importing never maps a field onto them."""
    taken = {_norm(c) for c in columns} | {_norm(f) for f in FIELDS}
    for row, reason in _EXTRA:
        if _norm(row) not in taken and _norm(reason) not in taken:
            return row, reason
    k = 2
    while _norm(f"arcircle row {k}") in taken or _norm(f"arcircle reason {k}") in taken:
        k += 1
    return f"arcircle row {k}", f"arcircle reason {k}"


def write_errors_file(path: Path, result: ImportResult) -> None:
    row, reason = extra_columns(result.columns)

    def lines() -> Iterator[list[Any]]:
        for bad in result.bad:
            yield [bad.row, bad.reason, *bad.cells]

    write_sheet(path, [row, reason, *result.columns], lines(), title="Not imported")
