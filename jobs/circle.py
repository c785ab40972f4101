"""The circle's jobs: the overdue scan, the pre-due reminder, the circle tick, the promise and
limitation watches. Each is a poller over rows; re-running one changes nothing.

Triggers are idempotent by key (`stage:17:mid`, `promise:5:broken`, `limitation:17[:end]`), so a
scan that runs twice, or in two processes, opens each case once. The database work is in
storage.scan and storage.tick; what is here decides what is news and which case it opens.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from storage import jobrun, scan
from storage import tick as seats
from storage.circle import CircleEnv
from storage.db import Database

log = logging.getLogger(__name__)

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


def _pick(entries: Sequence[scan.StageEntry]) -> tuple[scan.Keys, str]:
    """Which of a customer's news entries fire (their trigger keys), and the case's stage.

    An invoice new since the last scan fires for its worst stage only; an invoice known
    before fires for each stage it entered since then."""
    rank = {s: i for i, s in enumerate(_STAGE_ORDER)}
    best: dict[int, str] = {}
    for e in entries:
        held = best.get(e.invoice_id)
        if e.new_invoice and (held is None or rank[e.stage] > rank[held]):
            best[e.invoice_id] = e.stage
    keys: scan.Keys = []
    worst = "early"
    for e in entries:
        if e.new_invoice and best.get(e.invoice_id) != e.stage:
            continue
        keys.append((f"stage:{e.invoice_id}:{e.stage}", e.invoice_id))
        if rank[e.stage] > rank[worst]:
            worst = e.stage
    return keys, worst


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
    last_day, last_at = jobrun.last_done(db, SCAN_JOB)
    window = scan.ScanWindow(today=today, since=last_day or today, last_at=last_at, now=now)
    thresholds = _thresholds(env)
    news = [s for s in _STAGE_ORDER if s in stages]
    recorded = scan.record_quiet_entries(db, thresholds, news, window)
    fired = 0
    cases: list[int] = []
    for customer_id in scan.news_customers(db, thresholds, news, window):
        done = scan.open_for_news(
            db,
            env,
            customer_id=customer_id,
            stages=thresholds,
            news=news,
            window=window,
            pick=_pick,
        )
        recorded += done.entries
        if done.opened is not None:
            fired += done.keys
            cases.append(done.opened.case_id)
    jobrun.record_done(db, SCAN_JOB, today, now, f"{recorded} entries")
    return ScanResult(recorded, fired, tuple(cases))


def predue_reminders(
    db: Database, env: CircleEnv, *, today: date, now: datetime, days: int, show: int = 15
) -> int:
    """Each owner hears once about their invoices falling due within `days`."""
    return scan.predue_reminders(db, env, today=today, now=now, days=days, show=show)


def tick(db: Database, env: CircleEnv, now: datetime, limit: int = 500, rounds: int = 4) -> int:
    """Escalate every seat whose time ran out; how many seats said something.

    Batches of up to `limit` seats, each in one short transaction, and another batch only
    while the last one was full (at most `rounds`): after an outage the backlog clears a few
    thousand seats a tick, and writers get the database between two batches."""
    fired = 0
    for _ in range(max(1, rounds)):
        try:
            batch = seats.fire_batch(db, env, now, limit)
        except Exception:
            # One bad row costs speed, never correctness: the same seats one at a time.
            log.exception("circle tick: the batch failed; firing its seats one at a time")
            return fired + tick_one_by_one(db, env, now, limit)
        fired += batch.fired
        if batch.due < limit:
            break
    return fired


def tick_one_by_one(db: Database, env: CircleEnv, now: datetime, limit: int = 500) -> int:
    """The tick a seat per transaction: the fallback, and the reference the batch matches."""
    fired = 0
    for seat_id, version in seats.due(db, now, limit):
        try:
            if seats.fire(db, env, seat_id, version, now):
                fired += 1
        except Exception:
            # One bad seat must not stop the others; it stays due and is tried next tick.
            log.exception("circle tick: seat %s failed", seat_id)
    return fired


def watch_promises(db: Database, env: CircleEnv, *, today: date, now: datetime) -> int:
    return scan.resolve_promises(db, env, today=today, now=now)


def watch_limitation(
    db: Database, env: CircleEnv, *, today: date, now: datetime, years: int, warn_days: int
) -> int:
    """Legal hears about invoices whose limitation period ends within `warn_days`: `years`
    after the latest of the due date and the debtor's acknowledgements (a signed statement,
    a promise, a part payment), so a debt acknowledged last month does not fire; each period
    fires once (storage.scan.limitation_key)."""
    by_customer: dict[int, list[scan.Limitation]] = defaultdict(list)
    for item in scan.limitation_due(db, today=today, years=years, warn_days=warn_days):
        by_customer[item.customer_id].append(item)
    opened = 0
    for customer_id, items in sorted(by_customer.items()):
        result = scan.open_for_limitation(
            db,
            env,
            customer_id=customer_id,
            items=items,
            ends=[i.ends for i in items],
            today=today,
            now=now,
        )
        if result is not None:
            opened += 1
    return opened
