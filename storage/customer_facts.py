"""What the commands read about one customer or invoice beside its open items: the invoice a
number names, the open invoices a new case covers, broken promises, the credit limit and how
long the relationship has lasted. (Open items and the customer lookup: storage.queries.)"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, func, select

from playbook.limitation import DEFAULT_YEARS
from playbook.money import from_minor
from storage.acknowledgements import invoice_clocks, latest_acknowledgement, owed_open
from storage.models import Case, Customer, Decision, Invoice, Promise
from storage.queries import CustomerRef

_inv = Invoice.__table__  # type: ignore[attr-defined]
_cus = Customer.__table__  # type: ignore[attr-defined]
_prom = Promise.__table__  # type: ignore[attr-defined]

# The decisions that are a contact with the customer: a reminder, a call, a visit.
CONTACT_ACTIONS = ("remind", "call", "visit")
_dec = Decision.__table__  # type: ignore[attr-defined]
_case = Case.__table__  # type: ignore[attr-defined]


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


def relationship_years(conn: Connection, customer_id: int, today: date) -> int | None:
    """Whole years since the relationship began; None when the ledger does not say."""
    since = conn.execute(
        select(_cus.c.relationship_since).where(_cus.c.id == customer_id)
    ).scalar_one_or_none()
    return (today - since).days // 365 if since else None


@dataclass(frozen=True)
class CustomerProfile:
    """What the words for a customer may rely on beyond its open items: who to address, how long
    the relationship is, the contract's late interest, and the limitation clock.

    Every field is None/empty/0 when the records do not say: the words must then not claim it
    (no "王总" without a contact, no years of partnership without a first order date, no "as we
    reminded you" without a recorded reminder).
    """

    relationship_since: date | None = None  # first order date
    contact_name: str | None = None  # "王建国" or "Wang Jianguo"
    contact_title: str | None = None  # "总经理", "财务经理", "CFO"
    credit_limit: tuple[Decimal, str] | None = None  # (amount, currency)
    # The contract's late interest per day: the customer's own rate, None when not recorded
    # (the caller then falls back to collection.late_interest_per_day).
    interest_per_day: Decimal | None = None
    # An invoice's own rate wins over the customer's: invoice_no → rate per day.
    invoice_interest: Mapping[str, Decimal] = field(default_factory=dict)
    # The latest written acknowledgement of the debt (signed statement, promise, part payment)
    # and what it was: restarts the limitation period (PRC Civil Code art. 195).
    acknowledged_on: date | None = None
    acknowledged_by: str | None = None  # "statement" / "promise" / "payment"
    # The earliest day an open invoice's limitation period ends, counted from the latest
    # interruption; None without open invoices.
    limitation_ends: date | None = None
    reminders_sent: int = 0  # reminders, calls and visits recorded for this customer, ever
    refused_full: bool = False  # the customer refused full payment (recorded in a case)


def customer_profile(
    conn: Connection, customer_id: int, today: date, *, years: int = DEFAULT_YEARS
) -> CustomerProfile:
    """The customer's profile as the records show it (see CustomerProfile). Four statements:
    the customer row, its open invoices with their limitation clocks, its latest
    acknowledgement (three indexed look-ups), and its cases' decisions counted by action."""
    row = conn.execute(
        select(
            _cus.c.relationship_since,
            _cus.c.contact_name,
            _cus.c.contact_title,
            _cus.c.interest_per_day,
            _cus.c.credit_limit_minor,
            _cus.c.credit_currency,
        ).where(_cus.c.id == customer_id)
    ).first()
    if row is None:
        return CustomerProfile()
    limit = None
    if row.credit_limit_minor is not None and row.credit_currency:
        limit = from_minor(row.credit_limit_minor, row.credit_currency), row.credit_currency
    clocks = invoice_clocks(conn, customer_id, years)
    rates = conn.execute(
        select(_inv.c.invoice_no, _inv.c.interest_per_day).where(
            _inv.c.customer_id == customer_id,
            _inv.c.interest_per_day.is_not(None),
            owed_open(),
        )
    ).all()
    latest = latest_acknowledgement(conn, customer_id)
    counts: dict[str, int] = dict(
        conn.execute(
            select(_dec.c.action, func.count())
            .select_from(_dec.join(_case, _case.c.id == _dec.c.case_id))
            .where(
                _case.c.customer_id == customer_id, _dec.c.action.in_((*CONTACT_ACTIONS, "refused"))
            )
            .group_by(_dec.c.action)
        ).all()
    )
    return CustomerProfile(
        relationship_since=row.relationship_since,
        contact_name=row.contact_name or None,
        contact_title=row.contact_title or None,
        credit_limit=limit,
        interest_per_day=_rate(row.interest_per_day),
        invoice_interest={r.invoice_no: rate for r in rates if (rate := _rate(r.interest_per_day))},
        acknowledged_on=latest[0] if latest else None,
        acknowledged_by=latest[1] if latest else None,
        limitation_ends=min((c.ends for c in clocks), default=None),
        reminders_sent=sum(int(counts.get(a, 0)) for a in CONTACT_ACTIONS),
        refused_full=bool(counts.get("refused")),
    )


def _rate(value: Decimal | float | str | None) -> Decimal | None:
    # SQLite hands NUMERIC back through a float: the scale of the column puts it right again.
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.00000001")).normalize()
