"""What the daily digest shows, as plain data: storage reads it, the kernel words it.

Amounts are Decimal in major units of their currency, except the per-bucket and per-stage
totals, which stay in minor units as the snapshot table keeps them (summed exactly).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from playbook import metrics

# Days in the window of the trailing DSO (credit sales of the last 30 days, this one included).
DSO_DAYS = 30


def simple_dso(outstanding: Decimal, credit_sales: Decimal, days: int = DSO_DAYS) -> Decimal | None:
    """Days sales outstanding (playbook.metrics, simple method) to 0.1 day, as the digest
    shows it and the snapshot keeps it; None without sales in the window."""
    dso = metrics.dso_simple(outstanding, credit_sales, days)
    return None if dso is None else dso.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Totals:
    """One currency's open receivables: per aging bucket and per stage (minor units)."""

    currency: str
    buckets: tuple[int, ...]
    stages: tuple[int, ...]  # in playbook.aging.Stage order: current, pre_due, early, mid, late
    count: int
    credit_sales_30d: int = 0
    # Yesterday's snapshot of the same currency (None: no snapshot, no change shown).
    prev_buckets: tuple[int, ...] | None = None
    prev_stages: tuple[int, ...] | None = None

    @property
    def outstanding(self) -> int:
        return sum(self.buckets)

    @property
    def current(self) -> int:
        return self.buckets[0] if self.buckets else 0

    @property
    def overdue(self) -> int:
        return sum(self.buckets[1:])


@dataclass(frozen=True)
class InvoiceLine:
    """An invoice that went overdue, or a payment on one."""

    invoice_no: str
    customer: str
    currency: str
    amount: Decimal
    owner: str | None = None


@dataclass(frozen=True)
class PromiseLine:
    case_id: int
    customer: str
    currency: str
    amount: Decimal
    due_on: date
    made_by: str


@dataclass(frozen=True)
class DecisionLine:
    case_id: int
    customer: str
    action: str
    person: str
    amount: Decimal | None
    currency: str | None
    at: datetime


@dataclass(frozen=True)
class TopLine:
    customer: str
    code: str
    invoice_no: str
    currency: str
    outstanding: Decimal
    days_past_due: int
    stage: str  # a Stage value
    disputed: bool
    owner: str | None
    next_step: str = ""


@dataclass(frozen=True)
class Waiting:
    case_id: int
    customer: str
    who: tuple[str, ...]  # person keys pinged


@dataclass(frozen=True)
class TeamCircle:
    team: str
    seats: int
    in_window: int
    share: Decimal | None
    median: timedelta | None
    p90: timedelta | None
    escalations: tuple[tuple[int, int], ...] = ()  # (level, count)
    waiting: tuple[Waiting, ...] = ()


@dataclass(frozen=True)
class CircleFigures:
    opened: int
    closed: int
    teams: tuple[TeamCircle, ...]


@dataclass(frozen=True)
class SyncFailure:
    source: str
    error: str
    at: datetime


@dataclass(frozen=True)
class DigestData:
    day: date
    team: str | None  # None: the whole company
    bucket_labels: tuple[str, ...]  # playbook.aging.Bucket labels, in order
    totals: tuple[Totals, ...]
    newly_overdue: tuple[InvoiceLine, ...] = ()
    newly_overdue_total: int = 0
    payments: tuple[InvoiceLine, ...] = ()
    payments_total: int = 0
    payment_sums: dict[str, Decimal] = field(default_factory=dict)  # per currency
    promises_due: tuple[PromiseLine, ...] = ()
    promises_broken: tuple[PromiseLine, ...] = ()
    decisions: tuple[DecisionLine, ...] = ()
    holds: tuple[str, ...] = ()  # customer names
    holds_total: int = 0
    top: tuple[TopLine, ...] = ()
    circle: CircleFigures | None = None
    audit_count: int = 0
    audit_head: str | None = None
    sync_failures: tuple[SyncFailure, ...] = ()
    late: bool = False
    notes: tuple[str, ...] = field(default=())
