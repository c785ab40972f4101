"""A ledger file's header and a stream of its rows, whatever the file format.

Rows are numbered as a spreadsheet shows them; cells are stripped text, with the quote the
bot's own exports put before a formula character taken off again (storage.sheets).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from storage.sheets import unquote


class RowProblem(list[str]):
    """A row the reader could not read whole: what it could read, and why not the rest."""

    def __init__(self, cells: list[str], reason: str) -> None:
        super().__init__(cells)
        self.reason = reason


def _never_read() -> int:
    return 0


@dataclass
class Table:
    """A ledger file's header and a stream of its rows, in file order."""

    columns: list[str]
    rows: Iterator[tuple[int, list[str]]]
    encoding: str | None
    delimiter: str | None
    size_bytes: int
    _progress: Callable[[], int] = field(default=_never_read, repr=False)
    _closer: Callable[[], None] | None = field(default=None, repr=False)

    def bytes_read(self) -> int:
        """Roughly how much of the file the rows consumed so far (for a progress bar)."""
        return max(0, min(self._progress(), self.size_bytes))

    def close(self) -> None:
        """Release the file early; rows already release it when exhausted."""
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()
        if self._closer is not None:
            self._closer()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def unquoted(cells: list[str]) -> list[str]:
    # The bot's own exports (an errors file) put a quote before = + - @; take it off again.
    # Checked on the row as a whole first: almost no row has a quote at all.
    if "'" in "".join(cells):
        return [unquote(c) for c in cells]
    return cells


def make_columns(cells: list[str]) -> list[str]:
    names = unquoted([c.replace("\ufeff", "").strip() for c in cells])
    while names and not names[-1]:
        names.pop()
    # A blank header cell inside the table still needs a name the user can map and find.
    names = [n or f"column {_column_letter(i)}" for i, n in enumerate(names, start=1)]
    taken = set(names)
    seen: set[str] = set()
    columns: list[str] = []
    for n in names:
        if n in seen:
            k = 2
            while f"{n} ({k})" in taken:
                k += 1
            n = f"{n} ({k})"
            taken.add(n)
        seen.add(n)
        columns.append(n)
    return columns


def _column_letter(index: int) -> str:
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def fit(cells: list[str], width: int) -> list[str]:
    if len(cells) < width:
        cells.extend([""] * (width - len(cells)))
    else:
        # Extra cells are kept for the importer to judge, but empties past the header
        # are just a trailing delimiter or formatted-but-empty spreadsheet cells.
        while len(cells) > width and not cells[-1]:
            cells.pop()
    return cells
