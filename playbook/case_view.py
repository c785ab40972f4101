"""A case as loaded: plain data the cards, handlers and jobs read (storage fills it in).

Kept apart from storage so the kernel renders a case card from a view without a database
connection, and from the messenger that shows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from playbook import circle as machine

ACTIVE = ("open", "ready", "decided")


@dataclass(frozen=True)
class CaseInvoiceView:
    invoice_id: int
    invoice_no: str
    currency: str
    outstanding: Decimal
    due_date: date
    disputed: bool
    status: str
    owner: str | None


@dataclass(frozen=True)
class InputView:
    team: str
    person: str
    kind: str
    text: str
    at: datetime


@dataclass(frozen=True)
class PromiseView:
    id: int
    amount: Decimal
    currency: str
    due_on: date
    status: str
    made_by: str
    made_at: datetime


@dataclass(frozen=True)
class DecisionView:
    action: str
    person: str
    note: str | None
    amount: Decimal | None
    currency: str | None
    on_date: date | None
    at: datetime


@dataclass(frozen=True)
class SeatView:
    id: int
    state: machine.SeatState
    due_at: datetime | None
    answered_by: str | None
    answered_at: datetime | None
    snooze_reason: str | None
    version: int


@dataclass(frozen=True)
class CaseView:
    id: int
    customer_id: int
    customer_code: str
    customer_name: str
    segment: str
    on_hold: bool
    status: str
    trigger: str
    stage: str
    opened_at: datetime
    opened_by: str
    closed_at: datetime | None
    closed_by: str | None
    close_reason: str | None
    policy: machine.CirclePolicy
    version: int
    invoices: tuple[CaseInvoiceView, ...] = ()
    seats: tuple[SeatView, ...] = ()
    inputs: tuple[InputView, ...] = ()
    promises: tuple[PromiseView, ...] = ()
    decisions: tuple[DecisionView, ...] = ()
    owners: tuple[str, ...] = field(default=())

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def seat(self, team: str) -> SeatView | None:
        return next((s for s in self.seats if s.state.team == team), None)

    @property
    def broken_promises(self) -> int:
        return sum(1 for p in self.promises if p.status == "broken")

    def main_currency(self, default: str, fx: Mapping[str, Decimal] | None = None) -> str:
        """The currency most is owed in: what an amount typed without one means. With `fx`
        (units of `default` per unit of each currency) amounts are compared in `default`,
        so ¥10,000 owed in yen does not outweigh CN¥1,500."""
        owed = self.outstanding_by_currency()
        rates = fx or {}

        def weight(cur: str) -> Decimal:
            return owed[cur] * (Decimal(1) if cur == default else rates.get(cur, Decimal(1)))

        return max(owed, key=weight) if owed else default

    def outstanding_by_currency(self) -> dict[str, Decimal]:
        sums: dict[str, Decimal] = {}
        for inv in self.invoices:
            if inv.status == "open":
                sums[inv.currency] = sums.get(inv.currency, Decimal(0)) + inv.outstanding
        return sums
