"""`arcircle audit`: verify the trail (chain, records, checkpoints) or show its last entries;
and where the audit key and the checkpoint file come from.

arcircle audit verify                          check everything; write a checkpoint if intact
arcircle audit verify --checkpoint COUNT:HASH  ... and against a checkpoint kept elsewhere
arcircle audit tail [-n N]                     the last entries
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TextIO

from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError

from storage.audit import AuditKey
from storage.audit_checkpoints import Checkpoint, CheckpointFile, parse_token
from storage.audit_verify import AuditReport, record_checkpoint, verify_trail
from storage.db import Database, resolve_url, sqlite_file
from storage.models import AuditLog

if TYPE_CHECKING:
    from bot.kernel.config import Config

AUDIT_KEY_ENV = "ARCIRCLE_AUDIT_KEY"
MIN_KEY_CHARS = 32
KEY_HOWTO = (
    f"set {AUDIT_KEY_ENV} in the bot's environment (never in config.yaml) to a random value, "
    'e.g. the output of: python3 -c "import os; print(os.urandom(32).hex())"'
)
UNSIGNED_COST = "anyone with write access to the database can rewrite the trail undetected"
_log = AuditLog.__table__  # type: ignore[attr-defined]


def audit_key(env: Mapping[str, str]) -> AuditKey | None:
    """The key from the environment, read once by the composition root; None when unset."""
    secret = (env.get(AUDIT_KEY_ENV) or "").strip()
    return AuditKey.from_text(secret) if secret else None


def checkpoint_path(config: Config | None, db_url: str) -> Path | None:
    """`audit.checkpoints`, else next to the SQLite file; None on PostgreSQL without it."""
    if config is not None and config.audit.checkpoints is not None:
        return config.audit.checkpoints
    sqlite = sqlite_file(db_url)
    return sqlite.with_name(sqlite.name + ".audit-checkpoints") if sqlite is not None else None


# --- the command ----------------------------------------------------------------------------


def _token(text: str) -> tuple[int, str]:
    try:
        return parse_token(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_parser(
    subparsers: argparse._SubParsersAction, parents: Sequence[argparse.ArgumentParser] = ()
) -> argparse.ArgumentParser:
    """Add `audit` (the caller sets its func); returns the new parser."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "audit", parents=list(parents), help="verify or show the audit trail"
    )
    parser.add_argument("action", choices=["verify", "tail"])
    parser.add_argument("-n", type=int, default=20, help="entries to show with tail")
    parser.add_argument(
        "--checkpoint",
        action="append",
        type=_token,
        default=[],
        metavar="COUNT:HASH",
        help="also check against this checkpoint (as the daily digest posts it); repeatable",
    )
    return parser


def run(
    args: argparse.Namespace, db: Database, config: Config | None, now: datetime, out: TextIO
) -> int:
    if args.action == "tail":
        return _tail(db, args.n, out)
    return verify(db, checkpoint_path(config, db.url), args.checkpoint, now, out)


def _tail(db: Database, n: int, out: TextIO) -> int:
    with db.engine.connect() as conn:
        rows = conn.execute(select(_log).order_by(_log.c.id.desc()).limit(max(n, 0))).all()
    for row in reversed(rows):
        ref = f"{row.entity}:{row.entity_id}" + (f" v{row.version}" if row.version else "")
        out.write(
            f"{row.id:>6}  {row.at:%Y-%m-%d %H:%M:%S}  {row.actor:<16} {row.action:<18} "
            f"{ref}  {row.detail[:120]}\n"
        )
    return 0


def verify(
    db: Database,
    path: Path | None,
    given: Sequence[tuple[int, str]],
    now: datetime,
    out: TextIO,
) -> int:
    key = db.audit_key
    file = CheckpointFile(path) if path is not None else None
    read = file.read(key) if file is not None else None
    with db.engine.connect() as conn:
        report = verify_trail(conn, key, checkpoints=read, given=given)
    chain = report.chain
    if not report.ok:
        _problems(report, out)
        latest = read.latest if read is not None else None
        if latest is not None:
            out.write(f"Latest checkpoint: {_describe(latest)}\n")
        why = "could not be checked" if report.not_checked else "does not hold"
        out.write(f"No checkpoint written: the trail {why}.\n")
        return 1
    out.write(f"Audit trail intact: {chain.rows:,} entries{_signing(report)}.\n")
    out.write("Every case, seat change, team input, promise and decision has its entry.\n")
    if path is None:
        out.write(
            "No checkpoint file: set audit.checkpoints in the config (needed on PostgreSQL) "
            "to catch a trail cut short.\n"
        )
    elif report.checked_checkpoints:
        n = report.checked_checkpoints
        out.write(f"It agrees with the {n:,} checkpoint{'s' if n > 1 else ''} in {path}.\n")
    for count, head in given:
        out.write(f"It agrees with the checkpoint {count}:{head[:16]}… given.\n")
    latest = read.latest if read is not None else None
    written = None
    if file is not None and (latest is None or latest.token != f"{chain.rows}:{chain.head}"):
        try:
            written = record_checkpoint(file, key, chain, now)
        except OSError as exc:
            out.write(f"Could not write a checkpoint to {file.path}: {exc.strerror}\n")
            return 1
    if written is not None:
        out.write(f"Checkpoint written: {_describe(written)}\n")
    elif latest is not None:
        out.write(f"Latest checkpoint: {_describe(latest)}\n")
    if key is None:
        out.write(f"Warning: not signed: {AUDIT_KEY_ENV} is not set, so {UNSIGNED_COST}.\n")
    elif chain.rows and not chain.signed:
        out.write(
            f"Warning: no entry is signed with {AUDIT_KEY_ENV} yet: until one is, "
            f"{UNSIGNED_COST}.\n"
        )
    return 0


def _signing(report: AuditReport) -> str:
    chain = report.chain
    if not chain.signed:
        return ""
    older = f", {chain.plain:,} older unsigned" if chain.plain else ""
    return f" ({chain.signed:,} signed with key id {next(iter(chain.key_ids))}{older})"


def _describe(cp: Checkpoint) -> str:
    how = f"signed with key id {cp.key_id}" if cp.mac else "unsigned"
    return f"{cp.describe()}, {how}"


def _problems(report: AuditReport, out: TextIO) -> None:
    chain, records = report.chain, report.records
    if report.not_checked is not None:
        out.write(f"Audit trail NOT CHECKED: {report.not_checked}.\n")
        if report.problem_total:
            out.write(f"Other problems ({report.problem_total:,}):\n")
    else:
        out.write(
            f"Audit trail BROKEN: {report.problem_total:,} problem(s) in {chain.rows:,} entries.\n"
        )
    shown = report.problems
    for problem in shown:
        out.write(f"  {problem}\n")
    if report.problem_total > len(shown):
        out.write(f"  … and {report.problem_total - len(shown):,} more\n")
    if records.total:
        kinds = ", ".join(f"{n:,} {kind}" for kind, n in records.by_kind.items() if n)
        out.write(f"Records without their audit entry: {records.total:,} ({kinds}).\n")


# --- doctor ---------------------------------------------------------------------------------

Status = Literal["ok", "warn", "fail"]


def doctor_checks(
    config: Config | None, url: str | None, env: Mapping[str, str]
) -> list[tuple[Status, str, str]]:
    """The key, and whether the trail was signed with it; where checkpoints go."""
    key = audit_key(env)
    checks: list[tuple[Status, str, str]] = []
    signed_with = _trail_key_id(url)
    if key is None:
        if signed_with:
            checks.append(
                (
                    "fail",
                    "audit key",
                    f"the trail is signed (key id {signed_with}) but {AUDIT_KEY_ENV} is not set: "
                    "new entries would be unsigned and `audit verify` cannot check the signed "
                    "ones; set the key the trail was signed with",
                )
            )
        else:
            checks.append(
                (
                    "warn",
                    "audit key",
                    f"{AUDIT_KEY_ENV} is not set: the audit trail is chained with plain SHA-256, "
                    f"so {UNSIGNED_COST}. To sign it, {KEY_HOWTO}",
                )
            )
    elif signed_with and signed_with != key.key_id:
        checks.append(
            (
                "fail",
                "audit key",
                f"wrong key: the trail is signed with key id {signed_with}, {AUDIT_KEY_ENV} "
                f"has key id {key.key_id}",
            )
        )
    elif len((env.get(AUDIT_KEY_ENV) or "").strip()) < MIN_KEY_CHARS:
        checks.append(
            (
                "warn",
                "audit key",
                f"{AUDIT_KEY_ENV} is short (under {MIN_KEY_CHARS} characters): a guessable key "
                f"lets a forger re-sign the trail; {KEY_HOWTO}",
            )
        )
    else:
        checks.append(("ok", "audit key", f"set (key id {key.key_id})"))
    try:
        path = checkpoint_path(config, resolve_url(url))
    except Exception:  # a bad URL: the database check says so
        return checks
    if path is None:
        checks.append(
            (
                "warn",
                "audit checkpoints",
                "no file for them: set audit.checkpoints in the config (a path the database's "
                "users cannot write), or a trail cut short goes unnoticed",
            )
        )
    else:
        checks.append(("ok", "audit checkpoints", str(path)))
    return checks


def _trail_key_id(url: str | None) -> str | None:
    """The key id of the newest signed entry, if the database can tell."""
    try:
        db = Database(url)
    except Exception:
        return None
    try:
        with db.engine.connect() as conn:
            table = inspect(conn)
            if not table.has_table("audit_log"):
                return None
            if "key_id" not in {c["name"] for c in table.get_columns("audit_log")}:
                return None
            key_id: str | None = conn.execute(
                select(_log.c.key_id)
                .where(_log.c.key_id.is_not(None))
                .order_by(_log.c.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            return key_id
    except SQLAlchemyError:
        return None
    finally:
        db.dispose()
