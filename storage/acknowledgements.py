"""Written acknowledgements of a debt and the limitation clock they restart.

A signed or stamped statement of account (`/ar statement`), a promise to pay and a part
payment each interrupt the limitation period (PRC Civil Code art. 195; playbook.limitation).
Statements live in `acknowledgement`; promises and payments are read from their own tables,
so nothing is recorded twice. A statement or promise covers all the customer's open
invoices (or the one invoice an acknowledgement names); a payment covers its own invoice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, func, or_, select

from playbook.limitation import DEFAULT_YEARS, limitation_end
from storage import audit
from storage.models import Acknowledgement, Invoice, Payment, Promise

__all__ = [
    "KINDS",
    "InvoiceClock",
    "invoice_clocks",
    "latest_acknowledgement",
    "record_acknowledgement",
]

KINDS = ("statement", "promise", "payment")
NOTE_MAX = 300

_inv = Invoice.__table__  # type: ignore[attr-defined]
_pay = Payment.__table__  # type: ignore[attr-defined]
_ack = Acknowledgement.__table__  # type: ignore[attr-defined]
_prom = Promise.__table__  # type: ignore[attr-defined]


def owed_open() -> ColumnElement[bool]:
    return and_(_inv.c.status == "open", _inv.c.amount_minor > _inv.c.paid_minor)


def _as_date(value: date | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value


@dataclass(frozen=True)
class InvoiceClock:
    """One open invoice's limitation clock: its due date, the interruptions that cover it
    and the day its period ends."""

    invoice_id: int
    invoice_no: str
    customer_id: int
    due_date: date
    restarted_on: date | None  # the latest interruption after the due date, if any
    ends: date


def clock_query(where: ColumnElement[bool]) -> Select[Any]:
    """Open invoices matching `where` with the latest day of each kind of interruption:
    their own dated part payment and acknowledgement, the customer's statements and promises.
    Correlated subqueries on indexed columns: one statement, however many invoices."""
    paid = (
        select(func.max(_pay.c.paid_on))
        .where(_pay.c.invoice_id == _inv.c.id, _pay.c.amount_minor > 0, _pay.c.dated.is_(True))
        .scalar_subquery()
    )
    acked = (
        select(func.max(_ack.c.on_date))
        .where(
            _ack.c.customer_id == _inv.c.customer_id,
            or_(_ack.c.invoice_id.is_(None), _ack.c.invoice_id == _inv.c.id),
        )
        .scalar_subquery()
    )
    promised = (
        select(func.max(_prom.c.made_at))
        .where(_prom.c.customer_id == _inv.c.customer_id)
        .scalar_subquery()
    )
    return select(
        _inv.c.id,
        _inv.c.invoice_no,
        _inv.c.customer_id,
        _inv.c.due_date,
        paid.label("paid_on"),
        acked.label("acked_on"),
        promised.label("promised_at"),
    ).where(owed_open(), where)


def clock_of(row: Any, years: int) -> InvoiceClock:
    days = [_as_date(row.paid_on), _as_date(row.acked_on), _as_date(row.promised_at)]
    later = [d for d in days if d is not None and d > row.due_date]
    return InvoiceClock(
        row.id,
        row.invoice_no,
        row.customer_id,
        row.due_date,
        max(later) if later else None,
        limitation_end(row.due_date, later, years),
    )


def invoice_clocks(
    conn: Connection, customer_id: int, years: int = DEFAULT_YEARS
) -> list[InvoiceClock]:
    """The limitation clock of each of the customer's open invoices, earliest end first."""
    rows = conn.execute(clock_query(_inv.c.customer_id == customer_id)).all()
    return sorted((clock_of(r, years) for r in rows), key=lambda c: (c.ends, c.invoice_no))


def latest_acknowledgement(conn: Connection, customer_id: int) -> tuple[date, str] | None:
    """(day, kind) of the customer's latest acknowledgement of its debt: a recorded statement,
    a promise made, or a dated part payment on one of its open invoices."""
    found: list[tuple[date, int, str]] = []
    ack = conn.execute(
        select(_ack.c.on_date, _ack.c.kind)
        .where(_ack.c.customer_id == customer_id)
        .order_by(_ack.c.on_date.desc(), _ack.c.id.desc())
        .limit(1)
    ).first()
    if ack is not None:
        # On the same day a signed statement is the strongest evidence: it wins ties.
        found.append((ack.on_date, 2, ack.kind))
    made = conn.execute(
        select(func.max(_prom.c.made_at)).where(_prom.c.customer_id == customer_id)
    ).scalar_one_or_none()
    if made is not None:
        found.append((_as_date(made) or made, 1, "promise"))
    paid = conn.execute(
        select(func.max(_pay.c.paid_on)).where(
            _pay.c.invoice_id.in_(
                select(_inv.c.id).where(_inv.c.customer_id == customer_id, owed_open())
            ),
            _pay.c.amount_minor > 0,
            _pay.c.dated.is_(True),
        )
    ).scalar_one_or_none()
    if paid is not None:
        found.append((paid, 0, "payment"))
    if not found:
        return None
    day, _, kind = max(found)
    return day, kind


def record_acknowledgement(
    conn: Connection,
    *,
    customer_id: int,
    kind: str,
    on_date: date,
    actor: str,
    now: datetime,
    note: str | None = None,
    invoice_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
) -> int:
    """Record an acknowledgement with its audit entry, in the caller's transaction."""
    if kind not in KINDS:
        raise ValueError(f"unknown acknowledgement kind {kind!r}")
    note = note.strip()[:NOTE_MAX] or None if note else None
    values = {
        "customer_id": customer_id,
        "invoice_id": invoice_id,
        "kind": kind,
        "on_date": on_date,
        "note": note,
        "actor": actor[:80],
        "created_at": now,
    }
    new_id = int(conn.execute(_ack.insert().values(**values).returning(_ack.c.id)).scalar_one())
    audit.append(
        conn,
        at=now,
        actor=actor,
        action=f"acknowledgement.{kind}",
        entity="acknowledgement",
        entity_id=new_id,
        detail={
            "customer_id": customer_id,
            "invoice_id": invoice_id,
            "on_date": on_date.isoformat(),
            "note": note,
            **(detail or {}),
        },
    )
    return new_id
