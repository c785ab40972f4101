"""The collection method beyond the tone: who acts, the value × risk matrix, late interest per
contract, disputed invoices, the limitation clock and when an instalment may be offered.

Everything here reads the case facts and the playbook's ``method`` / ``dispute`` / ``terms``
slots and returns the short lines the card shows beside the words (None: nothing to show).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from playbook.aging import RiskGrade
from playbook.interest import accrued_interest
from playbook.phrasing_render import (
    amounts_text,
    due_text,
    fill,
    invoices_text,
    percent,
    pick,
    totals,
)
from playbook.phrasing_types import CaseFacts, InvoiceFact, TimingPolicy

# Days left on the limitation period from which the card advises a written acknowledgement:
# a signed statement or a promise takes weeks to obtain from a slow customer.
LIMITATION_WARN_DAYS = 90

# The grades whose method is no longer the ladder's (a manager, then legal acts).
_FIRM_GRADES = (RiskGrade.DOUBTFUL, RiskGrade.BAD, RiskGrade.DEAD)


def grade_of(risk: str | None) -> RiskGrade | None:
    try:
        return RiskGrade(risk) if risk else None
    except ValueError:
        return None


def severe(grade: RiskGrade | None) -> bool:
    """Doubtful or worse: someone beyond the collector acts."""
    return grade in _FIRM_GRADES


def who_acts(facts: CaseFacts, grade: RiskGrade | None, stage: str, method: Any) -> str | None:
    """From 准呆账 on the grade says who acts; below it a large balance brings in a manager
    (from 催收款 on: before the due date there is nothing to escalate)."""
    if severe(grade):
        assert grade is not None
        return str(method["who_acts"][grade.value])
    collecting = grade is RiskGrade.IN_COLLECTION or (grade is None and stage != "pre_due")
    if facts.large and collecting:
        return str(method["who_acts"]["large"])
    return None


def strategy(facts: CaseFacts, grade: RiskGrade | None, method: Any) -> str | None:
    """The value × risk matrix; shown once there is a grade or a large balance to read it by.

    Value is what losing the customer would cost: a large balance, or a customer the ledger
    marks important (a strategic account is worth protecting even when this bill is small).
    """
    valuable = facts.large or facts.segment == "important"
    if grade is None and not valuable:
        return None
    key = ("large" if valuable else "small") + ("_high" if severe(grade) else "_low")
    return str(method["strategy"][key])


def recovery(facts: CaseFacts, method: Any) -> str | None:
    if facts.recovery is None:
        return None
    return str(method["recovery"]).format(rate=percent(facts.recovery))


def limitation(facts: CaseFacts, method: Any, warn_days: int) -> str | None:
    left = facts.limitation_days_left
    if left is None or left > warn_days:
        return None
    if left <= 0:
        return str(method["limitation_expired"])
    return str(method["limitation"]).format(days=left)


@dataclass(frozen=True)
class Interest:
    """Late interest to date per contract on the invoices asked for."""

    total: str  # formatted, per currency
    rate: str | None  # "0.1%" when every invoice has the same rate, else None

    def card(self, method: Any) -> str:
        if self.rate is None:
            return str(method["interest_mixed"]).format(interest=self.total)
        return str(method["interest"]).format(interest=self.total, rate=self.rate)

    def words(self, terms: Any, variant: int) -> str:
        if self.rate is None:
            return pick(terms["interest_mixed"], variant).format(interest=self.total)
        return pick(terms["interest"], variant).format(interest=self.total, rate=self.rate)


def interest(invoices: Sequence[InvoiceFact], locale: str) -> Interest | None:
    """None when no invoice carries a contract rate or nothing has accrued: no interest line."""
    accrued: dict[str, Decimal] = {}
    rates: set[Decimal] = set()
    for inv in invoices:
        amount = accrued_interest(inv.amount, inv.interest_per_day, inv.days_past_due)
        if amount <= 0 or inv.interest_per_day is None:
            continue
        cur = inv.currency.strip().upper()
        accrued[cur] = accrued.get(cur, Decimal(0)) + amount
        rates.add(inv.interest_per_day.normalize())
    if not accrued:
        return None
    rate = percent(next(iter(rates))) if len(rates) == 1 else None
    return Interest(amounts_text(accrued, locale), rate)


@dataclass(frozen=True)
class Dispute:
    invoices: tuple[InvoiceFact, ...]
    values: Mapping[str, str]  # disputed_invoices, disputed_amount

    def note(self, dispute: Any) -> str:
        return str(dispute["note"]).format_map(self.values)


def dispute(
    invoices: Sequence[InvoiceFact], locale: str, words: Mapping[str, Any]
) -> Dispute | None:
    disputed = tuple(inv for inv in invoices if inv.disputed)
    if not disputed:
        return None
    values = {
        "disputed_invoices": invoices_text(disputed, words),
        "disputed_amount": amounts_text(totals(disputed), locale),
    }
    return Dispute(disputed, values)


def installment_allowed(
    facts: CaseFacts,
    grade: RiskGrade | None,
    reason: str | None,
    disputed: bool,
    policy: TimingPolicy,
) -> bool:
    """Full amount first: an instalment is a fallback once the customer has refused full
    payment (recorded, or a cash-flow excuse heard) or the collector asks for one. Offered
    before that it only teaches that the full amount was negotiable; a quality dispute is
    settled, not split into instalments; a 死账 is past negotiating."""
    if not policy.allow_installments or grade is RiskGrade.DEAD:
        return False
    if facts.want_installment:
        return True
    return not disputed and (facts.refused_full or reason == "cash_flow")


def upcoming(
    later: Sequence[InvoiceFact], locale: str, words: Mapping[str, Any], data: Mapping[str, Any]
) -> str:
    """Invoices not yet due beside overdue ones, for the card: named, never demanded."""
    return fill(
        data["terms"]["upcoming"],
        {
            "invoices": invoices_text(later, words),
            "amount": amounts_text(totals(later), locale),
            "due_date": due_text(later, words),
        },
    )
