"""CSV, TSV and TXT ledgers: encoding and delimiter detected, lines read a piece at a time.

A line longer than LINE_MAX characters is never held whole: it becomes one bad row
(RowProblem). A quoted cell that runs to the end of the file, or past LINE_MAX, is a quote
that never closes, and the file is refused rather than every row after it swallowed.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from storage.ledger_cell import ParseError
from storage.ledger_table import RowProblem, Table, fit, make_columns, unquoted
from storage.sheets import XLSX_CELL_MAX

_DELIMITERS = (",", ";", "\t", "|")  # in order of preference when they fit equally well
_SNIFF_BYTES = 64 * 1024
_CHUNK_BYTES = 1 << 20
# The longest physical line (and quoted cell) read from a CSV, in characters. Memory stays
# within a few times this whatever the file holds; a longer line is one bad row.
LINE_MAX = 1 << 20


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


def read_csv(path: Path, encoding: str | None, delimiter: str | None, size: int) -> Table:
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

    columns = make_columns(header)
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
                        yield n, fit(unquoted(cells), width)
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
