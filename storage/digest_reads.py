"""The daily digest's figures, read set-based: a handful of grouped or indexed queries, never
the ledger row by row (the digest must stay fast at a million invoices).

Every read takes `owners`: None for the company, else the person keys of a team, whose
invoices (`invoice.owner`, which the import fills from the customer's owner) are all a team
digest shows. Day boundaries of timestamp columns are passed in as UTC datetimes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, literal, or_, select
from sqlalchemy.exc import OperationalError

from playbook.aging import AgingPolicy, Stage, stage_for
from playbook.digest import DecisionLine, InvoiceLine, PromiseLine, SyncFailure
from playbook.money import from_minor
from storage.models import AuditLog, Case, Customer, Decision, Invoice, JobRun, Payment, Promise

_inv = Invoice.__table__  # type: ignore[attr-defined]
_cus = Customer.__table__  # type: ignore[attr-defined]
_pay = Payment.__table__  # type: ignore[attr-defined]
_prom = Promise.__table__  # type: ignore[attr-defined]
_dec = Decision.__table__  # type: ignore[attr-defined]
_case = Case.__table__  # type: ignore[attr-defined]
_audit = AuditLog.__table__  # type: ignore[attr-defined]
_runs = JobRun.__table__  # type: ignore[attr-defined]

# SQLite's SUM stops at 2**63: a sum that overflows is done again in two halves.
_HALF = 1 << 32
STAGES = tuple(Stage)


def _sums(column: Any, halves: bool) -> list[Any]:
    if halves:
        column = column.self_group()  # (amount - paid) / 2**32, not amount - paid / 2**32
        return [
            func.sum(column.op("/")(literal(_HALF))).label("hi"),
            func.sum(column.op("%")(literal(_HALF))).label("lo"),
        ]
    return [func.sum(column).label("hi"), literal(0).label("lo")]


def _grouped(conn: Connection, build: Callable[[bool], Any]) -> list[Any]:
    """Rows of a grouped sum: a plain SUM, and on SQLite, only if that overflows (past
    2**63), again in two halves (storage.reports' trick), which costs a second sum per row.
    Each row's total is `hi * scale + lo`, `scale` as `_scale` gives it."""
    if conn.dialect.name != "sqlite":
        return list(conn.execute(build(False)))
    try:
        with conn.begin_nested():
            return [_Row(r.hi, r.lo, r, 1) for r in conn.execute(build(False))]
    except OperationalError as exc:
        if "overflow" not in str(exc).lower():
            raise
    return [_Row(r.hi, r.lo, r, _HALF) for r in conn.execute(build(True))]


class _Row:
    __slots__ = ("hi", "lo", "row", "scale")

    def __init__(self, hi: Any, lo: Any, row: Any, scale: int) -> None:
        self.hi, self.lo, self.row, self.scale = hi, lo, row, scale

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, name)


def _total(row: Any) -> int:
    scale = getattr(row, "scale", 1)
    return int(row.hi or 0) * scale + int(row.lo or 0)


def owned(owners: Sequence[str] | None) -> Any:
    return True if owners is None else _inv.c.owner.in_(list(owners))


# --- totals ---------------------------------------------------------------------------------


class Open:
    """Open receivables of one currency on a day: per bucket and per stage, in minor units."""

    def __init__(self, currency: str, buckets: int) -> None:
        self.currency = currency
        self.buckets = [0] * buckets
        self.stages = [0] * len(STAGES)
        self.count = 0


def open_totals(
    conn: Connection, today: date, policy: AgingPolicy, owners: Sequence[str] | None = None
) -> dict[str, Open]:
    """Today's open receivables per currency, by bucket and by stage, in one grouped query.

    Grouped by due date, not by bucket: a few thousand (currency, due date) rows come back
    and each is placed in its bucket and its stage here, so one scan gives both.
    """
    out = _inv.c.amount_minor - _inv.c.paid_minor

    def build(halves: bool) -> Any:
        return (
            select(_inv.c.currency, _inv.c.due_date, func.count().label("n"), *_sums(out, halves))
            .where(_inv.c.status == "open", _inv.c.issue_date <= today, out != 0, owned(owners))
            .group_by(_inv.c.currency, _inv.c.due_date)
        )

    found: dict[str, Open] = {}
    buckets = policy.buckets
    for row in _grouped(conn, build):
        line = found.get(row.currency)
        if line is None:
            line = found[row.currency] = Open(row.currency, len(buckets))
        dpd = (today - row.due_date).days
        minor = _total(row)
        line.count += int(row.n)
        line.buckets[_bucket_index(dpd, policy)] += minor
        line.stages[STAGES.index(stage_for(dpd, policy.stages))] += minor
    return dict(sorted(found.items()))


def _bucket_index(dpd: int, policy: AgingPolicy) -> int:
    for n, bucket in enumerate(policy.buckets):
        if bucket.contains(dpd):
            return n
    return len(policy.buckets) - 1


def credit_sales(
    conn: Connection, first: date, last: date, owners: Sequence[str] | None = None
) -> dict[str, int]:
    """Invoices issued in [first, last] per currency (credit notes net), minor units."""

    def build(halves: bool) -> Any:
        return (
            select(_inv.c.currency, *_sums(_inv.c.amount_minor, halves))
            .where(_inv.c.issue_date >= first, _inv.c.issue_date <= last, owned(owners))
            .group_by(_inv.c.currency)
        )

    return {row.currency: _total(row) for row in _grouped(conn, build)}


# --- what happened yesterday ----------------------------------------------------------------


def newly_overdue(
    conn: Connection, day: date, owners: Sequence[str] | None, limit: int
) -> tuple[list[InvoiceLine], int]:
    """Invoices due on `day` and still open: overdue since the day after. Largest first."""
    out = (_inv.c.amount_minor - _inv.c.paid_minor).label("out")
    where = and_(
        _inv.c.status == "open",
        _inv.c.due_date == day,
        _inv.c.amount_minor != _inv.c.paid_minor,
        owned(owners),
    )
    total = conn.execute(select(func.count()).select_from(_inv).where(where)).scalar_one()
    rows = conn.execute(
        select(_inv.c.invoice_no, _inv.c.currency, _inv.c.owner, _cus.c.name, out)
        .select_from(_inv.join(_cus, _cus.c.id == _inv.c.customer_id))
        .where(where)
        .order_by(out.desc(), _inv.c.invoice_no)
        .limit(limit)
    ).all()
    lines = [
        InvoiceLine(r.invoice_no, r.name, r.currency, from_minor(r.out, r.currency), r.owner)
        for r in rows
    ]
    return lines, int(total)


def payments_on(
    conn: Connection, day: date, owners: Sequence[str] | None, limit: int
) -> tuple[list[InvoiceLine], int, dict[str, int]]:
    """Payment rows dated `day` (reversals included, negative): the first `limit` by size,
    how many there are and their sum per currency (minor units)."""
    source = _pay.join(_inv, _inv.c.id == _pay.c.invoice_id)
    where = and_(_pay.c.paid_on == day, owned(owners))
    sums: dict[str, int] = {}
    total = 0

    def build(halves: bool) -> Any:
        return (
            select(_inv.c.currency, func.count().label("n"), *_sums(_pay.c.amount_minor, halves))
            .select_from(source)
            .where(where)
            .group_by(_inv.c.currency)
        )

    for row in _grouped(conn, build):
        sums[row.currency] = _total(row)
        total += int(row.n)
    rows = conn.execute(
        select(_inv.c.invoice_no, _inv.c.currency, _inv.c.owner, _cus.c.name, _pay.c.amount_minor)
        .select_from(source.join(_cus, _cus.c.id == _inv.c.customer_id))
        .where(where)
        .order_by(_pay.c.amount_minor.desc(), _inv.c.invoice_no)
        .limit(limit)
    ).all()
    lines = [
        InvoiceLine(
            r.invoice_no, r.name, r.currency, from_minor(r.amount_minor, r.currency), r.owner
        )
        for r in rows
    ]
    return lines, total, dict(sorted(sums.items()))


def _customers_owned(owners: Sequence[str] | None) -> Any:
    return True if owners is None else _cus.c.owner.in_(list(owners))


def promises(
    conn: Connection, *, due_on: date, broken: bool, owners: Sequence[str] | None, limit: int
) -> list[PromiseLine]:
    """Promises due on a day: pending ones (due today), or those not kept (due yesterday:
    broken, or still pending because the watcher has not swept them yet)."""
    statuses = ["broken", "pending"] if broken else ["pending"]
    rows = conn.execute(
        select(
            _prom.c.case_id,
            _prom.c.currency,
            _prom.c.amount_minor,
            _prom.c.due_on,
            _prom.c.made_by,
            _cus.c.name,
        )
        .select_from(_prom.join(_cus, _cus.c.id == _prom.c.customer_id))
        .where(_prom.c.due_on == due_on, _prom.c.status.in_(statuses), _customers_owned(owners))
        .order_by(_prom.c.amount_minor.desc(), _prom.c.id)
        .limit(limit)
    ).all()
    return [
        PromiseLine(
            r.case_id,
            r.name,
            r.currency,
            from_minor(r.amount_minor, r.currency),
            r.due_on,
            r.made_by,
        )
        for r in rows
    ]


def decisions(
    conn: Connection, start: datetime, end: datetime, owners: Sequence[str] | None, limit: int
) -> list[DecisionLine]:
    """Decisions taken in [start, end), oldest first: who, what, how much."""
    rows = conn.execute(
        select(
            _dec.c.case_id,
            _dec.c.action,
            _dec.c.person,
            _dec.c.amount_minor,
            _dec.c.currency,
            _dec.c.at,
            _cus.c.name,
        )
        .select_from(
            _dec.join(_case, _case.c.id == _dec.c.case_id).join(
                _cus, _cus.c.id == _case.c.customer_id
            )
        )
        .where(_dec.c.at >= start, _dec.c.at < end, _customers_owned(owners))
        .order_by(_dec.c.at, _dec.c.id)
        .limit(limit)
    ).all()
    return [
        DecisionLine(
            r.case_id,
            r.name,
            r.action,
            r.person,
            from_minor(r.amount_minor, r.currency)
            if r.amount_minor is not None and r.currency
            else None,
            r.currency,
            r.at,
        )
        for r in rows
    ]


def on_hold(conn: Connection, owners: Sequence[str] | None, limit: int) -> tuple[list[str], int]:
    where = and_(_cus.c.on_hold.is_(True), _customers_owned(owners))
    total = conn.execute(select(func.count()).select_from(_cus).where(where)).scalar_one()
    names = conn.execute(
        select(_cus.c.name).where(where).order_by(_cus.c.name).limit(limit)
    ).scalars()
    return list(names), int(total)


# --- the trail and the sync -----------------------------------------------------------------


def audit_head(conn: Connection) -> tuple[int, str | None]:
    """Entries in the audit trail and the hash of the newest: the checkpoint to post."""
    count = conn.execute(select(func.count()).select_from(_audit)).scalar_one()
    head = conn.execute(
        select(_audit.c.hash).order_by(_audit.c.id.desc()).limit(1)
    ).scalar_one_or_none()
    return int(count), head


def sync_failures(conn: Connection, since: datetime, limit: int = 5) -> list[SyncFailure]:
    """Ledger syncs that failed since `since` (job_run rows of jobs named ledger…)."""
    rows = conn.execute(
        select(_runs.c.job, _runs.c.started_at, _runs.c.detail)
        .where(
            _runs.c.job.like("ledger%"),
            _runs.c.status == "failed",
            or_(_runs.c.started_at >= since, _runs.c.finished_at >= since),
        )
        .order_by(_runs.c.started_at.desc())
        .limit(limit)
    ).all()
    found = []
    for r in rows:
        try:
            detail = json.loads(r.detail or "{}")
        except ValueError:
            detail = {}
        detail = detail if isinstance(detail, dict) else {}
        found.append(
            SyncFailure(
                str(detail.get("source") or r.job)[:200],
                str(detail.get("error") or "")[:300],
                r.started_at,
            )
        )
    return found
