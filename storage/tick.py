"""The circle tick's transactions: which seats are due, firing a batch of them in one, and
firing one seat in its own.

The batch (storage.tick_batch) is the normal path; one transaction a seat is the fallback
when a batch fails, so a seat that fails rolls back alone and the others still fire. The
claim inside storage.circle.fire_seat is a compare-and-set on the seat's version, so two
tickers never fire the same step twice.
"""

from __future__ import annotations

from datetime import datetime

from storage.circle import CircleEnv, begin_write, due_seats, fire_seat
from storage.db import Database
from storage.tick_batch import Batch, fire_due
from storage.tick_gate import GATE


def due(db: Database, now: datetime, limit: int = 500) -> list[tuple[int, int]]:
    """(seat id, version) of up to `limit` seats whose timer has passed, oldest first."""
    with db.engine.connect() as conn:
        return due_seats(conn, now, limit)


def fire(db: Database, env: CircleEnv, seat_id: int, version: int, now: datetime) -> bool:
    """Fire one due seat; True when it said something (False: nothing due, or taken)."""
    with GATE.tick(), db.engine.begin() as conn:
        begin_write(conn)
        return bool(fire_seat(conn, env, seat_id, version, now))


def fire_batch(db: Database, env: CircleEnv, now: datetime, limit: int = 500) -> Batch:
    """Fire up to `limit` due seats, oldest first, in one short transaction (a long scan
    lets it through between two of its batches: storage.tick_gate)."""
    with GATE.tick(), db.engine.begin() as conn:
        begin_write(conn)
        return fire_due(conn, env, now, limit)
