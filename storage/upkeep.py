"""Start-up and housekeeping work on the database, each call its own transaction: mirroring
the config's people and their messenger ids, telling whether the ledger is empty, forgetting
old inbound event ids, refreshing the planner's statistics."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from storage import identity, inbound, queries
from storage.bulk import write_lock
from storage.db import Database

_START_LOCK = 0x41524355  # "ARCU": replicas mirroring the config at start, one at a time


def _one_at_a_time(conn: Connection) -> None:
    """Replicas started together would each read the table, find the same people and ids
    missing and insert them: all but one then fail on the unique key and exit. Each waits
    for the others' transaction instead, and then finds nothing left to add."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _START_LOCK})
    else:
        write_lock(conn)


def mirror_people(db: Database, people: Mapping[str, Mapping[str, Any]], now: datetime) -> None:
    """The person table as the config says (people no longer in it become inactive)."""
    with db.engine.begin() as conn:
        _one_at_a_time(conn)
        queries.sync_people(conn, people, now)


def sync_identities(db: Database, rows: Iterable[identity.Row], now: datetime) -> identity.Changes:
    """The identity table as the config says, each change with its audit entry."""
    with db.engine.begin() as conn:
        _one_at_a_time(conn)
        return identity.sync(conn, rows, now)


def ledger_is_empty(db: Database) -> bool:
    with db.engine.connect() as conn:
        return queries.ledger_is_empty(conn)


def forget_inbound(db: Database, now: datetime) -> int:
    """Drop inbound event ids older than the retention (messengers stop retrying in minutes)."""
    with db.engine.begin() as conn:
        return inbound.forget_before(conn, now - inbound.RETENTION)


def refresh_statistics(db: Database) -> None:
    """The ledger tables' planner statistics, as they are now (imports refresh them too)."""
    db.analyze()
