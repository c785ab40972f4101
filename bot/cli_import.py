"""`arcircle import` (a ledger file into the database, with its bad rows reported) and
`arcircle report` (the aging report as a table, CSV, JSON or XLSX)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli_common import Fail, _config, write_report
from bot.kernel.clock import SystemClock, today

if TYPE_CHECKING:
    from storage.ledger import ImportResult

# --- import ---------------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace) -> int:
    from bot.app import ledger_options
    from bot.audit_cli import audit_key
    from bot.progress import ProgressBar
    from storage.db import Database
    from storage.ledger import MappingError, import_ledger, parse_map_arg
    from storage.ledger_parse import ParseError

    if getattr(args, "customers", None):
        if args.file:
            raise Fail("give either a ledger file or --customers FILE, not both")
        return _import_customers(args)
    if not args.file:
        raise Fail("arcircle import: give a ledger file (or --customers FILE)")
    config = _config(args)
    path = Path(args.file)
    if not path.exists():
        raise Fail(f"{path}: no such file")
    clock = SystemClock()
    day = today(clock, config.company.zone)
    as_of = getattr(args, "balances_as_of", None)
    if as_of is not None and as_of > day:
        raise Fail(
            f"--balances-as-of {as_of.isoformat()} is in the future (today is "
            f"{day.isoformat()} in {config.company.timezone}): balances can only stand at a "
            "day that has begun"
        )
    try:
        columns = dict(config.ledger.columns)
        if args.map:
            columns.update(parse_map_arg(args.map))
    except MappingError as exc:
        raise Fail(str(exc)) from None
    options = ledger_options(
        config,
        columns=columns,
        date_format=args.date_format,
        decimal_comma=True if args.decimal_comma else None,
        encoding=args.encoding,
        delimiter=args.delimiter.replace("\\t", "\t") if args.delimiter else None,
        sheet=args.sheet,
        currency=args.currency.upper() if args.currency else None,
        terms_days=args.terms,
        actor=f"import:{os.environ.get('USER', 'cli')}",
        balances_as_of=as_of,
    )
    db = Database(args.database, audit_key=audit_key(os.environ))
    db.migrate()
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    bar = ProgressBar(sys.stderr, f"importing {path.name}", enabled=show)
    try:
        result = import_ledger(
            db,
            path,
            options,
            now=clock.now(),
            today=day,
            dry_run=args.dry_run,
            progress=bar,
        )
    except (ParseError, MappingError) as exc:
        bar.close()
        raise Fail(f"{path.name}: {exc}") from None
    bar.close()
    verb = "Dry run of" if result.dry_run else "Imported"
    print(
        f"{verb} {path.name}: {result.rows:,} rows — {result.created:,} new, "
        f"{result.updated:,} updated, {result.unchanged:,} unchanged, {len(result.bad):,} bad "
        f"({result.customers_created:,} new customers, {result.payments_added:,} payments) "
        f"in {result.seconds:.1f} s"
    )
    if as_of is not None:
        print(f"Paid amounts the file gives no date for are dated {as_of.isoformat()}.")
    if result.dry_run:
        print(
            "Nothing was written. These would change:"
            if result.changes
            else "Nothing would change."
        )
        limit = None if args.verbose else 50
        for line in result.changes[:limit]:
            print(f"  {line}")
        hidden = result.created + result.updated - len(result.changes[:limit])
        if hidden > 0:
            print(f"  … and {hidden:,} more" + ("" if args.verbose else " (--verbose for more)"))
    elif args.verbose:
        for line in result.changes:
            print(f"  {line}")
    for warning in result.warnings:
        print(f"Warning: {warning}", file=sys.stderr)
    if args.errors:
        _write_errors(Path(args.errors), result)
    if result.bad:
        _print_bad(result.bad, args)
        if args.errors:
            print(
                f"  all bad rows, with their cells, written to {args.errors}: fix them there "
                "and import that file again",
                file=sys.stderr,
            )
        return 1
    return 0


def _import_customers(args: argparse.Namespace) -> int:
    from bot.audit_cli import audit_key
    from storage.customer_file import CustomerFileOptions, import_customers
    from storage.db import Database
    from storage.ledger import MappingError, file_sha256
    from storage.ledger_parse import ParseError

    config = _config(args)
    path = Path(args.customers)
    if not path.exists():
        raise Fail(f"{path}: no such file")
    clock = SystemClock()
    options = CustomerFileOptions(
        currency=(args.currency or config.ledger.currency or config.company.currency).upper(),
        max_amount=config.ledger.max_amount,
        date_format=args.date_format,
        encoding=args.encoding,
        delimiter=args.delimiter.replace("\\t", "\t") if args.delimiter else None,
        sheet=args.sheet,
        actor=f"import:{os.environ.get('USER', 'cli')}",
    )
    db = Database(args.database, audit_key=audit_key(os.environ))
    db.migrate()
    try:
        result = import_customers(
            db,
            path,
            options,
            now=clock.now(),
            today=today(clock, config.company.zone),
            dry_run=args.dry_run,
            sha256=file_sha256,
        )
    except (ParseError, MappingError) as exc:
        raise Fail(f"{path.name}: {exc}") from None
    verb = "Dry run of" if result.dry_run else "Imported"
    print(
        f"{verb} customers from {path.name}: {result.rows:,} rows — {result.created:,} new, "
        f"{result.updated:,} updated, {result.unchanged:,} unchanged, {len(result.bad):,} bad"
    )
    if result.dry_run or args.verbose:
        for line in result.changes if args.verbose else result.changes[:50]:
            print(f"  {line}")
    if args.errors:
        _write_errors(Path(args.errors), result)
    if result.bad:
        _print_bad(result.bad, args)
        return 1
    return 0


def _write_errors(path: Path, result: ImportResult) -> None:
    from storage.ledger_errors import write_errors_file

    try:
        write_errors_file(path, result)
    except OSError as exc:
        raise Fail(f"--errors {path}: cannot write it ({exc.strerror or exc})") from None


# --- report ---------------------------------------------------------------------------------


_REPORT_SUFFIXES = {".csv": "csv", ".json": "json", ".xlsx": "xlsx", ".txt": "table"}


def cmd_report(args: argparse.Namespace) -> int:
    from storage.db import Database
    from storage.reports import aging_report

    output = Path(args.output) if args.output else None
    fmt = args.format or (_REPORT_SUFFIXES.get(output.suffix.lower()) if output else None)
    fmt = fmt or "table"
    if fmt == "xlsx" and output is None:
        raise Fail("--format xlsx writes a file: add --output FILE.xlsx")
    config = _config(args)
    db = Database(args.database)
    db.migrate()
    as_of = args.as_of or today(SystemClock(), config.company.zone)
    with db.engine.connect() as conn:
        report = aging_report(conn, as_of, config.aging_policy(), by=args.by)
    write_report(report, fmt, output)
    if output is not None:
        print(f"Aging report as of {as_of.isoformat()} written to {output}", file=sys.stderr)
    return 0


def _print_bad(bad: Sequence[Any], args: argparse.Namespace) -> None:
    """The first 50 bad rows with their reasons, on stderr; the rest are counted."""
    print(f"{len(bad):,} rows were not imported:", file=sys.stderr)
    for row in bad[:50]:
        print(f"  row {row.row}: {row.reason}", file=sys.stderr)
    if len(bad) > 50:
        hint = "" if args.errors else " (--errors FILE writes them all)"
        print(f"  … and {len(bad) - 50:,} more{hint}", file=sys.stderr)
