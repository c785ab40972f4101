"""`arcircle export aging|cases|decisions|promises [FROM] [TO] [--format csv|xlsx] [-o FILE]`.

The same files as `/ar export`, for every customer. Without -o the file goes into the
exports folder (config `exports.dir`, else beside the database); `-o -` writes CSV to the
screen. Rows stream from the database into the file: a million invoices are never in memory.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.cli_common import Fail, _config
from bot.kernel.clock import SystemClock, today
from storage.export_files import (
    KINDS,
    RangeError,
    Request,
    clean,
    default_folder,
    new_path,
    parse_request,
    sheets_for,
    write_export,
)
from storage.exports import Scope
from storage.sheets import write_csv_rows

_REASONS = {
    "end_before_start": "the end of the range is before its start",
    "aging_one_date": "aging takes one date: the day it is as of",
    "too_many": "at most two dates: FROM and TO",
    "bad_date": "a date is written 2026-03-01 (or today)",
}
_SUFFIX_FORMAT = {".csv": "csv", ".zip": "csv", ".xlsx": "xlsx"}


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    exp: argparse.ArgumentParser = sub.add_parser(
        "export",
        parents=parents,
        help="write the aging, cases, decisions or promises to CSV or XLSX",
        description="Dates are company days, inclusive. aging takes one date (as of; default "
        "today); the others FROM [TO] (default: the last 30 days up to today).",
    )
    exp.add_argument("kind", choices=KINDS)
    exp.add_argument("start", nargs="?", metavar="FROM", help="YYYY-MM-DD (aging: as of)")
    exp.add_argument("end", nargs="?", metavar="TO", help="YYYY-MM-DD (default: today)")
    exp.add_argument("--format", choices=["csv", "xlsx"], help="default: by -o's suffix, else csv")
    exp.add_argument(
        "--output", "-o", help="the file (default: a new file in the exports folder; - : screen)"
    )
    exp.set_defaults(func=cmd_export, log_default="WARNING", parser=exp)
    return exp


def cmd_export(args: argparse.Namespace) -> int:
    from storage.db import Database

    parser: argparse.ArgumentParser = args.parser
    config = _config(args)
    output = args.output
    fmt = args.format or (_SUFFIX_FORMAT.get(Path(output).suffix.lower()) if output else None)
    fmt = fmt or "csv"
    try:
        request = parse_request(
            [args.kind, *(d for d in (args.start, args.end) if d), fmt],
            today(SystemClock(), config.company.zone),
        )
    except RangeError as err:
        usage = parser.format_usage().rstrip()
        raise Fail(f"{usage}\narcircle export: {_REASONS[err.reason]}") from None
    if output == "-" and request.suffix != ".csv":
        raise Fail("-o - writes CSV to the screen: aging, decisions or promises without xlsx")
    scope = Scope(
        zone=config.company.zone,
        policy=config.aging_policy(),
        names={key: p.name for key, p in config.people.items()},
    )
    db = Database(args.database)
    db.migrate()
    try:
        with db.engine.connect() as conn:
            if output == "-":
                (sheet,) = sheets_for(conn, request, scope)
                write_csv_rows(sys.stdout, sheet.header, sheet.rows)
                return 0
            if output is None:
                now = SystemClock().now().astimezone(config.company.zone)
                folder = default_folder(config.exports.dir, db.url)
                clean(folder, config.exports.keep_days, now)
                path = new_path(folder, request, now)
            else:
                path = _checked(Path(output), request)
            written = write_export(conn, request, scope, path)
    except BrokenPipeError:
        raise  # `| head`: bot.cli ends quietly
    except OSError as exc:
        raise Fail(
            f"{output or 'exports folder'}: cannot write it ({exc.strerror or exc})"
        ) from None
    finally:
        db.dispose()
    period = (
        f"as of {request.end}" if request.kind == "aging" else f"{request.start} to {request.end}"
    )
    counts = ", ".join(f"{title} {n:,}" for title, n in written.counts.items())
    print(f"{request.kind} {period}: {counts} rows written to {written.path}", file=sys.stderr)
    return 0


def _checked(path: Path, request: Request) -> Path:
    if request.suffix == ".zip" and path.suffix.lower() != ".zip":
        raise Fail("cases as CSV is a ZIP of seven CSV files: -o FILE.zip (or --format xlsx)")
    return path
