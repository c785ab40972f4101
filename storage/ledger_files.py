"""Reading a ledger file (CSV, TSV, TXT or XLSX) into a header and a stream of rows.

Encoding and delimiter are detected; rows are numbered as a spreadsheet shows them; cells
come back as stripped text, with the quote the bot's own exports put before a formula
character taken off again (storage.sheets).
"""

from __future__ import annotations

import codecs
import csv
import io
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

from storage.ledger_cell import ParseError
from storage.sheets import XLSX_CELL_MAX, unquote

_DELIMITERS = (",", ";", "\t", "|")  # in order of preference when they fit equally well
_SNIFF_BYTES = 64 * 1024
_CHUNK_BYTES = 1 << 20
_XLSX_SUFFIXES = (".xlsx", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
# The longest physical line (and quoted cell) read from a CSV, in characters. Memory stays
# within a few times this whatever the file holds; a longer line is one bad row.
LINE_MAX = 1 << 20


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
        return _read_xlsx(path, sheet, size)
    if magic == _ZIP_MAGIC:
        raise ParseError(
            f"{name!r} is an Excel workbook, not CSV text; rename it to .xlsx to import it"
        )
    return _read_csv(path, encoding, delimiter, size)


def _unquoted(cells: list[str]) -> list[str]:
    # The bot's own exports (an errors file) put a quote before = + - @; take it off again.
    # Checked on the row as a whole first: almost no row has a quote at all.
    if "'" in "".join(cells):
        return [unquote(c) for c in cells]
    return cells


def _make_columns(cells: list[str]) -> list[str]:
    names = _unquoted([c.replace("\ufeff", "").strip() for c in cells])
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


def _fit(cells: list[str], width: int) -> list[str]:
    if len(cells) < width:
        cells.extend([""] * (width - len(cells)))
    else:
        # Extra cells are kept for the importer to judge, but empties past the header
        # are just a trailing delimiter or formatted-but-empty spreadsheet cells.
        while len(cells) > width and not cells[-1]:
            cells.pop()
    return cells


# CSV ------------------------------------------------------------------------------------


def _detect_encoding(path: Path) -> str:
    with path.open("rb") as f:
        head = f.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"  # Excel's "Unicode Text" export
        f.seek(0)
        # Validating chunk by chunk keeps memory flat on a 100 MB export; the decoded text
        # is thrown away because the rows are decoded again as they stream.
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        try:
            while chunk := f.read(_CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"  # a superset of GBK/GB2312, what Chinese Excel writes
    return "utf-8"


def _sniff_delimiter(path: Path, encoding: str) -> str:
    with path.open("rb") as f:
        data = f.read(_SNIFF_BYTES)
        truncated = bool(f.read(1))
    text = codecs.getincrementaldecoder(encoding)("replace").decode(data, final=not truncated)
    if truncated:
        cut = text.rfind("\n")
        if cut > 0:
            text = text[:cut]
    best, best_score = ",", 0.0
    for candidate in _DELIMITERS:
        counts = [
            len(record)
            for record in csv.reader(io.StringIO(text, newline=""), delimiter=candidate)
            if any(cell.strip() for cell in record)
        ]
        if truncated and len(counts) > 2:
            counts.pop()  # may be a quoted multi-line cell cut in half
        if not counts or counts[0] < 2:
            continue
        # Agreement with the header's width: a wrong delimiter splits rows unevenly.
        score = sum(1 for n in counts if n == counts[0]) / len(counts)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _check_delimiter(delimiter: str) -> str:
    if delimiter in ("\\t", "tab", "TAB"):
        return "\t"
    if len(delimiter) != 1:
        raise ParseError(
            f"delimiter {delimiter!r} must be a single character, e.g. ',' ';' '|' or a tab"
        )
    return delimiter


def _read_csv(path: Path, encoding: str | None, delimiter: str | None, size: int) -> Table:
    name = path.name
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ParseError(
                f"unknown encoding {encoding!r} (ledger.encoding; e.g. utf-8 or gb18030)"
            ) from None
    else:
        encoding = _detect_encoding(path)
    delimiter = _check_delimiter(delimiter) if delimiter else _sniff_delimiter(path, encoding)

    _raise_field_limit()
    header_record = 0
    header: list[str] = []
    try:
        with path.open(encoding=encoding, newline="") as f:
            lines = _Lines(f)
            reader = csv.reader(lines, delimiter=delimiter)
            for n, record in enumerate(reader, start=1):
                if lines.long_prefix is not None or lines.ended:
                    raise ParseError(
                        f"{name!r}: the header row runs on for more than {LINE_MAX:,} "
                        'characters (an unclosed double quote (") or not a ledger file)'
                    )
                lines.boundary = reader.line_num
                if any(cell.strip() for cell in record):
                    header_record, header = n, record
                    break
    except UnicodeDecodeError as exc:
        raise ParseError(_decode_message(name, encoding, exc)) from None
    except csv.Error as exc:
        raise ParseError(_csv_message(name, 1, exc)) from None
    except _LongLineInCell:
        raise ParseError(_unclosed_message(name, 1)) from None
    if not header_record:
        raise ParseError(f"{name!r} has no header row (it contains only blank lines)")

    columns = _make_columns(header)
    source = _CsvRows(path, encoding, delimiter, header_record, len(columns), size)
    return Table(
        columns=columns,
        rows=source.rows(),
        encoding=encoding,
        delimiter=delimiter,
        size_bytes=size,
        _progress=source.position,
    )


def _decode_message(name: str, encoding: str, exc: UnicodeDecodeError, where: str = "") -> str:
    return (
        f"{name!r} cannot be read as {encoding} text{where} ({exc.reason}); "
        "set ledger.encoding (e.g. gb18030 or latin-1) or re-save the file as UTF-8 CSV"
    )


def _csv_message(name: str, row: int, exc: csv.Error) -> str:
    if "field limit" in str(exc):
        # Only a quoted cell spanning lines gets here (a long line is caught before csv
        # sees it), and that is a quote that never closes.
        return _unclosed_message(name, row)
    return f"{name!r}, row {row}: not readable as CSV ({exc})"


def _unclosed_message(name: str, row: int) -> str:
    return (
        f"{name!r}, row {row}: a quoted cell runs on for more than {LINE_MAX:,} characters "
        'or to the end of the file, usually an unclosed double quote (") in that row'
    )


def _raise_field_limit() -> None:
    # The csv module's default (131,072 characters) would refuse a whole file for one long
    # cell. The limit is process-wide, so it is only ever raised, to a fixed size.
    if csv.field_size_limit() < LINE_MAX:
        csv.field_size_limit(LINE_MAX)


class _LongLineInCell(Exception):
    """A line longer than LINE_MAX inside a quoted cell: the file cannot be read past it."""


# Handed to csv in place of a line too long to read; it parses as a record of its own.
_MARKER = "\ue000arcircle: line too long\ue000"


class _Lines:
    """A CSV's physical lines for csv.reader, none longer than LINE_MAX characters.

    A longer line is read and dropped a piece at a time. When it starts a record, csv gets
    a marker line instead and the row becomes a bad row; inside a quoted cell the file
    cannot be read on (`_LongLineInCell`). `boundary` is csv's line count after the last
    complete record, kept by the caller; `ended` says the text ran out, which a record
    returned afterwards only does when a quoted cell never closed.
    """

    def __init__(self, text: io.TextIOBase) -> None:
        self.readline = text.readline
        self.handed = 0
        self.boundary = 0
        self.long_prefix: str | None = None
        self.long_chars = 0
        self.ended = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line: str = self.readline(LINE_MAX)
        if not line:
            self.ended = True
            raise StopIteration
        self.handed += 1
        if len(line) < LINE_MAX or line.endswith(("\n", "\r")):
            return line
        chars = len(line)
        while True:
            more: str = self.readline(LINE_MAX)
            chars += len(more)
            if not more or more.endswith(("\n", "\r")):
                break
        if self.handed - 1 != self.boundary:
            raise _LongLineInCell
        self.long_prefix = line[: XLSX_CELL_MAX * 4]
        self.long_chars = chars
        return _MARKER + "\n"


class _CsvRows:
    """Streams a CSV's data records; opened lazily so an unread Table holds no file."""

    def __init__(
        self, path: Path, encoding: str, delimiter: str, header_record: int, width: int, size: int
    ) -> None:
        self.path = path
        self.encoding = encoding
        self.delimiter = delimiter
        self.header_record = header_record
        self.width = width
        self.size = size
        self._raw: io.BufferedReader | None = None
        self._done = False

    def position(self) -> int:
        if self._done:
            return self.size
        if self._raw is None:
            return 0
        try:
            return self._raw.tell()
        except (ValueError, OSError):
            return self.size

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        width = self.width
        n = self.header_record
        raw = self.path.open("rb")
        self._raw = raw
        _raise_field_limit()
        try:
            text = io.TextIOWrapper(raw, encoding=self.encoding, newline="")
            lines = _Lines(text)
            reader = csv.reader(lines, delimiter=self.delimiter)
            try:
                for _ in islice(reader, self.header_record):
                    pass
                lines.boundary = reader.line_num
                # Numbered by record, blank ones included, so a number matches the row a
                # spreadsheet shows even when quoted cells span several lines.
                for n, record in enumerate(reader, start=self.header_record + 1):
                    if lines.ended:
                        raise ParseError(_unclosed_message(self.path.name, n))
                    lines.boundary = reader.line_num
                    if lines.long_prefix is not None:
                        yield n, self._long_row(lines)
                        continue
                    cells = [cell.strip() for cell in record]
                    if any(cells):
                        yield n, _fit(_unquoted(cells), width)
            except UnicodeDecodeError as exc:
                where = f" (after row {n})"
                raise ParseError(
                    _decode_message(self.path.name, self.encoding, exc, where)
                ) from None
            except csv.Error as exc:
                raise ParseError(_csv_message(self.path.name, n + 1, exc)) from None
            except _LongLineInCell:
                raise ParseError(_unclosed_message(self.path.name, n + 1)) from None
        finally:
            self._done = True
            raw.close()

    def _long_row(self, lines: _Lines) -> RowProblem:
        prefix, chars = lines.long_prefix or "", lines.long_chars
        lines.long_prefix = None
        # What the line starts with, for the errors file; its last cell is cut short.
        cells = next(csv.reader([prefix], delimiter=self.delimiter), [])
        cells = [c.strip()[:XLSX_CELL_MAX] for c in cells]
        return RowProblem(
            cells,
            f"the row is {chars:,} characters long, more than the {LINE_MAX:,} a ledger row "
            "may have (a cell that long is not ledger data); it was skipped",
        )


# XLSX -----------------------------------------------------------------------------------


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


def _read_xlsx(path: Path, sheet: str | None, size: int) -> Table:
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

    columns = _make_columns(header)
    state = _XlsxProgress(size, expected_rows, header_row)

    def rows() -> Iterator[tuple[int, list[str]]]:
        width = len(columns)
        try:
            for n, values in it:
                state.row = n
                cells = [_cell_text(v) for v in values]
                if any(cells):
                    yield n, _fit(_unquoted(cells), width)
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
