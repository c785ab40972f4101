"""`arcircle outbox`: what the bot still has to send, what it gave up on, and a way to retry.

arcircle outbox                 pending and parked rows (exit 1 when some are parked)
arcircle outbox list --all      also the sent and superseded ones (the newest --limit)
arcircle outbox retry 12 17     put parked rows back in the queue
arcircle outbox retry --all     ... every parked row
"""

from __future__ import annotations

import argparse
import copy
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TextIO

from storage import outbox as ob
from storage.db import Database
from storage.outbox import OutRow

DEFAULT_LIMIT = 200


def add_parser(
    subparsers: argparse._SubParsersAction,
    parents: Sequence[argparse.ArgumentParser] = (),
) -> argparse.ArgumentParser:
    """Add `outbox` (the caller sets its func); returns the new parser."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "outbox",
        parents=list(parents),
        help="messages waiting to be sent or parked; retry parked ones",
        description="Messages the bot has to send, and the ones it gave up on.",
    )
    _list_options(parser, argparse.SUPPRESS)  # `arcircle outbox --all` works too
    actions = parser.add_subparsers(dest="outbox_action", metavar="action")
    # After add_subparsers: its own default (None) is replaced too.
    parser.set_defaults(outbox_action="list", show_all=False, limit=DEFAULT_LIMIT, ids=[])
    inner = [_suppressed(parents)] if parents else []
    lst = actions.add_parser("list", parents=inner, help="pending and parked rows (the default)")
    _list_options(lst, argparse.SUPPRESS)
    retry = actions.add_parser("retry", parents=inner, help="put parked rows back in the queue")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("ids", nargs="*", type=int, default=[], metavar="ID", help="row ids")
    which.add_argument("--all", dest="retry_all", action="store_true", help="every parked row")
    return parser


def _suppressed(parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """The parents' options for the actions, without defaults: `arcircle outbox --database X
    list` and `arcircle outbox list --database X` both work (a default in the action's
    namespace would overwrite the value given before it)."""
    holder = argparse.ArgumentParser(add_help=False)
    for parent in parents:
        for action in parent._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            twin = copy.copy(action)
            twin.default = argparse.SUPPRESS
            holder._add_action(twin)
    return holder


def _list_options(parser: argparse.ArgumentParser, default: object) -> None:
    # SUPPRESS: an option not given leaves the value from the outer parser's defaults.
    parser.add_argument(
        "--all",
        dest="show_all",
        action="store_true",
        default=default,
        help="also show sent and superseded rows",
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=default,
        help=f"show at most N rows (default {DEFAULT_LIMIT})",
    )


def run(args: argparse.Namespace, db: Database, now: datetime, out: TextIO) -> int:
    """0 fine, 1 rows are parked / an id could not be retried, 2 bad arguments."""
    action = getattr(args, "outbox_action", None) or "list"
    if action == "retry":
        return _retry(args, db, now, out)
    if action != "list":
        out.write(f"unknown outbox action: {action}\n")
        return 2
    return _list(args, db, now, out)


def _list(args: argparse.Namespace, db: Database, now: datetime, out: TextIO) -> int:
    show_all = bool(getattr(args, "show_all", False))
    limit = getattr(args, "limit", DEFAULT_LIMIT) or DEFAULT_LIMIT
    if limit < 1:
        out.write("--limit must be at least 1\n")
        return 2
    statuses = ob.STATUSES if show_all else (ob.PENDING, ob.PARKED)
    with db.engine.connect() as conn:
        counts = ob.counts(conn)
        rows = ob.listing(conn, statuses, limit, newest=show_all)
    parked = counts[ob.PARKED]
    total = sum(counts[s] for s in statuses)
    if total == 0:
        out.write("outbox is empty: nothing pending or parked\n")
        return 0
    out.write("outbox: " + ", ".join(f"{counts[s]:,} {s}" for s in ob.STATUSES) + "\n")
    for line in _lines(rows, now):
        out.write(line + "\n")
    if total > len(rows):
        which = "older" if show_all else "more"
        out.write(f"  … and {total - len(rows):,} {which} (--limit to see more)\n")
    if parked:
        out.write(
            f"{parked:,} parked: fix the cause, then `arcircle outbox retry ID` "
            "or `arcircle outbox retry --all`\n"
        )
    return 1 if parked else 0


def _lines(rows: Sequence[OutRow], now: datetime) -> list[str]:
    if not rows:
        return []
    width_id = max(len(str(r.id)) for r in rows)
    width_status = max(len(r.status) for r in rows)
    width_platform = max(len(r.platform) for r in rows)
    width_dest = max(len(r.destination) for r in rows)
    width_kind = max(len(r.kind) for r in rows)
    out = []
    for r in rows:
        cells = [
            f"  {r.id:>{width_id}}",
            f"{r.status:<{width_status}}",
            f"{r.platform:<{width_platform}}",
            f"{r.destination:<{width_dest}}",
            f"{r.kind:<{width_kind}}",
            f"attempts {r.attempts}",
        ]
        when = _when(r, now)
        if when:
            cells.append(when)
        if r.last_error and r.status in (ob.PENDING, ob.PARKED):
            cells.append(" ".join(r.last_error.split()))  # one line in a terminal
        out.append("  ".join(cells))
    return out


def _when(row: OutRow, now: datetime) -> str:
    if row.status == ob.PENDING:
        if row.next_attempt_at <= now:
            return "due now"
        return f"next in {_span(row.next_attempt_at - now)} ({row.next_attempt_at:%H:%M:%S} UTC)"
    if row.status == ob.SENT and row.sent_at is not None:
        return f"sent {row.sent_at:%Y-%m-%d %H:%M:%S} UTC"
    return ""


def _span(delta: timedelta) -> str:
    seconds = max(1, round(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def _retry(args: argparse.Namespace, db: Database, now: datetime, out: TextIO) -> int:
    ids: list[int] = list(getattr(args, "ids", None) or [])
    retry_all = bool(getattr(args, "retry_all", False))
    if retry_all == bool(ids):
        out.write("usage: arcircle outbox retry ID [ID ...] | arcircle outbox retry --all\n")
        return 2
    with db.engine.begin() as conn:
        if retry_all:
            n = ob.retry(conn, now)
            if n == 0:
                out.write("nothing to retry: no parked rows\n")
            else:
                out.write(f"re-queued {_rows(n)}\n")
            return 0
        found = {r.id: r for r in ob.rows(conn, ids)}
        problems = []
        for row_id in dict.fromkeys(ids):
            row = found.get(row_id)
            if row is None:
                problems.append(f"row {row_id} does not exist")
            elif row.status != ob.PARKED:
                problems.append(f"row {row_id} is {row.status}, not parked")
        parked = [r.id for r in found.values() if r.status == ob.PARKED]
        n = ob.retry(conn, now, parked) if parked else 0
    out.write(f"re-queued {_rows(n)}\n")
    for line in problems:
        out.write(line + "\n")
    return 1 if problems else 0


def _rows(n: int) -> str:
    return f"{n:,} row" if n == 1 else f"{n:,} rows"
