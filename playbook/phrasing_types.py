"""The plain data of a phrasing suggestion: the case facts in, the suggestion out.

Kept apart from the engine (``playbook.phrasing``) so callers and the engine's helpers share
one definition without importing the whole engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

__all__ = ["CaseFacts", "InvoiceFact", "Suggestion", "TimingPolicy"]


@dataclass(frozen=True)
class InvoiceFact:
    number: str
    amount: Decimal  # outstanding, in the invoice's currency
    currency: str
    days_past_due: int  # negative before the due date
    due_date: date
    disputed: bool = False  # this invoice is disputed: not in the ask, named with its next step
    # The contract's late interest per day for this invoice (its own, else the customer's,
    # else the company default); None: the contract has no such clause, say nothing of interest.
    interest_per_day: Decimal | None = None


@dataclass(frozen=True)
class CaseFacts:
    customer: str
    segment: str = "normal"  # important / normal / problem (from the ledger)
    relationship_years: int | None = None
    invoices: tuple[InvoiceFact, ...] = ()  # open invoices; empty → relationship message
    stage: str = "early"  # pre_due / early / mid / late ("current" counts as pre_due)
    risk: str | None = None  # a RiskGrade value, shown in "why"
    broken_promises: int = 0
    disputed: bool = False
    excuse: str | None = None  # a key of the playbook's excuses
    contact: str | None = None
    our_company: str = ""
    promise_date: date | None = None  # a promise still pending: the ask confirms that date
    just_paid: bool = False  # no open invoices because the case just closed paid: thank, repair
    # --- issue 12: the method by grade and amount, and what the records show ---
    # A balance at or above collection.large_amount (or the share of the credit limit):
    # a manager makes the call.
    large: bool = False
    contact_name: str | None = None  # "王建国": the words open "王总，您好"
    contact_title: str | None = None  # "总经理"
    refused_full: bool = False  # the customer refused full payment (recorded)
    want_installment: bool = False  # the collector asked for the instalment fallback
    # The last promise that was missed: its date and amount (None when the amount was not given).
    broken_on: date | None = None
    broken_amount: Decimal | None = None
    broken_currency: str | None = None
    reminders_sent: int = 0  # recorded reminders/calls/visits; 0: never claim earlier reminders
    limitation_days_left: int | None = None  # days until the earliest limitation period ends
    recovery: Decimal | None = None  # expected recovery rate at this age (0..1)


@dataclass(frozen=True)
class TimingPolicy:
    call_time: time = time(15, 30)
    lunch_start: time = time(11, 45)
    lunch_end: time = time(14, 0)
    allow_installments: bool = True


@dataclass(frozen=True)
class Suggestion:
    locale: str
    tone: str  # key
    tone_label: str
    technique: str  # the tone's "how it works" line
    why: tuple[str, ...]  # reasons it was chosen, in the locale
    opening: str
    ask: str  # full amount first
    excuse_reply: str | None
    next_step: str  # for our side, not the customer
    fallback: str | None  # instalment offer: only when allowed and relevant
    timing: str  # contact-time advice
    evidence: tuple[str, ...]
    variant: int  # as asked; each slot uses it modulo its number of variants
    kind: str  # "collect" or "relationship"
    # --- issue 12: shown on the card beside the words (None: nothing to show) ---
    grade_label: str | None = None  # "呆账"
    recovery: str | None = None  # "expected recovery at this age: 80%"
    who_acts: str | None = None  # who should make this contact: manager, legal, lawyer ...
    strategy: str | None = None  # the value × risk matrix's advice for this customer
    interest: str | None = None  # "late interest to date per contract: ¥3,000.00 (0.1%/day)"
    disputed_note: str | None = None  # the disputed invoices and how to settle them
    limitation: str | None = None
    # Invoices not yet due beside overdue ones: left out of the demand, named for the collector.
    upcoming: str | None = None  # advice when the limitation period is running out

    @property
    def text(self) -> str:
        """The customer-facing words only, as someone would say or send them (what the lint
        checks): opening, ask, the reply to the excuse, the fallback offer."""
        parts = (self.opening, self.ask, self.excuse_reply, self.fallback)
        return "\n\n".join(p for p in parts if p)
