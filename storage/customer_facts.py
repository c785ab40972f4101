"""What the commands read about one customer or invoice beside its open items: the invoice a
number names, the open invoices a new case covers, broken promises, the credit limit and how
long the relationship has lasted. (Open items and the customer lookup: storage.queries.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, func, select

from playbook.money import from_minor
from storage.models import Customer, Invoice, Promise
from storage.queries import CustomerRef

_inv = Invoice.__table__  # type: ignore[attr-defined]
_cus = Customer.__table__  # type: ignore[attr-defined]
_prom = Promise.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class InvoiceRef:
    id: int
    invoice_no: str
    customer_id: int
    due_date: date


def invoice_by_number(conn: Connection, invoice_no: str) -> InvoiceRef | None:
    row = conn.execute(
        select(_inv.c.id, _inv.c.invoice_no, _inv.c.customer_id, _inv.c.due_date).where(
            _inv.c.invoice_no == invoice_no
        )
    ).first()
    return InvoiceRef(row.id, row.invoice_no, row.customer_id, row.due_date) if row else None


def customer_by_id(conn: Connection, customer_id: int) -> CustomerRef | None:
    row = conn.execute(
        select(
            _cus.c.id, _cus.c.code, _cus.c.name, _cus.c.segment, _cus.c.status, _cus.c.on_hold
        ).where(_cus.c.id == customer_id)
    ).first()
    if row is None:
        return None
    return CustomerRef(row.id, row.code, row.name, row.segment, row.status, row.on_hold)


def customer_of_invoice(conn: Connection, invoice_no: str) -> CustomerRef | None:
    """The customer an invoice number belongs to; None when no invoice has that number."""
    invoice = invoice_by_number(conn, invoice_no)
    return customer_by_id(conn, invoice.customer_id) if invoice is not None else None


def open_invoice_dues(conn: Connection, customer_id: int) -> list[tuple[int, date]]:
    """(invoice id, due date) of the customer's invoices with something still owed."""
    rows = conn.execute(
        select(_inv.c.id, _inv.c.due_date).where(
            _inv.c.customer_id == customer_id,
            _inv.c.status == "open",
            _inv.c.amount_minor > _inv.c.paid_minor,
        )
    ).all()
    return [(r.id, r.due_date) for r in rows]


def broken_promises(conn: Connection, customer_id: int) -> int:
    return int(
        conn.execute(
            select(func.count()).where(
                _prom.c.customer_id == customer_id, _prom.c.status == "broken"
            )
        ).scalar_one()
    )


def credit_limit(conn: Connection, customer_id: int) -> tuple[Decimal, str] | None:
    """(amount, currency) of the customer's credit limit; None when it has none."""
    row = conn.execute(
        select(_cus.c.credit_limit_minor, _cus.c.credit_currency).where(_cus.c.id == customer_id)
    ).first()
    if row is None or row.credit_limit_minor is None or not row.credit_currency:
        return None
    return from_minor(row.credit_limit_minor, row.credit_currency), row.credit_currency


def relationship_years(conn: Connection, customer_id: int, today: date) -> int | None:
    """Whole years since the relationship began; None when the ledger does not say."""
    since = conn.execute(
        select(_cus.c.relationship_since).where(_cus.c.id == customer_id)
    ).scalar_one_or_none()
    return (today - since).days // 365 if since else None
