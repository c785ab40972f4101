"""What /metrics reads from the database at each scrape: the outbox's backlog per messenger
and the messages it has delivered, by kind (escalations among them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from storage.models import Outbox

_out = Outbox.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Backlog:
    platform: str
    status: str  # pending / parked
    rows: int
    oldest: datetime | None  # when the oldest of them was written


def outbox_backlog(conn: Connection) -> list[Backlog]:
    rows = conn.execute(
        select(_out.c.platform, _out.c.status, func.count(), func.min(_out.c.created_at))
        .where(_out.c.status.in_(("pending", "parked")))
        .group_by(_out.c.platform, _out.c.status)
    )
    return [Backlog(p, s, int(n), oldest) for p, s, n, oldest in rows]


def delivered(conn: Connection) -> list[tuple[str, str, int]]:
    """(platform, kind, rows sent) over the outbox's history."""
    rows = conn.execute(
        select(_out.c.platform, _out.c.kind, func.count())
        .where(_out.c.status == "sent")
        .group_by(_out.c.platform, _out.c.kind)
    )
    return [(p, k, int(n)) for p, k, n in rows]
