"""`arcircle report metrics`: DSO, CEI and the other receivables metrics per currency for a
period, with the circle's scorecard, as a table, JSON, CSV or XLSX."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli_common import Fail, _config, write_report
from bot.kernel.clock import SystemClock
from playbook.periods import Period, PeriodError, clip, last_month, parse_period

_SUFFIXES = {".csv": "csv", ".json": "json", ".xlsx": "xlsx", ".txt": "table"}


def period_arg(text: str) -> Period:
    """argparse type for --period: a bad one is a usage error (exit 2)."""
    try:
        return parse_period(text)
    except PeriodError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_report_kind(args: argparse.Namespace) -> int:
    """`report aging` or `report metrics`: each keeps its own options."""
    if args.kind == "metrics":
        if args.as_of is not None or args.by is not None:
            raise Fail("report metrics: --as-of and --by are for the aging report; use --period")
        return cmd_metrics(args)
    if args.period is not None or args.currency is not None:
        raise Fail("report aging: --period and --currency are for report metrics; use --as-of")
    from bot.cli_import import cmd_report

    return cmd_report(args)


def cmd_metrics(args: argparse.Namespace, clock: SystemClock | None = None) -> int:
    from bot.circle_env import circle_env
    from storage.db import Database
    from storage.metrics_report import metrics_report

    output = Path(args.output) if args.output else None
    fmt = args.format or (_SUFFIXES.get(output.suffix.lower()) if output else None) or "table"
    if fmt == "xlsx" and output is None:
        raise Fail("--format xlsx writes a file: add --output FILE.xlsx")
    config = _config(args)
    zone = config.company.zone
    now = (clock or SystemClock()).now()
    today = now.astimezone(zone).date()
    try:
        period = clip(args.period or last_month(today), today)
    except PeriodError as exc:
        raise Fail(f"--period: {exc}") from None
    currency = args.currency.strip().upper() if args.currency else None
    db = Database(args.database)
    db.migrate()
    with db.engine.connect() as conn:
        report = metrics_report(
            conn,
            period,
            config.aging_policy(),
            zone=zone,
            now=now,
            currency=currency,
            contacts=circle_env(config).teams,
        )
    write_report(report, fmt, output)
    if output is not None:
        print(f"Metrics for {period.label} written to {output}", file=sys.stderr)
    return 0
