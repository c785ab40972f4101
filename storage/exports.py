"""The rows of the exports, read with SQL as the file is written: aging, decisions, promises.

An export is a list of `Sheet`s, each a title, a header and rows that query the database only
when they are consumed. The queries stream (`yield_per`: a server-side cursor on PostgreSQL,
SQLite steps its own cursor), so a million open invoices reach the CSV file without ever all
being Python objects at once. Cells are typed: money a Decimal with the currency's minor
digits, days `date`, moments a naive `datetime` in the company's timezone (a spreadsheet has no
timezones). storage.sheets makes text inert and writes the types. The cases workbook is in
storage.export_cases.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import Connection, Select, and_, or_, select, true

from playbook.aging import AgingPolicy, RiskFacts, bucket_for, risk_grade, stage_for
from playbook.decisions import ACTIONS
from playbook.money import from_minor
from storage.models import Case, Customer, Decision, Invoice, Promise
from storage.offloop import share_the_gil
from storage.reports import open_balances

# Rows fetched per round trip (a server-side cursor's FETCH on PostgreSQL).
BATCH = 2_000
_ROWS_PER_TURN = 32

_inv = Invoice.__table__  # type: ignore[attr-defined]
_cus = Customer.__table__  # type: ignore[attr-defined]
_case = Case.__table__  # type: ignore[attr-defined]
_dec = Decision.__table__  # type: ignore[attr-defined]
_pro = Promise.__table__  # type: ignore[attr-defined]

ACTION_LABELS: dict[str, str] = {a.name: a.en for a in ACTIONS}


@dataclass(frozen=True)
class Sheet:
    title: str
    header: tuple[str, ...]
    rows: Iterable[Sequence[Any]]


@dataclass(frozen=True)
class Scope:
    """What every export needs to know of the company: its timezone, aging policy, the
    names of the people (person key → name) and, for a salesperson, whose customers."""

    zone: tzinfo
    policy: AgingPolicy = field(default_factory=AgingPolicy)
    names: Mapping[str, str] = field(default_factory=dict)
    # None: every customer; else only customers (or invoices) owned by these person keys.
    owners: tuple[str, ...] | None = None

    def local(self, moment: datetime | None) -> datetime | None:
        """A stored moment (UTC; SQLite gives it back naive) as company time, naive."""
        if moment is None:
            return None
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        # To the second: what a reader compares; the rows' ids keep the exact order.
        return aware.astimezone(self.zone).replace(tzinfo=None, microsecond=0)

    def name(self, key: str | None) -> str:
        return self.names.get(key, key) if key else ""

    def span(self, start: date, end: date) -> tuple[datetime, datetime]:
        """[start, end] in company days as UTC instants: from start's midnight up to, not
        including, the midnight after end."""
        lo = datetime.combine(start, time(), self.zone).astimezone(UTC)
        hi = datetime.combine(end + timedelta(days=1), time(), self.zone).astimezone(UTC)
        return lo, hi


def stream(
    conn: Connection, stmt: Select[Any], shape: Callable[[Any], Sequence[Any]]
) -> Iterator[Sequence[Any]]:
    """The rows of `stmt`, `shape`d one by one, fetched BATCH at a time."""
    result = conn.execute(stmt.execution_options(yield_per=BATCH))
    try:
        for n, row in enumerate(result, 1):
            if n % _ROWS_PER_TURN == 0:
                share_the_gil()  # ~1 ms of shaping and writing between two for the event loop
            yield shape(row)
    finally:
        result.close()


class _Rows:
    """Rows that run their query when iterated (each time: a sheet may be written twice)."""

    def __init__(self, make: Callable[[], Iterator[Sequence[Any]]]) -> None:
        self._make = make

    def __iter__(self) -> Iterator[Sequence[Any]]:
        return self._make()


def rows(make: Callable[[], Iterator[Sequence[Any]]]) -> Iterable[Sequence[Any]]:
    """Rows that query when iterated, e.g. `rows(lambda: stream(conn, stmt, shape))`."""
    return _Rows(make)


def money(minor: int | None, currency: str | None) -> Any:
    if minor is None or not currency:
        return None
    return from_minor(int(minor), currency)


def owned_by(scope: Scope, column: Any) -> Any:
    """The invoices of a salesperson's export: those they own (everything for the others)."""
    return true() if scope.owners is None else column.in_(list(scope.owners))


def customer_of(scope: Scope, customer_id: Any) -> Any:
    """The customers of a salesperson's export: those they own in the ledger's customer
    column, or whose invoices they own (everything for the others)."""
    if scope.owners is None:
        return true()
    owners = list(scope.owners)
    return or_(
        customer_id.in_(select(_cus.c.id).where(_cus.c.owner.in_(owners))),
        customer_id.in_(select(_inv.c.customer_id).where(_inv.c.owner.in_(owners))),
    )


# --- aging ------------------------------------------------------------------------------------

AGING_HEADER = (
    "as_of",
    "customer_code",
    "customer_name",
    "segment",
    "customer_status",
    "on_hold",
    "invoice_no",
    "issue_date",
    "due_date",
    "currency",
    "amount",
    "outstanding",
    "days_overdue",
    "bucket",
    "stage",
    "risk_grade",
    "disputed",
    "owner",
    "owner_name",
)


def aging_sheets(conn: Connection, as_of: date, scope: Scope) -> list[Sheet]:
    """One row per invoice open at the end of `as_of`, with what it owed then: the aging
    report's rows (storage.reports.open_balances), so the two always add up the same."""
    balances = open_balances(as_of)
    stmt = (
        select(
            balances.c.out,
            _inv.c.invoice_no,
            _inv.c.issue_date,
            _inv.c.due_date,
            _inv.c.currency,
            _inv.c.amount_minor,
            _inv.c.disputed,
            _inv.c.owner,
            _cus.c.code,
            _cus.c.name,
            _cus.c.segment,
            _cus.c.status,
            _cus.c.on_hold,
        )
        .select_from(
            balances.join(_inv, _inv.c.id == balances.c.id).join(
                _cus, _cus.c.id == _inv.c.customer_id
            )
        )
        .where(balances.c.out != 0, owned_by(scope, _inv.c.owner))
        .order_by(_cus.c.code, _inv.c.due_date, _inv.c.invoice_no)
    )
    policy = scope.policy

    # Bucket, stage and grade depend on a few thousand (days, disputed, status) at most.
    @functools.lru_cache(maxsize=65_536)
    def classify(dpd: int, disputed: bool, status: str) -> tuple[str, str, str]:
        facts = RiskFacts(
            dpd,
            disputed=disputed,
            insolvent=status == "insolvent",
            dissolved=status == "dissolved",
        )
        return (
            bucket_for(dpd, policy.buckets).label,
            stage_for(dpd, policy.stages).value,
            risk_grade(facts, policy.risk).value,
        )

    def shape(r: Any) -> Sequence[Any]:
        # Unpacked by position: a million rows, and a Row's attribute lookup costs more.
        out, invoice_no, issued, due, cur, amount, disputed, owner, *customer = r
        code, name, segment, status, on_hold = customer
        dpd = (as_of - due).days
        disputed = bool(disputed)
        return (
            as_of,
            code,
            name,
            segment,
            status,
            bool(on_hold),
            invoice_no,
            issued,
            due,
            cur,
            money(amount, cur),
            money(out, cur),
            dpd,
            *classify(dpd, disputed, status),
            disputed,
            owner or "",
            scope.name(owner),
        )

    return [Sheet("Aging", AGING_HEADER, rows(lambda: stream(conn, stmt, shape)))]


# --- decisions --------------------------------------------------------------------------------

DECISIONS_HEADER = (
    "decision_id",
    "case_id",
    "decided_at",
    "decided_on",
    "customer_code",
    "customer_name",
    "action",
    "action_label",
    "amount",
    "currency",
    "on_date",
    "person",
    "person_name",
    "note",
)


def decisions_sheets(conn: Connection, start: date, end: date, scope: Scope) -> list[Sheet]:
    """Every decision taken in [start, end] (company days): who, what, how much, when."""
    lo, hi = scope.span(start, end)
    stmt = (
        select(
            _dec.c.id,
            _dec.c.case_id,
            _dec.c.at,
            _dec.c.action,
            _dec.c.amount_minor,
            _dec.c.currency,
            _dec.c.on_date,
            _dec.c.person,
            _dec.c.note,
            _cus.c.code,
            _cus.c.name,
        )
        .select_from(
            _dec.join(_case, _case.c.id == _dec.c.case_id).join(
                _cus, _cus.c.id == _case.c.customer_id
            )
        )
        .where(_dec.c.at >= lo, _dec.c.at < hi, customer_of(scope, _cus.c.id))
        .order_by(_dec.c.at, _dec.c.id)
    )

    def shape(r: Any) -> Sequence[Any]:
        at = scope.local(r.at)
        return (
            r.id,
            r.case_id,
            at,
            at.date() if at else None,
            r.code,
            r.name,
            r.action,
            ACTION_LABELS.get(r.action, r.action),
            money(r.amount_minor, r.currency),
            r.currency or "",
            r.on_date,
            r.person,
            scope.name(r.person),
            r.note or "",
        )

    return [Sheet("Decisions", DECISIONS_HEADER, rows(lambda: stream(conn, stmt, shape)))]


# --- promises ---------------------------------------------------------------------------------

PROMISES_HEADER = (
    "promise_id",
    "case_id",
    "customer_code",
    "customer_name",
    "amount",
    "currency",
    "made_at",
    "made_on",
    "due_on",
    "status",
    "resolved_at",
    "made_by",
    "made_by_name",
)


def promises_sheets(conn: Connection, start: date, end: date, scope: Scope) -> list[Sheet]:
    """Every promise made or falling due in [start, end], with its status (pending, kept,
    broken, replaced): the promises of a month are those given in it and those it had to
    see kept."""
    lo, hi = scope.span(start, end)
    stmt = (
        select(
            _pro.c.id,
            _pro.c.case_id,
            _pro.c.amount_minor,
            _pro.c.currency,
            _pro.c.made_at,
            _pro.c.due_on,
            _pro.c.status,
            _pro.c.resolved_at,
            _pro.c.made_by,
            _cus.c.code,
            _cus.c.name,
        )
        .select_from(_pro.join(_cus, _cus.c.id == _pro.c.customer_id))
        .where(
            or_(
                and_(_pro.c.made_at >= lo, _pro.c.made_at < hi),
                _pro.c.due_on.between(start, end),
            ),
            customer_of(scope, _cus.c.id),
        )
        .order_by(_pro.c.due_on, _pro.c.id)
    )

    def shape(r: Any) -> Sequence[Any]:
        made = scope.local(r.made_at)
        return (
            r.id,
            r.case_id,
            r.code,
            r.name,
            money(r.amount_minor, r.currency),
            r.currency,
            made,
            made.date() if made else None,
            r.due_on,
            r.status,
            scope.local(r.resolved_at),
            r.made_by,
            scope.name(r.made_by),
        )

    return [Sheet("Promises", PROMISES_HEADER, rows(lambda: stream(conn, stmt, shape)))]
