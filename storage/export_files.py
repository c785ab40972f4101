"""Export files: what was asked (kind, days, format), the file's name, writing it, cleaning up.

No SQL here: the rows come from storage.exports and storage.export_cases, the cells are
written by storage.sheets. It sits in storage because both the chat command (handlers) and
the CLI (bot) write exports, and storage is the one layer both may import.

A file is written under a temporary name and renamed when complete, so nobody is ever handed
half an export; files older than `keep_days` are removed by `clean`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from playbook.days import parse_day
from storage import sheets
from storage.db import sqlite_file
from storage.export_cases import case_sheets
from storage.exports import Scope, Sheet, aging_sheets, decisions_sheets, promises_sheets
from storage.offloop import Conn

Kind = Literal["aging", "cases", "decisions", "promises"]
Format = Literal["csv", "xlsx"]
KINDS: tuple[Kind, ...] = ("aging", "cases", "decisions", "promises")
FORMATS: tuple[Format, ...] = ("csv", "xlsx")
# Without dates, a period export covers the last 30 days, today included.
DEFAULT_DAYS = 30
_SUFFIXES = (".csv", ".xlsx", ".zip")
_PARTIAL = ".part"


class RangeError(ValueError):
    """The days asked for make no export; `reason` is an i18n key's tail."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # end_before_start / aging_one_date / bad_date / too_many


@dataclass(frozen=True)
class Request:
    kind: Kind
    start: date  # for aging: the as-of day (start == end)
    end: date
    fmt: Format = "csv"

    @property
    def suffix(self) -> str:
        if self.fmt == "xlsx":
            return ".xlsx"
        # The cases are seven tables: as CSV, seven files in one ZIP.
        return ".zip" if self.kind == "cases" else ".csv"

    def stem(self) -> str:
        if self.kind == "aging":
            return f"aging-{self.end.isoformat()}"
        return f"{self.kind}-{self.start.isoformat()}_{self.end.isoformat()}"


@dataclass
class Written:
    path: Path
    request: Request
    counts: dict[str, int] = field(default_factory=dict)  # sheet title → data rows

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def resolve_range(kind: Kind, days: Sequence[date], today: date) -> tuple[date, date]:
    """The [start, end] of an export from the days given (none, one or two).

    aging: one day at most, the as-of day (default today). The others: FROM [TO]; TO defaults
    to today, and with no day at all the last DEFAULT_DAYS days up to today.
    """
    if len(days) > 2:
        raise RangeError("too_many")
    if kind == "aging":
        if len(days) > 1:
            raise RangeError("aging_one_date")
        as_of = days[0] if days else today
        return as_of, as_of
    if not days:
        return today - timedelta(days=DEFAULT_DAYS - 1), today
    start, end = days[0], days[1] if len(days) > 1 else today
    if end < start:
        raise RangeError("end_before_start")
    return start, end


def parse_request(words: Sequence[str], today: date, default_fmt: Format = "xlsx") -> Request:
    """`<kind> [from] [to] [csv|xlsx]` as typed in chat (the kind already known to be one
    of KINDS is the first word). Raises RangeError, ValueError (an unknown word)."""
    if not words or words[0].casefold() not in KINDS:
        raise ValueError("kind")
    kind = next(k for k in KINDS if k == words[0].casefold())
    fmt: Format = default_fmt
    days: list[date] = []
    for word in words[1:]:
        folded = word.casefold().lstrip("-")
        if folded in FORMATS:
            fmt = "csv" if folded == "csv" else "xlsx"
            continue
        day = parse_day(word, today) if len(word) <= 20 else None
        if day is None:
            raise RangeError("bad_date")
        days.append(day)
    start, end = resolve_range(kind, days, today)
    return Request(kind, start, end, fmt)


def sheets_for(conn: Conn, request: Request, scope: Scope) -> list[Sheet]:
    if request.kind == "aging":
        return aging_sheets(conn, request.end, scope)
    if request.kind == "cases":
        return case_sheets(conn, request.start, request.end, scope)
    if request.kind == "decisions":
        return decisions_sheets(conn, request.start, request.end, scope)
    return promises_sheets(conn, request.start, request.end, scope)


def write_export(conn: Conn, request: Request, scope: Scope, path: Path) -> Written:
    """Write the export to `path` (complete, or not at all) and count its rows."""
    written = Written(path, request)
    specs = [
        (s.title, s.header, _counted(s.rows, written.counts, s.title))
        for s in sheets_for(conn, request, scope)
    ]
    partial = path.with_name(path.name + _PARTIAL)
    try:
        if request.fmt == "xlsx":
            sheets.write_xlsx_book(partial, specs)
        elif request.suffix == ".zip":
            sheets.write_csv_zip(partial, [(t.lower(), h, r) for t, h, r in specs])
        else:
            ((_title, header, rows),) = specs
            sheets.write_csv(partial, header, rows)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return written


def _counted(rows: Iterable[Sequence[Any]], counts: dict[str, int], title: str) -> Iterator[Any]:
    counts[title] = 0
    for row in rows:
        counts[title] += 1
        yield row


def new_path(folder: Path, request: Request, now: datetime) -> Path:
    """A fresh name in `folder`: what it holds, when, and a random tail (two people asking
    for the same export at once get two files; nobody can guess another's file name)."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    return folder / f"{request.stem()}-{stamp}-{secrets.token_hex(3)}{request.suffix}"


def default_folder(configured: Path | None, database_url: str, cwd: Path | None = None) -> Path:
    """`exports.dir`, else `exports/` beside the SQLite file, else in the working directory."""
    if configured is not None:
        return configured
    db_file = sqlite_file(database_url)
    base = db_file.parent if db_file is not None else (cwd or Path.cwd())
    return base / "exports"


def clean(folder: Path, keep_days: int, now: datetime) -> int:
    """Remove the exports in `folder` older than `keep_days` (and leftovers of crashed
    writes); other files are left alone. Returns how many went."""
    if not folder.is_dir():
        return 0
    cutoff = now.timestamp() - keep_days * 86_400
    gone = 0
    for entry in folder.iterdir():
        name = entry.name
        ours = name.split("-", 1)[0] in KINDS and name.endswith((*_SUFFIXES, _PARTIAL))
        try:
            if ours and entry.is_file() and entry.stat().st_mtime < cutoff:
                entry.unlink()
                gone += 1
        except OSError:
            continue  # gone already, or not ours to remove: the next clean tries again
    return gone
