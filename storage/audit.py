"""The audit trail: append-only, each row chained to the one before by a SHA-256 hash.

Editing a row breaks its own hash; deleting or inserting one breaks the next row's link.
Cutting rows off the end leaves a valid shorter chain, which is why `arcircle audit verify`
prints the head hash: keep it somewhere else (the digest posts it) to detect truncation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, text
from sqlmodel import Session

from storage.models import AuditLog

GENESIS = "0" * 64
_AUDIT_LOCK = 0x41554454  # "AUDT"
_table = AuditLog.__table__  # type: ignore[attr-defined]


def canonical(detail: Mapping[str, Any]) -> str:
    return json.dumps(
        detail, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )


def _digest(
    prev: str, at: datetime, actor: str, action: str, entity: str, entity_id: str, detail: str
) -> str:
    stamp = at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    payload = "\x1f".join((prev, stamp, actor, action, entity, entity_id, detail))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(
    conn: Connection | Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | int,
    detail: Mapping[str, Any] | None = None,
) -> str:
    """Add one entry in the caller's transaction, so the entry and the change land together."""
    connection = conn.connection() if isinstance(conn, Session) else conn
    if connection.dialect.name == "postgresql":
        # Serialise appenders so they never race for the same tail (the unique prev_hash
        # would reject the loser, failing its whole transaction).
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AUDIT_LOCK})
    prev = (
        connection.execute(
            select(_table.c.hash).order_by(_table.c.id.desc()).limit(1)
        ).scalar_one_or_none()
        or GENESIS
    )
    at = at.astimezone(UTC)
    body = canonical(detail or {})
    digest = _digest(prev, at, actor, action, entity, str(entity_id), body)
    connection.execute(
        _table.insert().values(
            at=at,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            detail=body,
            prev_hash=prev,
            hash=digest,
        )
    )
    return digest


@dataclass(frozen=True)
class Verification:
    ok: bool
    rows: int
    head: str
    problems: list[str]


def _rows(conn: Connection) -> Iterator[Any]:
    result = conn.execution_options(stream_results=True, yield_per=5000).execute(
        select(_table).order_by(_table.c.id)
    )
    yield from result


def verify(conn: Connection, limit_problems: int = 20) -> Verification:
    prev = GENESIS
    count = 0
    problems: list[str] = []
    for row in _rows(conn):
        count += 1
        if row.prev_hash != prev:
            problems.append(
                f"entry {row.id}: does not follow the entry before it "
                "(an entry was deleted or inserted here)"
            )
        expected = _digest(
            row.prev_hash, row.at, row.actor, row.action, row.entity, row.entity_id, row.detail
        )
        if expected != row.hash:
            problems.append(
                f"entry {row.id} ({row.action}): content does not match its hash (it was edited)"
            )
        prev = row.hash
        if len(problems) >= limit_problems:
            break
    return Verification(ok=not problems, rows=count, head=prev, problems=problems)
