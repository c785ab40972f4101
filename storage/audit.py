"""The audit trail: append-only, each entry chained to the one before it.

With a key (`ARCIRCLE_AUDIT_KEY`, handed to `Database` by the composition root) each entry's
hash is an HMAC-SHA256 over its content and the previous hash, so editing an entry and
recomputing the chain needs the key. Without one the chain is plain SHA-256: it shows an
accident, not a forger. Entries written before keys existed stay plain SHA-256 and still
verify; a plain entry after a signed one is a finding (a downgrade).

The chain alone cannot see entries cut off the end, nor records written without their entry:
storage.audit_checkpoints and storage.audit_records check those, storage.audit_verify runs all
three.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text
from sqlmodel import Session

from storage.models import AuditLog

log = logging.getLogger(__name__)

GENESIS = "0" * 64
BASELINE_ACTION = "audit.baseline"
_AUDIT_LOCK = 0x41554454  # "AUDT"
_KEY_OPTION = "arcircle_audit_key"
_table = AuditLog.__table__  # type: ignore[attr-defined]


class AuditKey:
    """The audit secret, as the keys derived from it. It never prints: only its id does.

    The id (the first 8 bytes of an HMAC of a fixed label) is stored with every signed entry,
    so a verify with another key can say "wrong key" instead of "every entry was edited".
    """

    __slots__ = ("_chain", "_checkpoint", "key_id")

    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("an empty audit key")
        self._chain = hmac.digest(secret, b"arcircle audit chain v1", "sha256")
        self._checkpoint = hmac.digest(secret, b"arcircle audit checkpoint v1", "sha256")
        self.key_id = hmac.digest(secret, b"arcircle audit key id v1", "sha256")[:8].hex()

    @classmethod
    def from_text(cls, secret: str) -> AuditKey:
        return cls(secret.strip().encode("utf-8"))

    def sign_entry(self, payload: bytes) -> str:
        return hmac.new(self._chain, payload, hashlib.sha256).hexdigest()

    def sign_checkpoint(self, payload: bytes) -> str:
        return hmac.new(self._checkpoint, payload, hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        return f"AuditKey(id={self.key_id})"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("an audit key is not serialisable")


def use_key(engine: Engine, key: AuditKey | None) -> None:
    """Every connection of `engine` signs its audit entries with `key` (None: plain SHA-256)."""
    engine.update_execution_options(**{_KEY_OPTION: key})


def key_of(conn: Connection) -> AuditKey | None:
    key = conn.get_execution_options().get(_KEY_OPTION)
    return key if isinstance(key, AuditKey) else None


def canonical(detail: Mapping[str, Any]) -> str:
    return json.dumps(
        detail, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )


def _stamp(at: datetime) -> str:
    # SQLite hands back naive datetimes; every stored moment is UTC.
    utc = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds")


def legacy_digest(
    prev: str, at: datetime, actor: str, action: str, entity: str, entity_id: str, detail: str
) -> str:
    """The first format (plain SHA-256, no version): kept as it is, old entries depend on it."""
    payload = "\x1f".join((prev, _stamp(at), actor, action, entity, entity_id, detail))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _payload(
    prev: str,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    version: int | None,
    key_id: str | None,
    detail: str,
) -> bytes:
    fields = [prev, _stamp(at), actor, action, entity, entity_id, version, key_id, detail]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _expected(row: Any, key: AuditKey | None) -> str | None:
    """The hash `row` must have; None when it is signed and `key` cannot check it."""
    if row.key_id is None and row.version is None:
        return legacy_digest(
            row.prev_hash, row.at, row.actor, row.action, row.entity, row.entity_id, row.detail
        )
    payload = _payload(
        row.prev_hash,
        row.at,
        row.actor,
        row.action,
        row.entity,
        row.entity_id,
        row.version,
        row.key_id,
        row.detail,
    )
    if row.key_id is None:
        return hashlib.sha256(payload).hexdigest()
    if key is None or key.key_id != row.key_id:
        return None
    return key.sign_entry(payload)


def append(
    conn: Connection | Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | int,
    detail: Mapping[str, Any] | None = None,
    version: int | None = None,
) -> str:
    """Add one entry in the caller's transaction, so the entry and the change land together.

    `entity`/`entity_id` name the record the entry is about (`input`/42); `version` is the
    record's version after the change, for records that count their changes (seats).
    """
    connection = conn.connection() if isinstance(conn, Session) else conn
    entry = Entry(at, actor, action, entity, entity_id, detail, version)
    return append_many(connection, [entry])[-1]


@dataclass(frozen=True)
class Entry:
    """One entry to append, as append() takes it."""

    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str | int
    detail: Mapping[str, Any] | None = None
    version: int | None = None


def lock_chain(conn: Connection) -> None:
    """Serialise appenders so they never race for the same tail (the unique prev_hash would
    reject the loser, failing its whole transaction). Held to the end of the transaction; a
    writer that takes row locks without waiting (SKIP LOCKED) can take it first."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AUDIT_LOCK})


def append_many(conn: Connection, entries: Sequence[Entry]) -> list[str]:
    """Append `entries` in order in the caller's transaction, as that many append() calls
    would (same hashes, same chain): the tail is read once and the rows go in with one
    executemany. Their hashes, in order."""
    if not entries:
        return []
    lock_chain(conn)
    tail = conn.execute(
        select(_table.c.hash, _table.c.key_id).order_by(_table.c.id.desc()).limit(1)
    ).first()
    prev = tail.hash if tail is not None else GENESIS
    key = key_of(conn)
    if tail is not None and tail.key_id is not None:
        _warn_once(key, tail.key_id)
    key_id = key.key_id if key is not None else None
    rows: list[dict[str, Any]] = []
    for e in entries:
        at = e.at.astimezone(UTC)
        body = canonical(e.detail or {})
        ident = str(e.entity_id)
        if key is None and e.version is None:
            digest = legacy_digest(prev, at, e.actor, e.action, e.entity, ident, body)
        else:
            payload = _payload(
                prev, at, e.actor, e.action, e.entity, ident, e.version, key_id, body
            )
            digest = (
                key.sign_entry(payload) if key is not None else hashlib.sha256(payload).hexdigest()
            )
        rows.append(
            {
                "at": at,
                "actor": e.actor,
                "action": e.action,
                "entity": e.entity,
                "entity_id": ident,
                "detail": body,
                "version": e.version,
                "key_id": key_id,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    conn.execute(_table.insert(), rows)
    return [r["hash"] for r in rows]


_warned: set[str] = set()


def _warn_once(key: AuditKey | None, tail_key_id: str) -> None:
    """A process writing after signed entries without their key leaves a finding behind:
    say so in its log (once) rather than only at the next verify."""
    if key is not None and key.key_id == tail_key_id:
        return
    problem = "unset" if key is None else f"{key.key_id}!={tail_key_id}"
    if problem in _warned:
        return
    _warned.add(problem)
    if key is None:
        log.warning(
            "audit: the trail is signed (key id %s) but ARCIRCLE_AUDIT_KEY is not set in this "
            "process: its entries are unsigned, which `arcircle audit verify` reports",
            tail_key_id,
        )
    else:
        log.warning(
            "audit: the trail is signed with key id %s but ARCIRCLE_AUDIT_KEY has key id %s: "
            "`arcircle audit verify` cannot check both",
            tail_key_id,
            key.key_id,
        )


# --- checking the chain -------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """A point of the chain known to be good (a signed checkpoint): checking starts after it."""

    count: int
    entry_id: int
    head: str


@dataclass
class ChainCheck:
    rows: int = 0
    head: str = GENESIS
    last_id: int | None = None
    problems: list[str] = field(default_factory=list)
    problem_total: int = 0
    signed: int = 0  # checked against the key
    plain: int = 0  # plain SHA-256 (older entries, or written without a key)
    unchecked: int = 0  # signed, and no key to check them with
    foreign: Counter[str] = field(default_factory=Counter)  # signed with another key: id → n
    hashes_at: dict[int, str] = field(default_factory=dict)  # position → hash, as asked
    baseline: dict[str, Any] | None = None
    key_ids: set[str] = field(default_factory=set)

    def problem(self, text: str, limit: int) -> None:
        self.problem_total += 1
        if len(self.problems) < limit:
            self.problems.append(text)

    @property
    def wrong_key(self) -> bool:
        """Signed entries exist and none of them is signed with the key given."""
        return bool(self.foreign) and self.signed == 0


def _stream(conn: Connection, after_id: int | None) -> Iterator[Any]:
    stmt = select(_table).order_by(_table.c.id)
    if after_id is not None:
        stmt = stmt.where(_table.c.id > after_id)
    yield from conn.execution_options(stream_results=True, yield_per=5000).execute(stmt)


def check_chain(
    conn: Connection,
    key: AuditKey | None,
    *,
    after: Anchor | None = None,
    positions: Collection[int] = (),
    limit: int = 20,
) -> ChainCheck:
    """Walk the chain in id order: links, hashes, signatures and downgrades.

    `after`: start behind a checkpoint already checked (its entry must still be there with
    the same hash, and as many entries up to it). `positions`: the entry counts whose hash
    the caller wants (checkpoints to compare with).
    """
    result = ChainCheck()
    prev = GENESIS
    seen_signed = False
    if after is not None:
        anchor = conn.execute(
            select(_table.c.hash, _table.c.key_id).where(_table.c.id == after.entry_id)
        ).first()
        upto = conn.execute(
            select(func.count()).select_from(_table).where(_table.c.id <= after.entry_id)
        ).scalar_one()
        if anchor is None or anchor.hash != after.head or upto != after.count:
            result.problem(
                f"entry {after.entry_id} is not the entry the last checkpoint recorded "
                f"({after.count:,} entries, head {after.head[:16]}…): the trail was "
                "rewritten or cut; run `arcircle audit verify`",
                limit,
            )
            return result
        prev, result.rows, result.head = after.head, after.count, after.head
        result.last_id = after.entry_id
        seen_signed = anchor.key_id is not None
    wanted = set(positions)
    for row in _stream(conn, after.entry_id if after is not None else None):
        result.rows += 1
        if row.prev_hash != prev:
            result.problem(
                f"entry {row.id}: does not follow the entry before it "
                "(an entry was deleted or inserted here)",
                limit,
            )
        if row.key_id is None:
            result.plain += 1
            if seen_signed:
                result.problem(
                    f"entry {row.id} ({row.action}): not signed, after signed entries "
                    "(written without ARCIRCLE_AUDIT_KEY, or forged)",
                    limit,
                )
        else:
            seen_signed = True
            result.key_ids.add(row.key_id)
            if key is None:
                result.unchecked += 1
            elif row.key_id != key.key_id:
                result.foreign[row.key_id] += 1
            else:
                result.signed += 1
        expected = _expected(row, key)
        if expected is not None and not hmac.compare_digest(expected, row.hash):
            result.problem(
                f"entry {row.id} ({row.action}): content does not match its hash (it was edited)",
                limit,
            )
        if row.action == BASELINE_ACTION and result.baseline is None:
            result.baseline = json.loads(row.detail)
        prev = row.hash
        result.last_id = row.id
        if result.rows in wanted:
            result.hashes_at[result.rows] = row.hash
    result.head = prev
    return result


@dataclass(frozen=True)
class Verification:
    ok: bool
    rows: int
    head: str
    problems: list[str]


def verify(conn: Connection, limit_problems: int = 20) -> Verification:
    """The chain and the records it must cover, with the connection's key (no checkpoints:
    storage.audit_verify adds those)."""
    from storage.audit_verify import verify_trail

    report = verify_trail(conn, key_of(conn), limit=limit_problems)
    return Verification(
        ok=report.ok, rows=report.chain.rows, head=report.chain.head, problems=report.problems
    )
