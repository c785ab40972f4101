"""The daily snapshot: receivables per currency and the circle per team, one row a day.

Written by the digest job each day (an upsert: a second writer or a re-run the same day
leaves one row with the newest figures); read back for the change since yesterday and the
chart's 30-day trends. On a ledger that has none yet, `backfill` rebuilds the last 30 days
from the aging report as of each day (the ledger's dated payments), once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import postgresql, sqlite

from playbook.aging import AgingPolicy
from playbook.digest import DSO_DAYS, Totals, simple_dso
from playbook.money import from_minor
from storage.db import Database
from storage.digest_reads import credit_sales
from storage.models import DailyCircle, DailySnapshot, JobRun
from storage.reports import aging_report

_snap = DailySnapshot.__table__  # type: ignore[attr-defined]
_circ = DailyCircle.__table__  # type: ignore[attr-defined]
_runs = JobRun.__table__  # type: ignore[attr-defined]
BACKFILL_DAYS = 30


@dataclass(frozen=True)
class Snapshot:
    day: date
    currency: str
    bounds: str
    buckets: tuple[int, ...]
    stages: tuple[int, ...] | None
    overdue: int
    dso: Decimal | None


def bounds_key(policy: AgingPolicy) -> str:
    """The bucket edges a snapshot was counted with (`30,60,90,180,365`)."""
    return ",".join(str(b.days_to) for b in policy.buckets if b.days_to is not None)


def _insert(conn: Connection, table: object, values: dict[str, object], keys: list[str]) -> None:
    dialect = conn.dialect.name
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)  # type: ignore[arg-type]
    stmt = stmt.values(**values)
    update = {k: stmt.excluded[k] for k in values if k not in (*keys, "created_at")}
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=update))


def write_totals(
    conn: Connection,
    day: date,
    totals: Sequence[Totals],
    policy: AgingPolicy,
    now: datetime,
    source: str = "digest",
) -> None:
    """Upsert one row per currency for `day` (two writers leave one row, the later figures)."""
    for t in totals:
        outstanding = from_minor(t.outstanding, t.currency)
        sales = from_minor(t.credit_sales_30d, t.currency)
        dso = simple_dso(outstanding, sales)
        _insert(
            conn,
            _snap,
            {
                "day": day,
                "currency": t.currency,
                "bucket_bounds": bounds_key(policy),
                "buckets_minor": json.dumps(list(t.buckets)),
                "stages_minor": json.dumps(list(t.stages)) if t.stages else None,
                "open_count": t.count,
                "outstanding_minor": t.outstanding,
                "overdue_minor": t.overdue,
                "current_minor": t.current,
                "credit_sales_30d_minor": t.credit_sales_30d,
                "dso": None if dso is None else str(dso),
                "source": source,
                "created_at": now,
            },
            ["day", "currency"],
        )


def write_circle(
    conn: Connection, day: date, teams: Mapping[str, tuple[int, int, Decimal | None]], now: datetime
) -> None:
    """Upsert each team's (seats, answered in the window, share) for `day`."""
    for team, (seats, in_window, share) in sorted(teams.items()):
        _insert(
            conn,
            _circ,
            {
                "day": day,
                "team": team,
                "seats": seats,
                "in_window": in_window,
                "share": None if share is None else str(share),
                "created_at": now,
            },
            ["day", "team"],
        )


def fresh_totals(conn: Connection, day: date, bounds: str, since: datetime) -> list[Totals] | None:
    """The company's totals of `day` as the digest job wrote them at or after `since`, or None
    (none that fresh): the digest posted a moment after its snapshot reads them back instead of
    counting a million invoices a second time."""
    rows = conn.execute(
        select(_snap).where(
            _snap.c.day == day,
            _snap.c.bucket_bounds == bounds,
            _snap.c.source == "digest",
            _snap.c.created_at >= since,
            _snap.c.stages_minor.is_not(None),
        )
    ).all()
    if not rows:
        return None
    return [
        Totals(
            currency=r.currency,
            buckets=tuple(json.loads(r.buckets_minor)),
            stages=tuple(json.loads(r.stages_minor)),
            count=int(r.open_count),
            credit_sales_30d=int(r.credit_sales_30d_minor),
        )
        for r in rows
    ]


def history(conn: Connection, last: date, days: int = BACKFILL_DAYS) -> list[Snapshot]:
    """Snapshots of the `days` days up to `last`, oldest first."""
    rows = conn.execute(
        select(_snap)
        .where(_snap.c.day > last - timedelta(days=days), _snap.c.day <= last)
        .order_by(_snap.c.day, _snap.c.currency)
    ).all()
    return [
        Snapshot(
            r.day,
            r.currency,
            r.bucket_bounds,
            tuple(json.loads(r.buckets_minor)),
            tuple(json.loads(r.stages_minor)) if r.stages_minor else None,
            int(r.overdue_minor),
            Decimal(r.dso) if r.dso is not None else None,
        )
        for r in rows
    ]


def circle_history(
    conn: Connection, last: date, days: int = BACKFILL_DAYS
) -> dict[str, list[tuple[date, Decimal | None]]]:
    """Per team, (day, share answered in the window) of the `days` days up to `last`."""
    rows = conn.execute(
        select(_circ.c.day, _circ.c.team, _circ.c.share)
        .where(_circ.c.day > last - timedelta(days=days), _circ.c.day <= last)
        .order_by(_circ.c.team, _circ.c.day)
    ).all()
    out: dict[str, list[tuple[date, Decimal | None]]] = {}
    for r in rows:
        out.setdefault(r.team, []).append((r.day, Decimal(r.share) if r.share else None))
    return out


def circle_totals(
    conn: Connection, last: date, days: int = BACKFILL_DAYS
) -> dict[str, tuple[int, int]]:
    """Per team, (seats, answered within the window) summed over the `days` days up to
    `last`: the chart's on-time share is their ratio, not an average of daily shares."""
    rows = conn.execute(
        select(_circ.c.team, func.sum(_circ.c.seats), func.sum(_circ.c.in_window))
        .where(_circ.c.day > last - timedelta(days=days), _circ.c.day <= last)
        .group_by(_circ.c.team)
    ).all()
    return {r[0]: (int(r[1] or 0), int(r[2] or 0)) for r in rows}


def ran_before(conn: Connection, job: str, day: date) -> bool:
    """Whether `job` claimed a day before `day`: the bot was running then (job_run rows)."""
    found = conn.execute(
        select(_runs.c.id).where(_runs.c.job == job, _runs.c.period < day.isoformat()).limit(1)
    ).first()
    return found is not None


def backfill(
    db: Database, policy: AgingPolicy, today: date, now: datetime, days: int = BACKFILL_DAYS
) -> int:
    """Rebuild the days of the last `days` before today that have no snapshot: all of them on
    a ledger that has none yet (the bot started on an existing ledger), the gaps a bot that
    was down left otherwise. Each day is the aging report as of that day (one grouped query:
    at most `days` of them) and the credit sales of the 30 days up to it. How many (day,
    currency) rows were written. Runs in the caller's thread: off the event loop."""
    first = today - timedelta(days=days)
    with db.engine.connect() as conn:
        done = set(
            conn.execute(
                select(_snap.c.day).where(_snap.c.day >= first, _snap.c.day < today).distinct()
            ).scalars()
        )
    written = 0
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        if day in done:
            continue
        with db.engine.begin() as conn:
            report = aging_report(conn, day, policy)
            sales = credit_sales(conn, day - timedelta(days=DSO_DAYS - 1), day)
            totals = [
                Totals(
                    currency=line.currency,
                    buckets=tuple(c.minor for c in line.buckets),
                    stages=(),
                    count=line.count,
                    credit_sales_30d=sales.get(line.currency, 0),
                )
                for line in report.totals
            ]
            write_totals(conn, day, totals, policy, now, source="backfill")
            written += len(totals)
    return written
