"""`arcircle` (and `python -m bot`): run the bot, import a ledger, print reports, check set-up.

Exit codes: 0 fine; 1 the command ran but found problems (bad ledger rows, a broken audit
chain, a failed doctor check); 2 it could not run (bad config, bad arguments, unreadable
file).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.adapters import registry
from bot.kernel.clock import Clock, ScaledClock, SystemClock, clock_start, today
from bot.kernel.config import Config, ConfigError, default_path, load_config

if TYPE_CHECKING:
    from storage.ledger import ImportResult

log = logging.getLogger("arcircle")


class Fail(Exception):
    """A one-line reason to stop, with the exit code."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def _setup_logging(default: str) -> None:
    level = os.environ.get("ARCIRCLE_LOG_LEVEL", default).upper()
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        # APScheduler logs every run of every job at INFO: a line every two seconds.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)


def _config(args: argparse.Namespace) -> Config:
    try:
        return load_config(Path(args.config) if args.config else None)
    except ConfigError as exc:
        raise Fail("\n".join(exc.lines)) from None


def _clock(
    args: argparse.Namespace, config: Config | None = None, base: Clock | None = None
) -> tuple[Clock, str | None]:
    """The clock `run` uses, and a note saying where a scaled clock starts (None if real).

    `base` is the wall clock (tests give a fake one, so "today" is any day they choose)."""
    base = base or SystemClock()
    speed = getattr(args, "clock_speed", None) or 1.0
    start_text = getattr(args, "clock_start", None)
    if not start_text and speed == 1:
        return base, None
    start = None
    note = None
    if start_text:
        start, note = _clock_start(start_text, config, base.now())
    # Held at its start until the console begins (cmd_run releases it).
    return ScaledClock(speed, base=base, start=start, held=start is not None), note


def _clock_start(text: str, config: Config | None, now: datetime) -> tuple[datetime, str]:
    from bot.circle_env import circle_policy

    zone: tzinfo = config.company.zone if config is not None else UTC
    policy = circle_policy(config) if config is not None else None
    try:
        return clock_start(text, zone, policy, now)
    except ValueError:
        raise Fail(f"--clock-start {text!r}: expected HH:MM or YYYY-MM-DDTHH:MM", 2) from None


def _date(text: str) -> date:
    from storage.ledger_parse import ParseError, parse_date

    try:
        value = parse_date(text)
    except ParseError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value is None:
        raise argparse.ArgumentTypeError("a date is required, e.g. 2013-06-30")
    return value


# --- run ------------------------------------------------------------------------------------


def cmd_run(
    args: argparse.Namespace,
    base: Clock | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """`base`, `stdin`, `stdout`: the wall clock and the terminal (tests give their own)."""
    from bot.app import (
        StartError,
        build_runtime,
        ensure_sample,
        serve_console,
        unavailable_messengers,
    )

    config = _config(args)
    clock, note = _clock(args, config, base)
    rt = build_runtime(config, clock, args.database)
    if note is not None:
        speed = args.clock_speed or 1.0
        print(f"({note}; {speed:g}× speed)", file=sys.stderr)
    if not args.no_sample:
        loaded = ensure_sample(rt)
        if loaded is not None:
            print(
                f"(the ledger was empty: loaded the sample ledger, {loaded.created:,} invoices "
                f"of {loaded.customers_created:,} customers, dates moved to {rt.today()})",
                file=sys.stderr,
            )
    missing = unavailable_messengers(config)
    if missing:
        print(
            f"({', '.join(missing)}: enabled in the config but not available in this "
            "version; it is not started)",
            file=sys.stderr,
        )
    for plugin in registry.enabled(config):
        if not plugin.runs_in(config, "run"):
            mode = plugin.mode(config).upper()
            print(f"({plugin.name} is in {mode} mode: `arcircle serve` runs it)", file=sys.stderr)
        else:
            _require_env(config, plugin.name)
    if isinstance(clock, ScaledClock):
        clock.release()
    try:
        # A faster clock needs a faster tick, or escalations arrive minutes late in its time.
        speed = args.clock_speed or 1.0
        tick_every = config.circle.tick_every / speed if speed > 1 else None
        asyncio.run(serve_console(rt, stdin=stdin, stdout=stdout, tick_every=tick_every))
    except StartError as exc:
        raise Fail(f"arcircle run: {exc}", 1) from None
    except KeyboardInterrupt:
        pass
    finally:
        rt.db.dispose()
    return 0


def _require_env(config: Config, platform: str) -> None:
    from bot.app import missing_env

    missing = missing_env(config, platform, os.environ)
    if missing:
        raise Fail(f"{platform}: missing environment: {', '.join(missing)} (see arcircle doctor)")


def cmd_serve(args: argparse.Namespace) -> int:
    """Every enabled messenger on one HTTP server (and those with connections of their own)."""
    from bot.app import StartError, build_runtime, running_messengers, serve

    config = _config(args)
    names = running_messengers(config, "serve")
    if not any(registry.plugins()[n].takes_http(config) for n in names):
        hints = [h for p in registry.plugins().values() if (h := p.serve_hint())]
        raise Fail(
            "arcircle serve has no messenger that takes HTTP: "
            + "; or ".join(hints)
            + " (Socket Mode and polling run inside `arcircle run`)"
        )
    for name in names:
        _require_env(config, name)
    rt = build_runtime(config, SystemClock(), args.database, platforms=names)
    host, port = config.listen()
    try:
        asyncio.run(
            serve(
                rt,
                "serve",
                listen=(args.host or host, args.port or port),
                announce=lambda line: print(f"(arcircle serve: {line})", file=sys.stderr),
            )
        )
    except StartError as exc:
        raise Fail(f"arcircle serve: {exc}", 1) from None
    except KeyboardInterrupt:
        pass
    finally:
        rt.db.dispose()
    return 0


# --- import ---------------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace) -> int:
    from bot.app import ledger_options
    from bot.audit_cli import audit_key
    from bot.progress import ProgressBar
    from storage.db import Database
    from storage.ledger import MappingError, import_ledger, parse_map_arg
    from storage.ledger_parse import ParseError

    config = _config(args)
    path = Path(args.file)
    if not path.exists():
        raise Fail(f"{path}: no such file")
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
    )
    db = Database(args.database, audit_key=audit_key(os.environ))
    db.migrate()
    clock = SystemClock()
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    bar = ProgressBar(sys.stderr, f"importing {path.name}", enabled=show)
    try:
        result = import_ledger(
            db,
            path,
            options,
            now=clock.now(),
            today=today(clock, config.company.zone),
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
        print(f"{len(result.bad):,} rows were not imported:", file=sys.stderr)
        for bad in result.bad[:50]:
            print(f"  row {bad.row}: {bad.reason}", file=sys.stderr)
        if len(result.bad) > 50:
            more = len(result.bad) - 50
            hint = "" if args.errors else " (--errors FILE writes them all)"
            print(f"  … and {more:,} more{hint}", file=sys.stderr)
        if args.errors:
            print(
                f"  all bad rows, with their cells, written to {args.errors}: fix them there "
                "and import that file again",
                file=sys.stderr,
            )
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
    try:
        if fmt == "xlsx":
            assert output is not None
            report.to_xlsx(output)
        elif fmt == "csv" and output is not None:
            report.write_csv(output)
        else:
            if fmt == "json":
                text = json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n"
            elif fmt == "csv":
                text = report.to_csv()
            else:
                text = report.to_table() + "\n"
            if output is None:
                sys.stdout.write(text)
            else:
                output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise Fail(f"--output {output}: cannot write it ({exc.strerror or exc})") from None
    if output is not None:
        print(f"Aging report as of {as_of.isoformat()} written to {output}", file=sys.stderr)
    return 0


# --- doctor, audit --------------------------------------------------------------------------


def cmd_doctor(args: argparse.Namespace) -> int:
    from bot.doctor import run_checks

    return run_checks(args.config, args.database, sys.stdout, online=not args.offline)


def cmd_outbox(args: argparse.Namespace) -> int:
    from bot import outbox_cli
    from storage.db import Database

    db = Database(args.database)
    try:
        db.migrate()
        return outbox_cli.run(args, db, SystemClock().now(), sys.stdout)
    finally:
        db.dispose()


def cmd_lint(args: argparse.Namespace) -> int:
    from bot import lint_cli

    return lint_cli.run(args, sys.stdin, sys.stdout)


def cmd_audit(args: argparse.Namespace) -> int:
    from bot import audit_cli
    from storage.db import Database

    # The config only says where checkpoints go: without one, they go next to SQLite.
    named = args.config or os.environ.get("ARCIRCLE_CONFIG")
    config = _config(args) if named or default_path().exists() else None
    db = Database(args.database, audit_key=audit_cli.audit_key(os.environ))
    try:
        db.migrate()
        return audit_cli.run(args, db, config, SystemClock().now(), sys.stdout)
    finally:
        db.dispose()


# --- parser ---------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", help="config file (default: $ARCIRCLE_CONFIG or ./config.yaml)")
    common.add_argument(
        "--database", help="database URL (default: $DATABASE_URL or sqlite:///arcircle.db)"
    )
    parser = argparse.ArgumentParser(
        prog="arcircle", description="Receivables collection as a team sport, in your messenger."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")

    run = sub.add_parser(
        "run", parents=[common], help="start the bot (console when no messenger is configured)"
    )
    run.add_argument(
        "--clock-speed",
        type=float,
        default=1.0,
        help="run the clock N times faster (demo: 60 makes 15 minutes 15 seconds)",
    )
    run.add_argument(
        "--clock-start",
        help="start the clock here: HH:MM today or YYYY-MM-DDTHH:MM, company time "
        "(demo: 10:00, inside business hours)",
    )
    run.add_argument(
        "--no-sample",
        action="store_true",
        help="do not load the sample ledger into an empty database",
    )
    run.set_defaults(func=cmd_run, log_default="WARNING")

    srv = sub.add_parser(
        "serve",
        parents=[common],
        help="serve every enabled messenger on one HTTP server (/slack/events, "
        "/wecom/callback, /telegram/webhook, GET /healthz)",
    )
    srv.add_argument("--host", help="address to listen on (default: server.host, 0.0.0.0)")
    srv.add_argument("--port", type=int, help="port (default: server.port, 3000)")
    srv.set_defaults(func=cmd_serve, log_default="INFO")

    imp = sub.add_parser("import", parents=[common], help="import a ledger file (CSV or XLSX)")
    imp.add_argument("file")
    imp.add_argument(
        "--map",
        help="field=column pairs, e.g. invoice_no=invoiceNumber,"
        "customer=customerID (columns joined with + are combined)",
    )
    imp.add_argument("--date-format", help="strptime format for ambiguous dates, e.g. %%d/%%m/%%Y")
    imp.add_argument("--decimal-comma", action="store_true", help="amounts like 1.234,56")
    imp.add_argument("--encoding", help="file encoding (default: detect UTF-8 / GBK)")
    imp.add_argument("--delimiter", help="CSV delimiter (default: detect)")
    imp.add_argument("--sheet", help="XLSX sheet name (default: the first)")
    imp.add_argument("--currency", help="currency for rows without one (default: config)")
    imp.add_argument("--terms", type=int, help="payment terms in days when a row has no due date")
    imp.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    imp.add_argument(
        "--errors",
        help="write every bad row (its cells and the reason) to this CSV or .xlsx file, "
        "to fix and import again",
    )
    imp.add_argument("--verbose", "-v", action="store_true", help="list every change")
    imp.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar (default: when stderr is a terminal)",
    )
    imp.set_defaults(func=cmd_import, log_default="WARNING")

    rep = sub.add_parser("report", parents=[common], help="print a report")
    rep.add_argument("kind", choices=["aging"])
    rep.add_argument("--as-of", type=_date, help="report date (default: today)")
    rep.add_argument("--by", choices=["customer", "segment", "owner"])
    rep.add_argument(
        "--format",
        choices=["table", "json", "csv", "xlsx"],
        help="default: table, or what --output's suffix says (.csv, .json, .xlsx)",
    )
    rep.add_argument("--output", "-o", help="write to this file instead of the screen")
    rep.set_defaults(func=cmd_report, log_default="WARNING")

    doc = sub.add_parser("doctor", parents=[common], help="check config, database, messengers")
    doc.add_argument(
        "--offline", action="store_true", help="do not ask the messengers (tokens, scopes)"
    )
    doc.set_defaults(func=cmd_doctor, log_default="WARNING")

    from bot import audit_cli, lint_cli, outbox_cli

    lint_parser = lint_cli.add_parser(sub)
    lint_parser.set_defaults(func=cmd_lint, log_default="WARNING")

    out = outbox_cli.add_parser(sub, parents=[common])
    out.set_defaults(func=cmd_outbox, log_default="WARNING")

    aud = audit_cli.add_parser(sub, parents=[common])
    aud.set_defaults(func=cmd_audit, log_default="WARNING")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.log_default)
    try:
        code: int = args.func(args)
        return code
    except Fail as exc:
        print(exc, file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `arcircle report ... | head`: the reader left; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # the last guard: a user sees one line, the log has the rest
        log.debug("unexpected error", exc_info=True)
        print(f"arcircle: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("(set ARCIRCLE_LOG_LEVEL=DEBUG for the details)", file=sys.stderr)
        return 2
