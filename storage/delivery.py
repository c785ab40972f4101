"""The delivery worker's database calls (jobs/outbox.py), each in its own short transaction.

They block, so the worker runs them in a thread (asyncio.to_thread), never on the event loop;
the statements themselves are in storage.outbox.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from storage import outbox as ob
from storage.db import Database
from storage.outbox import OutRow


@dataclass(frozen=True)
class Refs:
    """How a row goes out: skipped for a newer update of its card, or as an edit of the
    card's message (`update_ref`), or threaded under it (`thread_ref`)."""

    superseded: bool = False
    update_ref: str | None = None
    thread_ref: str | None = None


def due_heads(db: Database, now: datetime, platforms: Collection[str]) -> list[OutRow]:
    with db.engine.connect() as conn:
        return ob.due_heads(conn, now, platforms)


def next_head(db: Database, platform: str, destination: str, now: datetime) -> OutRow | None:
    with db.engine.connect() as conn:
        return ob.destination_head(conn, platform, destination, now)


def refs(db: Database, row: OutRow) -> Refs:
    if row.ref_key is None:
        return Refs()
    with db.engine.connect() as conn:
        if row.kind == "card_update":
            if ob.newer_update_pending(conn, row):
                return Refs(superseded=True)
            return Refs(update_ref=ob.card_ref(conn, row.platform, row.ref_key))
        if row.kind != "card":
            return Refs(thread_ref=ob.card_ref(conn, row.platform, row.ref_key))
    return Refs()


def mark_sent(db: Database, row_id: int, now: datetime, message_ref: str | None) -> None:
    with db.engine.begin() as conn:
        ob.mark_sent(conn, row_id, now, message_ref)


def mark_superseded(db: Database, row_id: int, now: datetime) -> None:
    with db.engine.begin() as conn:
        ob.mark_superseded(conn, row_id, now)


def mark_retry(
    db: Database, row_id: int, *, attempts: int, next_attempt_at: datetime, error: str
) -> None:
    with db.engine.begin() as conn:
        ob.mark_retry(conn, row_id, attempts=attempts, next_attempt_at=next_attempt_at, error=error)


def park(
    db: Database, row_id: int, now: datetime, error: str, *, attempts: int | None = None
) -> None:
    with db.engine.begin() as conn:
        ob.park(conn, row_id, now, error, attempts=attempts)
