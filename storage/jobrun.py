"""Job runs: which period of a job was claimed or done (JobRun rows, unique per job and period).

A claim is how two processes agree that only one of them does a period's work (the ledger
sync claims each file content by its digest); a done row is where a job finds its own last run
(the overdue scan counts news from it).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
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
