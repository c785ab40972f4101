"""The outbox: each proactive message is a row, written in the transaction of the change it reports.

`enqueue` runs in the caller's transaction and is idempotent on `key`. The delivery worker
(jobs/outbox.py) sends the rows of one (platform, destination) in id order: the lowest-id
pending row is that destination's head, and a head waiting for a retry holds back the rows
behind it. Sent, parked and superseded rows never block.

Timestamps are stored in UTC and handed back as aware UTC datetimes on SQLite too (where the
column holds naive text).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.bulk import batched
from storage.models import Outbox

PENDING = "pending"
SENT = "sent"
PARKED = "parked"
SUPERSEDED = "superseded"
STATUSES = (PENDING, PARKED, SENT, SUPERSEDED)
CARD_KINDS = ("card", "card_update")
ERROR_MAX = 500

_table = Outbox.__table__  # type: ignore[attr-defined]
_LIMITS = {"key": 200, "platform": 20, "destination": 120, "kind": 40, "ref_key": 80}


@dataclass(frozen=True)
class OutRow:
    id: int
    key: str
    platform: str
    destination: str
    kind: str
    payload: dict[str, Any]
    ref_key: str | None
    case_id: int | None
    attempts: int
    status: str
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    message_ref: str | None


def _utc(moment: datetime) -> datetime:
    """What to store: aware UTC (SQLite keeps the wall time, so it must be UTC already)."""
    if moment.tzinfo is None:
        raise ValueError("outbox timestamps must be aware datetimes")
    return moment.astimezone(UTC)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def clip_error(error: str) -> str:
    """last_error holds at most 500 characters (adapters never put secrets in a reason)."""
    return error if len(error) <= ERROR_MAX else error[: ERROR_MAX - 1] + "…"


def _row(r: Any) -> OutRow:
    return OutRow(
        id=r.id,
        key=r.key,
        platform=r.platform,
        destination=r.destination,
        kind=r.kind,
        payload=json.loads(r.payload),
        ref_key=r.ref_key,
        case_id=r.case_id,
        attempts=r.attempts,
        status=r.status,
        next_attempt_at=_aware(r.next_attempt_at),
        last_error=r.last_error,
        created_at=_aware(r.created_at),
        sent_at=_aware(r.sent_at) if r.sent_at is not None else None,
        message_ref=r.message_ref,
    )


@dataclass(frozen=True)
class Message:
    """One row to enqueue, as enqueue() takes it."""

    key: str
    platform: str
    destination: str
    kind: str
    payload: Mapping[str, Any]
    ref_key: str | None = None
    case_id: int | None = None


def _values(m: Message, at: datetime) -> dict[str, Any]:
    for name, value in (
        ("key", m.key),
        ("platform", m.platform),
        ("destination", m.destination),
        ("kind", m.kind),
        ("ref_key", m.ref_key),
    ):
        if value is not None and len(value) > _LIMITS[name]:
            raise ValueError(f"outbox {name} longer than {_LIMITS[name]} characters: {value!r}")
    if not m.key:
        raise ValueError("outbox key must not be empty")
    return {
        "key": m.key,
        "platform": m.platform,
        "destination": m.destination,
        "kind": m.kind,
        "payload": json.dumps(dict(m.payload), ensure_ascii=False, sort_keys=True, default=str),
        "ref_key": m.ref_key,
        "case_id": m.case_id,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": at,
        "created_at": at,
    }


def _insert(conn: Connection) -> Any:
    dialect = conn.dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(_table)
    elif dialect == "sqlite":
        stmt = sqlite.insert(_table)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"outbox: unsupported database {dialect}")
    return stmt.on_conflict_do_nothing(index_elements=["key"])


def enqueue(
    conn: Connection,
    *,
    key: str,
    platform: str,
    destination: str,
    kind: str,
    payload: Mapping[str, Any],
    now: datetime,
    ref_key: str | None = None,
    case_id: int | None = None,
) -> bool:
    """Add a message in the caller's transaction; False when `key` was already enqueued."""
    message = Message(key, platform, destination, kind, payload, ref_key, case_id)
    values = _values(message, _utc(now))
    # RETURNING says whether a row went in (rowcount is not reliable with ON CONFLICT).
    stmt = _insert(conn).values(**values).returning(_table.c.id)
    return conn.execute(stmt).first() is not None


def enqueue_many(conn: Connection, messages: Sequence[Message], now: datetime) -> None:
    """Add `messages` in order in the caller's transaction with one executemany, as that many
    enqueue() calls would (a key already enqueued is skipped; ids follow the order)."""
    if messages:
        at = _utc(now)
        conn.execute(_insert(conn), [_values(m, at) for m in messages])


def due_heads(
    conn: Connection, now: datetime, platforms: Collection[str], limit: int = 500
) -> list[OutRow]:
    """Each destination's lowest-id pending row, when it is due; oldest first."""
    if not platforms:
        return []
    t = _table
    heads = (
        select(func.min(t.c.id).label("id"))
        .where(t.c.status == PENDING, t.c.platform.in_(sorted(platforms)))
        .group_by(t.c.platform, t.c.destination)
        .subquery("heads")
    )
    rows = conn.execute(
        select(t)
        .join(heads, t.c.id == heads.c.id)
        .where(t.c.next_attempt_at <= _utc(now))
        .order_by(t.c.id)
        .limit(limit)
    ).all()
    return [_row(r) for r in rows]


def destination_head(
    conn: Connection, platform: str, destination: str, now: datetime
) -> OutRow | None:
    """The destination's lowest-id pending row if it is due; None when empty or waiting."""
    t = _table
    r = conn.execute(
        select(t)
        .where(t.c.platform == platform, t.c.destination == destination, t.c.status == PENDING)
        .order_by(t.c.id)
        .limit(1)
    ).first()
    if r is None:
        return None
    row = _row(r)
    return row if row.next_attempt_at <= _utc(now) else None


def card_ref(conn: Connection, platform: str, ref_key: str) -> str | None:
    """The platform's message id of the card for `ref_key`: the newest one sent."""
    place = card_place(conn, platform, ref_key)
    return place[1] if place is not None else None


def card_place(conn: Connection, platform: str, ref_key: str) -> tuple[str, str] | None:
    """(destination, message id) of the card for `ref_key` as last sent, None before that."""
    t = _table
    found = conn.execute(
        select(t.c.destination, t.c.message_ref)
        .where(
            t.c.platform == platform,
            t.c.ref_key == ref_key,
            t.c.kind.in_(CARD_KINDS),
            t.c.status == SENT,
            t.c.message_ref.is_not(None),
        )
        .order_by(t.c.id.desc())
        .limit(1)
    ).first()
    return (str(found.destination), str(found.message_ref)) if found is not None else None


def card_has_replies(conn: Connection, platform: str, destination: str, message_ref: str) -> bool:
    """Whether the bot has posted into the thread of the card sent as `message_ref`."""
    t = _table
    card = (
        select(t.c.ref_key)
        .where(
            t.c.platform == platform,
            t.c.destination == destination,
            t.c.message_ref == message_ref,
            t.c.kind.in_(CARD_KINDS),
            t.c.ref_key.is_not(None),
        )
        .limit(1)
        .scalar_subquery()
    )
    found = conn.execute(
        select(t.c.id)
        .where(
            t.c.platform == platform,
            t.c.destination == destination,
            t.c.ref_key == card,
            t.c.kind.not_in(CARD_KINDS),
            t.c.status == SENT,
        )
        .limit(1)
    ).first()
    return found is not None


def newer_update_pending(conn: Connection, row: OutRow) -> bool:
    """A later card_update of the same card to the same destination is waiting."""
    if row.ref_key is None:
        return False
    t = _table
    found = conn.execute(
        select(t.c.id)
        .where(
            t.c.platform == row.platform,
            t.c.destination == row.destination,
            t.c.ref_key == row.ref_key,
            t.c.kind == "card_update",
            t.c.status == PENDING,
            t.c.id > row.id,
        )
        .limit(1)
    ).first()
    return found is not None


def mark_sent(conn: Connection, row_id: int, now: datetime, message_ref: str | None) -> None:
    conn.execute(
        update(_table)
        .where(_table.c.id == row_id)
        .values(status=SENT, sent_at=_utc(now), message_ref=message_ref)
    )


def mark_superseded(conn: Connection, row_id: int, now: datetime) -> None:
    conn.execute(
        update(_table).where(_table.c.id == row_id).values(status=SUPERSEDED, sent_at=_utc(now))
    )


def mark_retry(
    conn: Connection, row_id: int, *, attempts: int, next_attempt_at: datetime, error: str
) -> None:
    conn.execute(
        update(_table)
        .where(_table.c.id == row_id)
        .values(
            attempts=attempts, next_attempt_at=_utc(next_attempt_at), last_error=clip_error(error)
        )
    )


def park(
    conn: Connection, row_id: int, now: datetime, error: str, *, attempts: int | None = None
) -> None:
    """Stop trying: a person has to look (`arcircle outbox`) and `retry` it."""
    values: dict[str, Any] = {
        "status": PARKED,
        "next_attempt_at": _utc(now),
        "last_error": clip_error(error),
    }
    if attempts is not None:
        values["attempts"] = attempts
    conn.execute(update(_table).where(_table.c.id == row_id).values(**values))


def rows(conn: Connection, ids: Collection[int]) -> list[OutRow]:
    """The rows with these ids (any status), in id order; unknown ids are left out."""
    t = _table
    found = [
        r
        for part in batched(sorted(set(ids)))
        for r in conn.execute(select(t).where(t.c.id.in_(part)).order_by(t.c.id))
    ]
    return [_row(r) for r in found]


def listing(
    conn: Connection,
    statuses: Collection[str] = (PENDING, PARKED),
    limit: int = 200,
    *,
    newest: bool = False,
) -> list[OutRow]:
    """Rows with these statuses in id order: the first `limit`, or the last with `newest`."""
    t = _table
    query = select(t).where(t.c.status.in_(sorted(statuses)))
    if newest:
        found = conn.execute(query.order_by(t.c.id.desc()).limit(limit)).all()
        return [_row(r) for r in reversed(found)]
    found = conn.execute(query.order_by(t.c.id).limit(limit)).all()
    return [_row(r) for r in found]


def retry(conn: Connection, now: datetime, ids: Collection[int] | None = None) -> int:
    """Put parked rows (these ids, or all when None) back in the queue; how many were."""
    t = _table
    parked = t.c.status == PARKED
    wheres = [parked] if ids is None else [and_(parked, t.c.id.in_(part)) for part in batched(ids)]
    back = update(t).values(status=PENDING, attempts=0, next_attempt_at=_utc(now))
    return sum(int(conn.execute(back.where(where)).rowcount) for where in wheres)


def counts(conn: Connection) -> dict[str, int]:
    """Rows per status, every status present (0 when none)."""
    t = _table
    found = {s: 0 for s in STATUSES}
    for status, n in conn.execute(select(t.c.status, func.count()).group_by(t.c.status)):
        found[status] = int(n)
    return found
