"""`audit verify` as a whole: the chain, the records it must cover, and the checkpoints kept
outside it; and the checkpoint written when all of that holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection

from storage.audit import Anchor, AuditKey, ChainCheck, check_chain
from storage.audit_checkpoints import Checkpoint, CheckpointFile, CheckpointRead, make
from storage.audit_records import RecordCheck, check_records
from storage.db import Database


@dataclass
class AuditReport:
    chain: ChainCheck
    records: RecordCheck
    checkpoints: CheckpointRead | None
    checkpoint_problems: list[str] = field(default_factory=list)
    checked_checkpoints: int = 0
    not_checked: str | None = None  # why signed entries could not be checked

    @property
    def problems(self) -> list[str]:
        return self.chain.problems + self.records.problems + self.checkpoint_problems

    @property
    def problem_total(self) -> int:
        return self.chain.problem_total + self.records.total + len(self.checkpoint_problems)

    @property
    def ok(self) -> bool:
        return self.problem_total == 0 and self.not_checked is None


def _compare(
    chain: ChainCheck, count: int, head: str, what: str, out: list[str], limit: int
) -> None:
    if count <= 0:
        return
    if chain.rows < count:
        problem = (
            f"the trail has {chain.rows:,} entries, fewer than the {count:,} of {what}: "
            "entries were cut off its end"
        )
    elif not chain.hashes_at.get(count, "").startswith(head.lower()):
        problem = (
            f"entry #{count:,} of the trail is not the one {what} recorded: "
            "the trail was rewritten up to there"
        )
    else:
        return
    if len(out) < limit:
        out.append(problem)


def verify_trail(
    conn: Connection,
    key: AuditKey | None,
    *,
    checkpoints: CheckpointRead | None = None,
    given: Sequence[tuple[int, str]] = (),
    limit: int = 20,
) -> AuditReport:
    saved = checkpoints.comparable if checkpoints is not None else []
    positions = {c.count for c in saved} | {count for count, _ in given}
    chain = check_chain(conn, key, positions=positions, limit=limit)
    records = check_records(conn, chain.baseline, limit=limit)
    report = AuditReport(chain, records, checkpoints)
    problems = report.checkpoint_problems
    if checkpoints is not None:
        problems.extend(checkpoints.problems[:limit])
        for cp in saved:
            _compare(
                chain, cp.count, cp.head, f"the checkpoint of {cp.describe()}", problems, limit
            )
        report.checked_checkpoints = len(saved)
    for count, head in given:
        _compare(chain, count, head, f"the checkpoint {count}:{head[:16]}…", problems, limit)
    if chain.foreign and not chain.wrong_key:
        ids = ", ".join(sorted(chain.foreign))
        problems.append(
            f"{sum(chain.foreign.values()):,} entries are signed with another key (id {ids}), "
            "not with ARCIRCLE_AUDIT_KEY: they cannot be checked"
        )
    if chain.wrong_key and key is not None:
        theirs = ", ".join(sorted(chain.foreign))
        report.not_checked = (
            f"wrong key: ARCIRCLE_AUDIT_KEY (key id {key.key_id}) is not the key this trail "
            f"was signed with (key id {theirs})"
        )
    elif chain.unchecked:
        ids = ", ".join(sorted(chain.key_ids))
        report.not_checked = (
            f"{chain.unchecked:,} of {chain.rows:,} entries are signed (key id {ids}) and "
            "ARCIRCLE_AUDIT_KEY is not set: they cannot be checked"
        )
    return report


def record_checkpoint(
    file: CheckpointFile, key: AuditKey | None, chain: ChainCheck, now: datetime
) -> Checkpoint | None:
    """Write a checkpoint of a chain found intact; None for an empty trail (nothing to keep)."""
    if chain.rows == 0:
        return None
    cp = make(key, count=chain.rows, head=chain.head, at=now, entry_id=chain.last_id)
    file.append(cp)
    return cp


@dataclass(frozen=True)
class Checkpointed:
    checkpoint: Checkpoint | None  # the newest one (written now, or unchanged)
    written: bool
    problems: list[str]
    total: int


def checkpoint_trail(
    conn: Connection, key: AuditKey | None, file: CheckpointFile, now: datetime, limit: int = 5
) -> Checkpointed:
    """The periodic job's work: check only what was added since the last trusted checkpoint
    (that one still in place), then checkpoint the new head. Records are left to `audit
    verify`: this only anchors the chain's length."""
    read = file.read(key)
    last = read.latest
    if key is not None and last is not None and last.mac is None:
        last = None  # never start from a line anyone could have written
    anchor = None
    if last is not None and last.entry_id is not None:
        anchor = Anchor(last.count, last.entry_id, last.head)
    chain = check_chain(conn, key, after=anchor, limit=limit)
    problems = list(chain.problems)
    if chain.unchecked:
        problems.append(
            f"{chain.unchecked:,} entries are signed and ARCIRCLE_AUDIT_KEY is not set: "
            "no checkpoint without checking them"
        )
    if chain.foreign:
        problems.append("entries are signed with another key than ARCIRCLE_AUDIT_KEY")
    if problems:
        return Checkpointed(last, False, problems, chain.problem_total or len(problems))
    if last is not None and chain.rows == last.count and chain.head == last.head:
        return Checkpointed(last, False, [], 0)
    cp = record_checkpoint(file, key, chain, now)
    return Checkpointed(cp or last, cp is not None, [], 0)


def checkpoint_database(db: Database, path: Path, now: datetime) -> Checkpointed:
    """`checkpoint_trail` on a connection of its own (the hourly job's entry point)."""
    with db.engine.connect() as conn:
        return checkpoint_trail(conn, db.audit_key, CheckpointFile(path), now)
