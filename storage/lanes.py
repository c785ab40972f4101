"""Outbox lanes: which replica delivers a destination's rows (jobs/outbox.py).

Every replica runs an outbox worker. Before it sends a destination's rows it claims that
destination's lane: one statement that inserts the lane, or takes it over when its holder's
time has run out, or extends it when the worker holds it already. Only the holder sends, one
row after another, so the order per destination holds however many replicas run. The holder
renews the lane before each row and lets it go when the destination has nothing due; a
holder that dies mid-send loses nothing (the row is not marked sent, so the next holder sends
it again: delivery is at least once, as everywhere in the outbox).

Each call is its own short transaction, run in a worker thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, delete, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.db import Database
from storage.models import OutboxLane
from storage.outbox import OutRow, destination_head

_lane = OutboxLane.__table__  # type: ignore[attr-defined]

Lane = tuple[str, str]  # (platform, destination)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _claim(conn: Connection, lane: Lane, holder: str, now: datetime, until: datetime) -> bool:
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    values = insert(_lane).values(
        platform=lane[0], destination=lane[1], holder=holder, until=_utc(until)
    )
    stmt = values.on_conflict_do_update(
        index_elements=["platform", "destination"],
        set_={"holder": holder, "until": _utc(until)},
        where=or_(_lane.c.holder == holder, _lane.c.until < _utc(now)),
    ).returning(_lane.c.holder)
    return conn.execute(stmt).first() is not None


def claim(
    db: Database,
    lanes: Iterable[Lane],
    holder: str,
    now: datetime,
    until: datetime,
    due: datetime | None = None,
) -> list[tuple[Lane, OutRow]]:
    """The lanes this holder now holds, each with its head as read after the claim (another
    replica may have sent the head it was seen with); a lane with nothing due is let go.

    `now` and `until` are lease times (the wall clock); `due` (default `now`) is the outbox's
    time, which says whether a head is due (a demo's scaled clock runs ahead of the wall)."""
    held: list[tuple[Lane, OutRow]] = []
    for lane in lanes:
        with db.engine.begin() as conn:
            if not _claim(conn, lane, holder, now, until):
                continue
            head = destination_head(conn, lane[0], lane[1], now if due is None else due)
            if head is None:
                _release(conn, lane, holder)
                continue
        held.append((lane, head))
    return held


def renew(db: Database, lane: Lane, holder: str, now: datetime, until: datetime) -> bool:
    """Extend the lane while this holder still has it; False: it is someone else's now."""
    with db.engine.begin() as conn:
        done = conn.execute(
            update(_lane)
            .where(
                and_(
                    _lane.c.platform == lane[0],
                    _lane.c.destination == lane[1],
                    _lane.c.holder == holder,
                    _lane.c.until >= _utc(now),
                )
            )
            .values(until=_utc(until))
        )
        return bool(done.rowcount)


def _release(conn: Connection, lane: Lane, holder: str) -> None:
    conn.execute(
        delete(_lane).where(
            _lane.c.platform == lane[0], _lane.c.destination == lane[1], _lane.c.holder == holder
        )
    )


def release(db: Database, lane: Lane, holder: str) -> None:
    with db.engine.begin() as conn:
        _release(conn, lane, holder)
