"""The circle tick's transactions: which seats are due, and firing one seat in its own.

One transaction per seat, so a seat that fails rolls back alone and the others still fire;
the claim inside (storage.circle.fire_seat) is a compare-and-set on the seat's version, so two
tickers never fire the same step twice.
"""

from __future__ import annotations

from datetime import datetime

from storage.circle import CircleEnv, begin_write, due_seats, fire_seat
from storage.db import Database


def due(db: Database, now: datetime, limit: int = 500) -> list[tuple[int, int]]:
    """(seat id, version) of up to `limit` seats whose timer has passed, oldest first."""
    with db.engine.connect() as conn:
        return due_seats(conn, now, limit)


def fire(db: Database, env: CircleEnv, seat_id: int, version: int, now: datetime) -> bool:
    """Fire one due seat; True when it said something (False: nothing due, or taken)."""
    with db.engine.begin() as conn:
        begin_write(conn)
        return bool(fire_seat(conn, env, seat_id, version, now))
