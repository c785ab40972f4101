"""The daily digest job: once a minute it decides what is due and enqueues it.

At the configured time on the configured days (company timezone), each digest channel of each
messenger this process runs (and each team channel) gets ONE outbox row, kind "digest", keyed
`digest:<platform>:<channel>:<team or all>:<YYYY-MM-DD>`: the outbox's unique key makes it
exactly once across restarts and processes. The row is rendered when sent (jobs.render), so
the figures are those of the moment it goes out.

A time missed while the bot was down is caught up by the next run: the LATEST scheduled
occurrence that has no row yet is posted, once, marked late when it is more than `late_after`
behind; older missed days are not (a backlog of stale digests helps nobody). A past day is
caught up only when the job ran on an earlier day (so the bot was down, not yet installed).

Before the posts, the day's snapshot is written (storage.snapshots): receivables per currency
as of today and yesterday's circle figures per team, the history of the digest's trends.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.kernel.config import Config
from bot.kernel.config_digest import DigestTarget
from jobs.digest_render import scope_for
from storage import jobrun, snapshots
from storage.db import Database
from storage.digest_build import DigestScope
from storage.digest_writes import Post, enqueue_posts, record_day

log = logging.getLogger(__name__)

KIND = "digest"
SNAPSHOT_JOB = "digest.snapshot"
SNAPSHOT_STALE = timedelta(minutes=15)


@dataclass(frozen=True)
class Occurrence:
    day: date
    at: datetime  # the scheduled moment, aware


def latest_occurrence(config: Config, now: datetime) -> Occurrence | None:
    """The newest scheduled digest moment at or before `now` (None: no day is configured)."""
    zone = config.company.zone
    at = config.digest.latest_at(now, zone)
    return None if at is None else Occurrence(at.date(), at)


def digest_key(target: DigestTarget, day: date) -> str:
    return f"digest:{target.platform}:{target.channel}:{target.scope}:{day.isoformat()}"


def payload(target: DigestTarget, occurrence: Occurrence, late: bool) -> dict[str, object]:
    return {
        "day": occurrence.day.isoformat(),
        "team": target.team,
        "locale": target.locale,
        "late": late,
        "scheduled": occurrence.at.isoformat(),
    }


def company_scope(config: Config, day: date) -> DigestScope:
    """The company's digest of `day`, as the snapshot counts it."""
    return scope_for(config, day, None, config.company.locale, late=False)


def write_snapshot(db: Database, config: Config, day: date, now: datetime) -> bool:
    """The day's snapshot, once a day (a claim per day; a failed one is retried next run)."""
    period = day.isoformat()
    # A claim left running by a process that died mid-way is taken over once it is older than
    # any snapshot takes (seconds at a million invoices), or that day would have none.
    if not jobrun.claim(db, SNAPSHOT_JOB, period, now) and not jobrun.take_over(
        db, SNAPSHOT_JOB, period, now, started_before=now - SNAPSHOT_STALE
    ):
        return False
    try:
        currencies = record_day(db, company_scope(config, day), now)
    except Exception as exc:
        jobrun.finish(db, SNAPSHOT_JOB, period, "failed", now, {"error": type(exc).__name__})
        raise
    jobrun.finish(db, SNAPSHOT_JOB, period, "done", now, {"currencies": currencies})
    return True


def run_digest(
    db: Database, config: Config, now: datetime, platforms: Collection[str]
) -> list[str]:
    """One poll: the snapshot of today once its digest time has passed, then one outbox row
    per digest target of `platforms` for the latest occurrence. The keys enqueued now."""
    digest = config.digest
    zone = config.company.zone
    today = now.astimezone(zone).date()
    if now >= datetime.combine(today, digest.time, zone):
        try:
            write_snapshot(db, config, today, now)
        except Exception:
            # The posts read the ledger themselves: a snapshot that failed (retried next
            # minute) must not hold back the digest.
            log.exception("digest: the snapshot of %s failed", today)
    if not digest.enabled:
        return []
    occurrence = latest_occurrence(config, now)
    if occurrence is None:
        return []
    late = now - occurrence.at > digest.late_after
    posts = [
        Post(
            digest_key(target, occurrence.day),
            target.platform,
            target.channel,
            payload(target, occurrence, late),
        )
        for target in digest.targets(config.company.locale)
        # `arcircle doctor` names digest channels of messengers not running.
        if target.platform in platforms
    ]
    added = enqueue_posts(
        db,
        posts,
        kind=KIND,
        now=now,
        day=occurrence.day,
        today=today,
        snapshot_job=SNAPSHOT_JOB,
    )
    for key in added:
        log.info("digest: enqueued %s%s", key, " (late)" if late else "")
    return added


def backfill_snapshots(db: Database, config: Config, now: datetime) -> int:
    """At start: the days of the last 30 without a snapshot, from the ledger (all 30 on a
    ledger that never had any)."""
    today = now.astimezone(config.company.zone).date()
    return snapshots.backfill(db, config.aging_policy(), today, now)


class DigestJob:
    """The poller the scheduler runs each minute; its first poll in a process back-fills
    the snapshots missing from the last 30 days (all of them on an existing ledger that never
    had any, the gaps of a bot that was down)."""

    def __init__(self, db: Database, config: Config, platforms: Collection[str]) -> None:
        self.db = db
        self.config = config
        self.platforms = tuple(platforms)
        self._backfilled = False

    def poll(self, now: datetime) -> list[str]:
        if not self._backfilled:
            self._backfilled = True
            written = backfill_snapshots(self.db, self.config, now)
            if written:
                log.info("digest: back-filled %d snapshot rows from the ledger", written)
        return run_digest(self.db, self.config, now, self.platforms)
