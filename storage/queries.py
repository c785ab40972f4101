"""Read-side queries the handlers ask: open items by priority, customer lookup and summary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, func, select

from playbook.aging import (
    AgingPolicy,
    InvoiceAging,
    Payment,
    RiskFacts,
    RiskGrade,
    age_invoice,
    priority_score,
)
from playbook.money import from_minor
from storage.bulk import batched
from storage.customer_search import CUSTOMER_COLS, customer_ref

# Customer lookup lives in storage.customer_search; re-exported for the handlers.
from storage.customer_search import CustomerRef as CustomerRef
from storage.customer_search import Lookup as Lookup
from storage.customer_search import find_customer as find_customer
from storage.models import Customer, Invoice
from storage.models import Payment as PaymentRow
from storage.models import Person as PersonRow
from storage.offloop import share_the_gil

_inv = Invoice.__table__  # type: ignore[attr-defined]
_cus = Customer.__table__  # type: ignore[attr-defined]
_pay = PaymentRow.__table__  # type: ignore[attr-defined]
_per = PersonRow.__table__  # type: ignore[attr-defined]
_ROWS_PER_TURN = 16  # about a millisecond of aging between two chances for the event loop


@dataclass(frozen=True)
class OpenItem:
    invoice_id: int
    invoice_no: str
    customer: CustomerRef
    owner: str | None
    currency: str
    amount: Decimal
    outstanding: Decimal
    issue_date: date
    due_date: date
    disputed: bool
    aging: InvoiceAging
    # Outstanding in the company currency, what the priority is computed on.
    base_outstanding: Decimal
    priority: Decimal


def to_base(amount: Decimal, currency: str, base: str, fx: Mapping[str, Decimal]) -> Decimal:
    """Into the company currency; a currency without a rate counts one to one (ranking only)."""
    if currency == base:
        return amount
    return amount * fx.get(currency, Decimal(1))


# What an open item is read from (invoice and customer, joined).
OPEN_ITEM_COLS = (
    _inv.c.id,
    _inv.c.invoice_no,
    _inv.c.owner,
    _inv.c.currency,
    _inv.c.amount_minor,
    _inv.c.paid_minor,
    _inv.c.issue_date,
    _inv.c.due_date,
    _inv.c.disputed,
    *CUSTOMER_COLS,
)


def aged_item(
    row: Any, today: date, policy: AgingPolicy, base_currency: str, fx: Mapping[str, Decimal]
) -> OpenItem | None:
    """One row of OPEN_ITEM_COLS aged as of today; None when nothing is owed either way."""
    amount = from_minor(row.amount_minor, row.currency)
    paid = from_minor(row.paid_minor, row.currency)
    insolvent = row.cstatus == "insolvent"
    dissolved = row.cstatus == "dissolved"
    aged = age_invoice(
        issue_date=row.issue_date,
        due_date=row.due_date,
        amount=amount,
        payments=[Payment(row.issue_date, paid)] if paid else [],
        as_of=today,
        policy=policy,
        disputed=row.disputed,
        insolvent=insolvent,
        dissolved=dissolved,
    )
    if aged is None:
        return None
    base = to_base(aged.outstanding, row.currency, base_currency, fx)
    facts = RiskFacts(
        aged.days_past_due, disputed=row.disputed, insolvent=insolvent, dissolved=dissolved
    )
    return OpenItem(
        invoice_id=row.id,
        invoice_no=row.invoice_no,
        customer=customer_ref(row),
        owner=row.owner,
        currency=row.currency,
        amount=amount,
        outstanding=aged.outstanding,
        issue_date=row.issue_date,
        due_date=row.due_date,
        disputed=row.disputed,
        aging=aged,
        base_outstanding=base,
        priority=priority_score(base, facts, policy),
    )


def rank_key(item: OpenItem) -> tuple[Decimal, int, str]:
    """Best first: the priority, then the older debt, then the invoice number."""
    return (-item.priority, -item.aging.days_past_due, item.invoice_no)


def open_items(
    conn: Connection,
    today: date,
    policy: AgingPolicy,
    *,
    base_currency: str,
    fx: Mapping[str, Decimal],
    customer_ids: Sequence[int] | None = None,
    owners: Sequence[str] | None = None,
    overdue_from: int | None = None,
) -> list[OpenItem]:
    """Invoices open today, with their aging, best first by priority.

    `overdue_from` keeps only items at least that many days past due (1 = overdue); a
    negative value includes the pre-due window.
    """
    stmt = (
        select(*OPEN_ITEM_COLS)
        .select_from(_inv.join(_cus, _cus.c.id == _inv.c.customer_id))
        .where(_inv.c.status == "open", _inv.c.issue_date <= today)
    )
    if customer_ids is not None:
        stmt = stmt.where(_inv.c.customer_id.in_(list(customer_ids)))
    if owners is not None:
        stmt = stmt.where(_inv.c.owner.in_(list(owners)))
    if overdue_from is not None:
        stmt = stmt.where(_inv.c.due_date <= date.fromordinal(today.toordinal() - overdue_from))
    items: list[OpenItem] = []
    for n, row in enumerate(conn.execute(stmt), 1):
        if n % _ROWS_PER_TURN == 0:
            share_the_gil()  # aging is pure Python: ~50 µs a row
        item = aged_item(row, today, policy, base_currency, fx)
        if item is not None:
            items.append(item)
    items.sort(key=rank_key)
    return items


# --- customer summary -----------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentHistory:
    paid_invoices: int
    average_days_late: Decimal | None  # over invoices paid in full; early payment counts as 0
    paid_late: int
    last_payment: date | None
    disputed_open: int
    disputed_total: int


def payment_history(conn: Connection, customer_id: int) -> PaymentHistory:
    settled = conn.execute(
        select(_inv.c.due_date, _inv.c.settled_date).where(
            _inv.c.customer_id == customer_id,
            _inv.c.status == "paid",
            _inv.c.settled_date.is_not(None),
        )
    ).all()
    lates = [max(0, (r.settled_date - r.due_date).days) for r in settled]
    average = (Decimal(sum(lates)) / len(lates)).quantize(Decimal("0.1")) if lates else None
    last = conn.execute(
        select(func.max(_pay.c.paid_on))
        .select_from(_pay.join(_inv, _inv.c.id == _pay.c.invoice_id))
        .where(_inv.c.customer_id == customer_id, _pay.c.amount_minor > 0)
    ).scalar_one_or_none()
    disputed_open, disputed_total = conn.execute(
        select(
            func.count().filter(and_(_inv.c.disputed.is_(True), _inv.c.status == "open")),
            func.count().filter(_inv.c.disputed.is_(True)),
        ).where(_inv.c.customer_id == customer_id)
    ).one()
    return PaymentHistory(
        paid_invoices=len(lates),
        average_days_late=average,
        paid_late=sum(1 for d in lates if d > 0),
        last_payment=last,
        disputed_open=disputed_open,
        disputed_total=disputed_total,
    )


def worst(items: Sequence[OpenItem]) -> RiskGrade | None:
    grades = [i.aging.risk for i in items]
    return max(grades, key=lambda g: g.severity) if grades else None


def ledger_is_empty(conn: Connection) -> bool:
    return conn.execute(select(_inv.c.id).limit(1)).first() is None


# --- people -----------------------------------------------------------------------------------


def sync_people(conn: Connection, people: Mapping[str, Mapping[str, Any]], now: datetime) -> None:
    """Mirror the config's people into the table; people removed from config become inactive."""
    known = {r.key: r for r in conn.execute(select(_per))}
    # Their messenger ids live in the identity table (storage.identity.sync).
    cols = ("name", "team", "role", "locale")
    for key, data in people.items():
        values = {c: data.get(c) for c in cols}
        values["role"] = values["role"] or "member"
        values["active"] = True
        row = known.get(key)
        if row is None:
            conn.execute(_per.insert().values(key=key, updated_at=now, **values))
        elif any(row._mapping[c] != v for c, v in values.items()):
            conn.execute(_per.update().where(_per.c.key == key).values(updated_at=now, **values))
    gone = [k for k, r in known.items() if k not in people and r.active]
    for part in batched(gone):
        conn.execute(_per.update().where(_per.c.key.in_(part)).values(active=False, updated_at=now))
