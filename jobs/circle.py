"""The circle's jobs: the overdue scan, the pre-due reminder, the circle tick, the promise and
limitation watches. Each is a poller over rows; re-running one changes nothing.

Triggers are idempotent by key (`stage:17:mid`, `promise:5:broken`, `limitation:17`), so a scan
that runs twice, or in two processes, opens each case once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, exists, select, update
from sqlalchemy.exc import IntegrityError

from playbook.money import from_minor
from storage.circle import (
    CircleEnv,
    begin_write,
    check_promises,
    due_seats,
    fire_seat,
    open_case,
)
from storage.db import Database
from storage.models import Customer, Invoice, JobRun, StageEvent
from storage.outbox import enqueue

log = logging.getLogger(__name__)

_inv = Invoice.__table__  # type: ignore[attr-defined]
_cus = Customer.__table__  # type: ignore[attr-defined]
_ev = StageEvent.__table__  # type: ignore[attr-defined]
_runs = JobRun.__table__  # type: ignore[attr-defined]

SCAN_JOB = "overdue_scan"
_STAGE_ORDER = ("early", "mid", "late")


@dataclass(frozen=True)
class ScanResult:
    recorded: int  # stage entries written (fired or not)
    fired: int  # of those, entries that opened or joined a case
    cases: tuple[int, ...]


def _thresholds(env: CircleEnv) -> dict[str, int]:
    st = env.aging.stages
    return {"early": 1, "mid": st.mid_from, "late": st.late_from}


def _last_scan(conn: Connection) -> tuple[date | None, datetime | None]:
    row = conn.execute(
        select(_runs.c.period, _runs.c.started_at)
        .where(_runs.c.job == SCAN_JOB, _runs.c.status == "done")
        .order_by(_runs.c.period.desc())
        .limit(1)
    ).first()
    if row is None:
        return None, None
    return date.fromisoformat(row.period), row.started_at


def _record_run(db: Database, today: date, now: datetime, detail: str) -> None:
    period = today.isoformat()
    try:
        with db.engine.begin() as conn:
            conn.execute(
                _runs.insert().values(
                    job=SCAN_JOB,
                    period=period,
                    started_at=now,
                    finished_at=now,
                    status="done",
                    detail=detail,
                )
            )
    except IntegrityError:
        with db.engine.begin() as conn:
            conn.execute(
                update(_runs)
                .where(_runs.c.job == SCAN_JOB, _runs.c.period == period)
                .values(started_at=now, finished_at=now, status="done", detail=detail)
            )


def scan_overdue(
    db: Database,
    env: CircleEnv,
    *,
    today: date,
    now: datetime,
    stages: Sequence[str] = _STAGE_ORDER,
) -> ScanResult:
    """Record every invoice's entry into early / mid / late once, and open a case for the
    entries that are news: those since the last scan, and an invoice's current stage when
    the invoice is new since then. The first scan treats older entries as the starting
    point rather than news, so switching the bot on does not flood the channel."""
    with db.engine.connect() as conn:
        last_day, last_at = _last_scan(conn)
    since = last_day or today
    thresholds = _thresholds(env)
    entries: dict[int, list[tuple[int, str, date, bool]]] = defaultdict(list)
    quiet: list[dict[str, Any]] = []
    with db.engine.connect() as conn:
        for stage in _STAGE_ORDER:
            days = thresholds[stage]
            cutoff = today - timedelta(days=days)
            rows = conn.execute(
                select(_inv.c.id, _inv.c.customer_id, _inv.c.due_date, _inv.c.created_at).where(
                    _inv.c.status == "open",
                    _inv.c.amount_minor > _inv.c.paid_minor,
                    _inv.c.issue_date <= today,
                    _inv.c.due_date <= cutoff,
                    ~exists().where(and_(_ev.c.invoice_id == _inv.c.id, _ev.c.stage == stage)),
                )
            )
            for r in rows:
                entered = r.due_date + timedelta(days=days)
                is_new = last_at is not None and r.created_at > last_at
                news = stage in stages and (entered >= since or is_new)
                if news:
                    entries[r.customer_id].append((r.id, stage, entered, is_new))
                else:
                    quiet.append(
                        {
                            "invoice_id": r.id,
                            "stage": stage,
                            "entered_on": entered,
                            "created_at": now,
                        }
                    )
    if quiet:
        with db.engine.begin() as conn:
            begin_write(conn)
            _insert_events(conn, quiet)
    fired = 0
    cases: list[int] = []
    rank = {s: i for i, s in enumerate(_STAGE_ORDER)}
    for customer_id, found in sorted(entries.items()):
        # An invoice new since the last scan opens for its worst stage only.
        best: dict[int, str] = {}
        for invoice_id, stage, _, is_new in found:
            if is_new and rank[stage] > rank.get(best.get(invoice_id, "early"), -1):
                best[invoice_id] = stage
        keys: list[tuple[str, int | None]] = []
        events: list[dict[str, Any]] = []
        worst = "early"
        for invoice_id, stage, entered, is_new in found:
            events.append(
                {"invoice_id": invoice_id, "stage": stage, "entered_on": entered, "created_at": now}
            )
            if is_new and best.get(invoice_id) != stage:
                continue
            keys.append((f"stage:{invoice_id}:{stage}", invoice_id))
            if rank[stage] > rank[worst]:
                worst = stage
        with db.engine.begin() as conn:
            begin_write(conn)
            written = _insert_events(conn, events)
            if not written or not keys:
                continue
            opened = open_case(
                conn,
                env,
                customer_id=customer_id,
                trigger="stage",
                keys=keys,
                stage=worst,
                actor="overdue-scan",
                now=now,
                today=today,
            )
        if opened is not None:
            fired += len(keys)
            cases.append(opened.case_id)
    _record_run(db, today, now, f"{len(quiet) + sum(map(len, entries.values()))} entries")
    return ScanResult(len(quiet) + sum(len(v) for v in entries.values()), fired, tuple(cases))


def _insert_events(conn: Connection, events: list[dict[str, Any]]) -> int:
    """Insert stage entries that are not there yet; how many were new."""
    if not events:
        return 0
    have = {
        (r.invoice_id, r.stage)
        for r in conn.execute(
            select(_ev.c.invoice_id, _ev.c.stage).where(
                _ev.c.invoice_id.in_({e["invoice_id"] for e in events})
            )
        )
    }
    fresh = [e for e in events if (e["invoice_id"], e["stage"]) not in have]
    for start in range(0, len(fresh), 5000):
        conn.execute(_ev.insert(), fresh[start : start + 5000])
    return len(fresh)


def predue_reminders(
    db: Database, env: CircleEnv, *, today: date, now: datetime, days: int, show: int = 15
) -> int:
    """Each owner hears once about their invoices falling due within `days`."""
    horizon = today + timedelta(days=days)
    with db.engine.begin() as conn:
        begin_write(conn)
        rows = conn.execute(
            select(
                _inv.c.id,
                _inv.c.invoice_no,
                _inv.c.owner,
                _inv.c.currency,
                _inv.c.amount_minor,
                _inv.c.paid_minor,
                _inv.c.due_date,
                _cus.c.name,
            )
            .select_from(_inv.join(_cus, _cus.c.id == _inv.c.customer_id))
            .where(
                _inv.c.status == "open",
                _inv.c.amount_minor > _inv.c.paid_minor,
                _inv.c.due_date >= today,
                _inv.c.due_date <= horizon,
                ~exists().where(and_(_ev.c.invoice_id == _inv.c.id, _ev.c.stage == "pre_due")),
            )
            .order_by(_inv.c.due_date, _inv.c.invoice_no)
        ).all()
        if not rows:
            return 0
        _insert_events(
            conn,
            [
                {"invoice_id": r.id, "stage": "pre_due", "entered_on": today, "created_at": now}
                for r in rows
            ],
        )
        by_owner: dict[str | None, list[Any]] = defaultdict(list)
        for r in rows:
            by_owner[r.owner if r.owner in env.people else None].append(r)
        for owner, items in by_owner.items():
            payload = {
                "owner": owner,
                "days": days,
                "invoices": [
                    {
                        "no": r.invoice_no,
                        "customer": r.name,
                        "amount": str(from_minor(r.amount_minor - r.paid_minor, r.currency)),
                        "currency": r.currency,
                        "due": r.due_date.isoformat(),
                    }
                    for r in items[:show]
                ],
                "more": max(0, len(items) - show),
            }
            for target in env.targets:
                # The owner hears it directly where the messenger has direct messages.
                destination = f"@{owner}" if owner else target.destination
                enqueue(
                    conn,
                    key=f"predue:{owner or '-'}:{today.isoformat()}:{items[0].id}:"
                    f"{target.platform}",
                    platform=target.platform,
                    destination=destination,
                    kind="predue",
                    payload=payload,
                    now=now,
                )
    return len(rows)


def tick(db: Database, env: CircleEnv, now: datetime, limit: int = 500) -> int:
    """Escalate every seat whose time ran out; how many seats said something."""
    with db.engine.connect() as conn:
        due = due_seats(conn, now, limit)
    fired = 0
    for seat_id, version in due:
        try:
            with db.engine.begin() as conn:
                begin_write(conn)
                if fire_seat(conn, env, seat_id, version, now):
                    fired += 1
        except Exception:
            # One bad seat must not stop the others; it stays due and is tried next tick.
            log.exception("circle tick: seat %s failed", seat_id)
    return fired


def watch_promises(db: Database, env: CircleEnv, *, today: date, now: datetime) -> int:
    with db.engine.begin() as conn:
        begin_write(conn)
        return len(check_promises(conn, env, today=today, now=now))


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def watch_limitation(
    db: Database, env: CircleEnv, *, today: date, now: datetime, years: int, warn_days: int
) -> int:
    """Legal hears about invoices whose limitation period ends within `warn_days`."""
    # The period ends `years` after the due date; warn from `warn_days` before that.
    cutoff = _years_later(today + timedelta(days=warn_days), -years)
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(_inv.c.id, _inv.c.customer_id, _inv.c.due_date).where(
                _inv.c.status == "open",
                _inv.c.amount_minor > _inv.c.paid_minor,
                _inv.c.due_date <= cutoff,
            )
        ).all()
    by_customer: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        by_customer[r.customer_id].append(r)
    opened = 0
    for customer_id, items in sorted(by_customer.items()):
        with db.engine.begin() as conn:
            begin_write(conn)
            result = open_case(
                conn,
                env,
                customer_id=customer_id,
                trigger="limitation",
                keys=[(f"limitation:{r.id}", r.id) for r in items],
                stage="late",
                actor="limitation-watch",
                now=now,
                today=today,
                detail={"ends": [_years_later(r.due_date, years).isoformat() for r in items]},
            )
        if result is not None:
            opened += 1
    return opened
