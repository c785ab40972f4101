"""Job runs: which period of a job was claimed or done (JobRun rows, unique per job and period).

A claim is how two processes agree that only one of them does a period's work (the ledger
sync claims each file content by its digest); a done row is where a job finds its own last run
(the overdue scan counts news from it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import JobRun

_runs = JobRun.__table__  # type: ignore[attr-defined]


def claim(db: Database, job: str, period: str, now: datetime) -> bool:
    """Take `period` of `job` (status running); False when it is done, running elsewhere, or
    another process took it first. A failed run may be claimed again."""
    with db.engine.begin() as conn:
        row = conn.execute(
            select(_runs.c.id, _runs.c.status).where(_runs.c.job == job, _runs.c.period == period)
        ).first()
        if row is not None:
            if row.status != "failed":
                return False
            # A failed attempt is retried; the compare-and-set keeps it to one taker.
            taken = conn.execute(
                update(_runs)
                .where(_runs.c.id == row.id, _runs.c.status == "failed")
                .values(status="running", started_at=now, finished_at=None)
            ).rowcount
            return bool(taken)
    try:
        with db.engine.begin() as conn:
            conn.execute(
                _runs.insert().values(job=job, period=period, started_at=now, status="running")
            )
    except IntegrityError:
        return False
    return True


def take_over(db: Database, job: str, period: str, now: datetime, started_before: datetime) -> bool:
    """Claim a run left `running` since before `started_before` (its process died mid-way);
    False when it is not that, or another process took it over first."""
    with db.engine.begin() as conn:
        taken = conn.execute(
            update(_runs)
            .where(
                _runs.c.job == job,
                _runs.c.period == period,
                _runs.c.status == "running",
                _runs.c.started_at < started_before,
            )
            .values(started_at=now, finished_at=None)
        ).rowcount
    return bool(taken)


def status(db: Database, job: str, period: str) -> str | None:
    """Where `period` of `job` stands: running, done, failed, or None (never claimed)."""
    with db.engine.connect() as conn:
        found: str | None = conn.execute(
            select(_runs.c.status).where(_runs.c.job == job, _runs.c.period == period)
        ).scalar_one_or_none()
    return found


def finish(
    db: Database, job: str, period: str, status: str, now: datetime, detail: dict[str, Any]
) -> None:
    """Close a claimed run as done or failed, with what it did (or why it failed)."""
    with db.engine.begin() as conn:
        conn.execute(
            update(_runs)
            .where(_runs.c.job == job, _runs.c.period == period)
            .values(status=status, finished_at=now, detail=json.dumps(detail))
        )


def last_done(db: Database, job: str) -> tuple[date | None, datetime | None]:
    """The day (period) and start time of the job's latest done run; (None, None) if never."""
    with db.engine.connect() as conn:
        row = conn.execute(
            select(_runs.c.period, _runs.c.started_at)
            .where(_runs.c.job == job, _runs.c.status == "done")
            .order_by(_runs.c.period.desc())
            .limit(1)
        ).first()
    if row is None:
        return None, None
    return date.fromisoformat(row.period), row.started_at


def record_done(db: Database, job: str, day: date, now: datetime, detail: str) -> None:
    """Mark the job done for `day` (a re-run the same day moves its start time to `now`)."""
    period = day.isoformat()
    values = {"started_at": now, "finished_at": now, "status": "done", "detail": detail}
    try:
        with db.engine.begin() as conn:
            conn.execute(_runs.insert().values(job=job, period=period, **values))
    except IntegrityError:
        with db.engine.begin() as conn:
            conn.execute(
                update(_runs).where(_runs.c.job == job, _runs.c.period == period).values(**values)
            )


@dataclass(frozen=True)
class SyncFailure:
    """A failed run of a job (the ledger syncs leave one): what it was and why it failed."""

    job: str
    period: str
    at: datetime  # when it failed (its finish, else its start), aware UTC
    source: str | None
    error: str | None


def record_run(
    db: Database, job: str, period: str, status: str, now: datetime, detail: dict[str, Any]
) -> None:
    """A run that claimed nothing first (a feed poll), done or failed: one row, finished."""
    values = {
        "started_at": now,
        "finished_at": now,
        "status": status,
        "detail": json.dumps(detail, ensure_ascii=False),
    }
    try:
        with db.engine.begin() as conn:
            conn.execute(_runs.insert().values(job=job, period=period, **values))
    except IntegrityError:
        with db.engine.begin() as conn:
            conn.execute(
                update(_runs).where(_runs.c.job == job, _runs.c.period == period).values(**values)
            )


def failures_since(
    conn_or_db: Connection | Database, job_prefix: str, since: datetime
) -> list[SyncFailure]:
    """Failed runs of the jobs whose name starts with `job_prefix`, finished (or started, when
    never finished) at or after `since`, oldest first: what the digest says went wrong."""
    if isinstance(conn_or_db, Database):
        with conn_or_db.engine.connect() as conn:
            return failures_since(conn, job_prefix, since)
    when = func.coalesce(_runs.c.finished_at, _runs.c.started_at)
    # Matched by a prefix compared as text, not LIKE: a `_` in a job name is no wildcard.
    rows = conn_or_db.execute(
        select(_runs.c.job, _runs.c.period, when.label("at"), _runs.c.detail)
        .where(
            _runs.c.status == "failed",
            func.substr(_runs.c.job, 1, len(job_prefix)) == job_prefix,
            when >= _utc(since),
        )
        .order_by(when, _runs.c.id)
    ).all()
    out = []
    for r in rows:
        detail = _detail(r.detail)
        source, error = detail.get("source"), detail.get("error")
        out.append(
            SyncFailure(
                job=r.job,
                period=r.period,
                at=_aware(r.at),
                source=None if source is None else str(source),
                error=None if error is None else str(error),
            )
        )
    return out


def _detail(text: str | None) -> dict[str, Any]:
    try:
        found = json.loads(text) if text else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("failures_since needs an aware datetime")
    return moment.astimezone(UTC)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
