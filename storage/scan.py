"""The scans' database work: stage entries (overdue) and pre-due reminders; the limitation and
promise watches are in storage.scan_watch (re-exported here).

Every statement here has a fixed number of parameters, however big the ledger (PostgreSQL's
driver takes at most 65,535 a statement, SQLite 32,766 or, in older builds, 999): rows are
chosen with NOT EXISTS against the tables, stage entries are written with INSERT ... SELECT
(RETURNING says which this call wrote), and the one list built in Python (invoices that arrived
while the pre-due reminder ran) is asked for in batches of storage.bulk.IN_BATCH.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    String,
    and_,
    cast,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite

from playbook.money import from_minor
from storage.bulk import batched
from storage.circle import CircleEnv, Opened, begin_write, open_case
from storage.db import Database
from storage.models import CaseTrigger, Customer, Invoice, StageEvent
from storage.outbox import enqueue
from storage.tick_gate import GATE

_inv = Invoice.__table__  # type: ignore[attr-defined]
_cus = Customer.__table__  # type: ignore[attr-defined]
_ev = StageEvent.__table__  # type: ignore[attr-defined]
_trig = CaseTrigger.__table__  # type: ignore[attr-defined]


Stages = Mapping[str, int]  # stage -> days past due it starts at, oldest stage first
Keys = list[tuple[str, int | None]]


@dataclass(frozen=True)
class StageEntry:
    """An invoice entering a stage: on `entered_on` it became `stage`."""

    invoice_id: int
    customer_id: int
    stage: str
    entered_on: date
    new_invoice: bool  # the invoice itself was created since the last scan


@dataclass(frozen=True)
class ScanWindow:
    """What counts as news: entries on or after `since`, and invoices created after
    `last_at` (None: the first scan, when nothing is new by creation)."""

    today: date
    since: date
    last_at: datetime | None
    now: datetime


@dataclass(frozen=True)
class News:
    """What one customer's news did: entries recorded, trigger keys fired, the case."""

    entries: int
    keys: int
    opened: Opened | None


# --- stage entries --------------------------------------------------------------------------


def _owed_open() -> ColumnElement[bool]:
    return and_(_inv.c.status == "open", _inv.c.amount_minor > _inv.c.paid_minor)


def _entering(stage: str, days: int, today: date) -> ColumnElement[bool]:
    """Invoices `days` or more past due today that have no entry for `stage` yet."""
    return and_(
        _owed_open(),
        _inv.c.issue_date <= today,
        _inv.c.due_date <= today - timedelta(days=days),
        ~exists().where(and_(_ev.c.invoice_id == _inv.c.id, _ev.c.stage == stage)),
    )


def _recent(days: int, window: ScanWindow) -> ColumnElement[bool]:
    # Entered on or after `since`: due_date + days >= since, i.e. due_date >= since - days.
    return _inv.c.due_date >= window.since - timedelta(days=days)


def _is_news(days: int, window: ScanWindow) -> ColumnElement[bool]:
    if window.last_at is None:
        return _recent(days, window)
    return or_(_recent(days, window), _inv.c.created_at > window.last_at)


def _news_kind(new: bool, days: int, window: ScanWindow) -> ColumnElement[bool]:
    """The news of a stage in two parts, told apart: of invoices new since the last scan, and
    of invoices known before (entries since the last scan)."""
    if window.last_at is None:
        return _recent(days, window)
    if new:
        return _inv.c.created_at > window.last_at
    return and_(_inv.c.created_at <= window.last_at, _recent(days, window))


def _plus_days(conn: Connection, column: Any, days: int) -> Any:
    """`column + days` for a date column, in the database's own date arithmetic."""
    if conn.dialect.name == "sqlite":
        # Dates are ISO text on SQLite (storage.db); date() gives the same text back.
        return func.date(column, f"{days:+d} days")
    return column + cast(literal(days), Integer)


def _record(conn: Connection, parts: Sequence[tuple[str, Any, Any]], now: datetime) -> Any:
    """One INSERT ... SELECT of stage entries: for each (stage, entered, where) part, the
    invoices `where` says enter `stage` on `entered` (an expression). An entry another
    writer recorded meanwhile is skipped."""
    insert: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    at = literal(now, _ev.c.created_at.type)
    selects = [
        select(_inv.c.id, literal(stage, String), entered, at).where(where)
        for stage, entered, where in parts
    ]
    rows = selects[0] if len(selects) == 1 else union_all(*selects)
    cols = ["invoice_id", "stage", "entered_on", "created_at"]
    return (
        insert(_ev)
        .from_select(cols, rows)
        .on_conflict_do_nothing(index_elements=["invoice_id", "stage"])
    )


def record_quiet_entries(
    db: Database,
    stages: Stages,
    news: Sequence[str],
    window: ScanWindow,
    *,
    batch: int = 20_000,
    between: Callable[[], None] = GATE.let_ticks_pass,
) -> int:
    """Write every stage entry that is nobody's news (all entries of a stage not in `news`,
    and older entries of invoices known before the last scan), one INSERT ... SELECT per
    stage and `batch` invoice ids, each in its own transaction; how many were written.

    A first scan of a million invoices writes about 160,000 entries: in one transaction it
    held SQLite's write lock for most of a minute and the circle tick waited behind it.
    In batches the tick gets the lock between two of them (`between` waits while a tick wants
    it: storage.tick_gate); a scan cut short resumes where it stopped (an entry already
    written is skipped)."""
    with db.engine.connect() as conn:
        low, high = conn.execute(select(func.min(_inv.c.id), func.max(_inv.c.id))).one()
    if low is None:
        return 0
    written = 0
    for stage, days in stages.items():
        for start in range(low, high + 1, max(1, batch)):
            between()
            with db.engine.begin() as conn:
                begin_write(conn)
                quiet = and_(
                    _inv.c.id.between(start, start + batch - 1),
                    _entering(stage, days, window.today),
                )
                if stage in news:
                    quiet = and_(quiet, not_(_is_news(days, window)))
                entered = _plus_days(conn, _inv.c.due_date, days)
                stmt = _record(conn, [(stage, entered, quiet)], window.now)
                # SQLAlchemy reports an INSERT's row count only when asked to keep it.
                result = conn.execute(stmt.execution_options(preserve_rowcount=True))
                written += max(result.rowcount or 0, 0)
    return written


def news_customers(
    db: Database, stages: Stages, news: Sequence[str], window: ScanWindow
) -> list[int]:
    """The customers with an entry into one of the `news` stages that is news."""
    asks = [
        select(_inv.c.customer_id).where(
            _entering(stage, days, window.today), _is_news(days, window)
        )
        for stage, days in stages.items()
        if stage in news
    ]
    if not asks:
        return []
    found = union(*asks).subquery()
    with db.engine.connect() as conn:
        return list(
            conn.execute(select(found.c.customer_id).order_by(found.c.customer_id)).scalars()
        )


def record_news(
    conn: Connection, customer_id: int, stages: Stages, news: Sequence[str], window: ScanWindow
) -> list[StageEntry]:
    """Write the customer's entries that are news, in the caller's transaction; exactly the
    entries this call wrote (RETURNING), oldest stage first, by invoice."""
    entries: list[StageEntry] = []
    for new in (False,) if window.last_at is None else (False, True):
        parts = [
            (
                stage,
                _plus_days(conn, _inv.c.due_date, days),
                and_(
                    _inv.c.customer_id == customer_id,
                    _entering(stage, days, window.today),
                    _news_kind(new, days, window),
                ),
            )
            for stage, days in stages.items()
            if stage in news
        ]
        if not parts:
            break
        stmt = _record(conn, parts, window.now).returning(
            _ev.c.invoice_id, _ev.c.stage, _ev.c.entered_on
        )
        entries.extend(
            StageEntry(r.invoice_id, customer_id, r.stage, r.entered_on, new)
            for r in conn.execute(stmt)
        )
    rank = {stage: n for n, stage in enumerate(stages)}
    return sorted(entries, key=lambda e: (rank[e.stage], e.invoice_id))


def open_for_news(
    db: Database,
    env: CircleEnv,
    *,
    customer_id: int,
    stages: Stages,
    news: Sequence[str],
    window: ScanWindow,
    pick: Callable[[Sequence[StageEntry]], tuple[Keys, str]],
) -> News:
    """Record a customer's news and open (or add to) its case, in one transaction. `pick`
    says which entries fire (trigger keys) and the case's stage. Entries another process
    recorded first are not this call's news, so a scan that runs twice opens nothing twice."""
    GATE.let_ticks_pass()
    with db.engine.begin() as conn:
        begin_write(conn)
        entries = record_news(conn, customer_id, stages, news, window)
        keys, stage = pick(entries) if entries else ([], "early")
        if not keys:
            return News(len(entries), 0, None)
        opened = open_case(
            conn,
            env,
            customer_id=customer_id,
            trigger="stage",
            keys=keys,
            stage=stage,
            actor="overdue-scan",
            now=window.now,
            today=window.today,
        )
    return News(len(entries), len(keys), opened)


# --- pre-due reminders ----------------------------------------------------------------------


_PREDUE_COLS = (
    _inv.c.id,
    _inv.c.invoice_no,
    _inv.c.owner,
    _inv.c.currency,
    _inv.c.amount_minor,
    _inv.c.paid_minor,
    _inv.c.due_date,
    _cus.c.name,
)


def _predue_rows(conn: Connection, *where: Any) -> list[Any]:
    return list(
        conn.execute(
            select(*_PREDUE_COLS)
            .select_from(_inv.join(_cus, _cus.c.id == _inv.c.customer_id))
            .where(*where)
            .order_by(_inv.c.due_date, _inv.c.invoice_no)
        )
    )


def predue_reminders(
    db: Database, env: CircleEnv, *, today: date, now: datetime, days: int, show: int = 15
) -> int:
    """Each owner hears once about their invoices falling due within `days` (at most `show`
    of them listed, and how many more); how many invoices were news. The reminders go to the
    outbox in the transaction that records them."""
    falling_due = and_(
        _owed_open(),
        _inv.c.due_date >= today,
        _inv.c.due_date <= today + timedelta(days=days),
        ~exists().where(and_(_ev.c.invoice_id == _inv.c.id, _ev.c.stage == "pre_due")),
    )
    with db.engine.begin() as conn:
        begin_write(conn)
        listed = _predue_rows(conn, falling_due)
        if not listed:
            return 0
        entered = literal(today, _ev.c.entered_on.type)
        record = _record(conn, [("pre_due", entered, falling_due)], now)
        recorded = set(conn.execute(record.returning(_ev.c.invoice_id)).scalars())
        # Normally the same invoices. An invoice that arrived in between is recorded now, so
        # it is told now; one another writer recorded first is that writer's to tell.
        seen = {r.id for r in listed}
        late = sorted(recorded - seen)
        for part in batched(late):
            listed.extend(_predue_rows(conn, _inv.c.id.in_(part)))
        rows = [r for r in listed if r.id in recorded]
        if late:
            rows.sort(key=lambda r: (r.due_date, r.invoice_no))
        if not rows:
            return 0
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


# The watches' names, where callers have always found them.
from storage.scan_watch import (  # noqa: E402
    Limitation,
    limitation_due,
    limitation_key,
    open_for_limitation,
    resolve_promises,
)

__all__ = [
    "Keys",
    "Limitation",
    "News",
    "ScanWindow",
    "StageEntry",
    "Stages",
    "limitation_due",
    "limitation_key",
    "news_customers",
    "open_for_limitation",
    "open_for_news",
    "predue_reminders",
    "record_news",
    "record_quiet_entries",
    "resolve_promises",
]
