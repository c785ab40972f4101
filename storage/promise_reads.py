"""What the records say about a customer's promises beyond their count: the latest one that
was missed, which the words recap (its date and amount) before asking for a new date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, select

from playbook.money import from_minor
from storage.models import Promise

_prom = Promise.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class BrokenPromise:
    due_on: date
    amount: Decimal
    currency: str


def latest_broken_promise(conn: Connection, customer_id: int) -> BrokenPromise | None:
    """The customer's broken promise with the latest due date (any case); None if none."""
    row = conn.execute(
        select(_prom.c.due_on, _prom.c.amount_minor, _prom.c.currency)
        .where(_prom.c.customer_id == customer_id, _prom.c.status == "broken")
        .order_by(_prom.c.due_on.desc(), _prom.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return BrokenPromise(row.due_on, from_minor(row.amount_minor, row.currency), row.currency)
