"""The operator's commands: `arcircle doctor`, `outbox`, `lint` and `audit`."""

from __future__ import annotations

import argparse
import os
import sys

from bot.cli_common import _config
from bot.kernel.clock import SystemClock
from bot.kernel.config import default_path

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
