"""`arcircle` (and `python -m bot`): run the bot, import a ledger, print reports, check set-up.

Exit codes: 0 fine; 1 the command ran but found problems (bad ledger rows, a broken audit
chain, a failed doctor check); 2 it could not run (bad config, bad arguments, unreadable
file).

This module builds the parser and runs a command; the commands live in bot.cli_run (run,
serve), bot.cli_import (import, report) and bot.cli_admin (doctor, outbox, lint, audit), with
what they share in bot.cli_common.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from bot.cli_admin import cmd_audit, cmd_doctor, cmd_lint, cmd_outbox
from bot.cli_common import Fail, _clock_start, _date, _setup_logging, log
from bot.cli_import import cmd_import
from bot.cli_metrics import cmd_report_kind, period_arg
from bot.cli_run import cmd_run, cmd_serve

# Re-exported for callers that reach them through bot.cli.
__all__ = ["Fail", "_clock_start", "build_parser", "cmd_run", "main"]

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
    imp.add_argument("file", nargs="?")
    imp.add_argument(
        "--customers",
        metavar="FILE",
        help="import a customer file instead (code, name, contact_name, contact_title, "
        "relationship_since, credit_limit, credit_currency, interest_per_day, segment)",
    )
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
        "--balances-as-of",
        type=_date,
        metavar="DATE",
        help="the day the file's balances stand at: paid amounts without a payment date are "
        "dated DATE instead of today (for a past as-of report)",
    )
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
    rep.add_argument("kind", choices=["aging", "metrics"])
    rep.add_argument("--as-of", type=_date, help="aging: report date (default: today)")
    rep.add_argument(
        "--period",
        type=period_arg,
        help="metrics: YYYY-MM, YYYY-Qn, YYYY or FROM..TO (default: last month)",
    )
    rep.add_argument("--currency", help="metrics: only this currency")
    rep.add_argument("--by", choices=["customer", "segment", "owner"])
    rep.add_argument(
        "--format",
        choices=["table", "json", "csv", "xlsx"],
        help="default: table, or what --output's suffix says (.csv, .json, .xlsx)",
    )
    rep.add_argument("--output", "-o", help="write to this file instead of the screen")
    rep.set_defaults(func=cmd_report_kind, log_default="WARNING")

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

    from bot import cli_export

    cli_export.add_parser(sub, parents=[common])
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
