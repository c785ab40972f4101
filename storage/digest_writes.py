"""The digest job's two transactions: the day's snapshot, and the day's posts enqueued.

Here, not in jobs.digest, because SQL and transactions live in storage/ (jobs decide when)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from storage import snapshots
from storage.db import Database
from storage.digest_build import DigestScope, totals_today, yesterday_scorecard
from storage.outbox import enqueue


@dataclass(frozen=True)
class Post:
    key: str
    platform: str
    destination: str
    payload: Mapping[str, Any]


def record_day(db: Database, scope: DigestScope, now: datetime) -> int:
    """Receivables per currency as of `scope.day` and yesterday's circle figures per team, in
    one transaction; the number of currencies written."""
    with db.engine.begin() as conn:
        totals = totals_today(conn, scope)
        snapshots.write_totals(conn, scope.day, totals, scope.policy, now)
        card = yesterday_scorecard(conn, scope, now)
        snapshots.write_circle(
            conn,
            scope.day - timedelta(days=1),
            {k: (s.seats, s.in_window, s.share) for k, s in card.teams.items()},
            now,
        )
    return len(totals)


def enqueue_posts(
    db: Database,
    posts: Sequence[Post],
    *,
    kind: str,
    now: datetime,
    day: date,
    today: date,
    snapshot_job: str,
) -> list[str]:
    """The posts whose key is new, in one transaction; the keys added. A past `day` is posted
    only when `snapshot_job` ran on a day before it (the bot was down then, not yet installed):
    a first start does not post yesterday's digest."""
    added = []
    with db.engine.begin() as conn:
        if day < today and not snapshots.ran_before(conn, snapshot_job, day):
            return []
        for post in posts:
            if enqueue(
                conn,
                key=post.key,
                platform=post.platform,
                destination=post.destination,
                kind=kind,
                payload=post.payload,
                now=now,
            ):
                added.append(post.key)
    return added
