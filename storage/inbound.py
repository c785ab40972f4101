"""Inbound events already handled, by the platform's own id (Slack event_id, Telegram
update_id, WeCom MsgId): messengers retry deliveries, the bot acts once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.models import InboundEvent

_table = InboundEvent.__table__  # type: ignore[attr-defined]


def first_time(conn: Connection, platform: str, event_id: str, now: datetime) -> bool:
    """Record the event; True when it had not been seen before (handle it), else False."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(_table)
        .values(platform=platform, event_id=event_id, received_at=now)
        .on_conflict_do_nothing(index_elements=["platform", "event_id"])
        .returning(_table.c.id)
    )
    return conn.execute(stmt).first() is not None


def forget_before(conn: Connection, moment: datetime) -> int:
    """Retries stop after minutes; ids older than a few days need not be kept."""
    return conn.execute(delete(_table).where(_table.c.received_at < moment)).rowcount or 0


RETENTION = timedelta(days=7)
