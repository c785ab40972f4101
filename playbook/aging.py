"""Receivables aging: stages, buckets, risk grades, recovery and chase priority.

Everything here is a pure function over plain data: no I/O, no clock, no imports beyond the
rules as data (playbook.aging_policy), re-exported here.
The caller always supplies ``as_of`` so that reports can be reproduced for any past date and
tests never depend on today's date.

Days past due (``dpd``) is the single axis most of this module works on: negative before the
due date, 0 on it, positive after.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

from playbook.aging_policy import (
    _CENT,
    _DEFAULT_AGING_POLICY,
    _DEFAULT_RISK_POLICY,
    _DEFAULT_STAGE_POLICY,
    _MONEY_CONTEXT,
    _ONE,
    _ZERO,
    DEFAULT_BUCKETS,
    DEFAULT_RECOVERY,
    AgingPolicy,
    Bucket,
    RecoveryStep,
    RiskGrade,
    RiskPolicy,
    Stage,
    StagePolicy,
    bucket_cutoffs,
    bucket_for,
    make_buckets,
    validate_buckets,
    validate_recovery,
    worst_grade,
)

__all__ = [
    "DEFAULT_BUCKETS",
    "DEFAULT_RECOVERY",
    "AgingPolicy",
    "Bucket",
    "InvoiceAging",
    "Payment",
    "RecoveryStep",
    "RiskFacts",
    "RiskGrade",
    "RiskPolicy",
    "Stage",
    "StagePolicy",
    "age_invoice",
    "bucket_cutoffs",
    "bucket_for",
    "days_past_due",
    "expected_recovery",
    "is_open",
    "make_buckets",
    "outstanding_as_of",
    "priority_score",
    "risk_grade",
    "stage_for",
    "validate_buckets",
    "validate_recovery",
    "worst_grade",
]


# --------------------------------------------------------------------------------------------
# Balances and dates


@dataclass(frozen=True)
class Payment:
    paid_on: date
    amount: Decimal  # negative = a reversal (bounced transfer, charge-back)


def outstanding_as_of(amount: Decimal, payments: Iterable[Payment], as_of: date) -> Decimal:
    """The amount still owed at the end of ``as_of``: later payments are not known yet then."""
    with localcontext(_MONEY_CONTEXT):
        paid = sum((p.amount for p in payments if p.paid_on <= as_of), _ZERO)
        return amount - paid


def is_open(issue_date: date, amount: Decimal, payments: Iterable[Payment], as_of: date) -> bool:
    """Whether the item is on the ledger at the end of ``as_of``.

    Open once issued and until the balance is exactly zero. The balance may be negative: a
    credit note (negative amount) stays open until it is applied, and an overpaid invoice stays
    open as a credit owed to the customer until it is refunded or applied.
    """
    if issue_date > as_of:
        return False
    return outstanding_as_of(amount, payments, as_of) != 0


def days_past_due(due_date: date, as_of: date) -> int:
    return (as_of - due_date).days


def stage_for(dpd: int, policy: StagePolicy = _DEFAULT_STAGE_POLICY) -> Stage:
    if dpd < -policy.pre_due_days:
        return Stage.CURRENT
    if dpd <= 0:
        return Stage.PRE_DUE
    if dpd < policy.mid_from:
        return Stage.EARLY
    if dpd < policy.late_from:
        return Stage.MID
    return Stage.LATE


# --------------------------------------------------------------------------------------------
# Risk


@dataclass(frozen=True)
class RiskFacts:
    days_past_due: int
    broken_promises: int = 0
    disputed: bool = False
    insolvent: bool = False  # customer in insolvency proceedings
    dissolved: bool = False  # customer deregistered / untraceable

    def __post_init__(self) -> None:
        if self.broken_promises < 0:
            raise ValueError(
                f"RiskFacts.broken_promises must be 0 or more, got {self.broken_promises}"
            )


def risk_grade(facts: RiskFacts, policy: RiskPolicy = _DEFAULT_RISK_POLICY) -> RiskGrade:
    """The worst grade any single rule assigns.

    Rules are independent and the worst wins, so events and broken promises raise the grade
    even before the due date (an insolvent customer's not-yet-due invoice is already BAD).
    """
    dpd = facts.days_past_due
    grades = [RiskGrade.IN_COLLECTION if dpd >= 1 else RiskGrade.NOT_DUE]
    if facts.dissolved or dpd >= policy.dead_after_days:
        grades.append(RiskGrade.DEAD)
    if (
        facts.insolvent
        or dpd >= policy.bad_after_days
        or facts.broken_promises >= policy.bad_broken_promises
    ):
        grades.append(RiskGrade.BAD)
    if (
        dpd >= policy.doubtful_after_days
        or facts.broken_promises >= policy.doubtful_broken_promises
        or (facts.disputed and dpd >= policy.disputed_doubtful_after_days)
    ):
        grades.append(RiskGrade.DOUBTFUL)
    worst = worst_grade(grades)
    assert worst is not None  # grades always holds the baseline
    return worst


# --------------------------------------------------------------------------------------------
# Recovery and priority


def expected_recovery(dpd: int, steps: Sequence[RecoveryStep] = DEFAULT_RECOVERY) -> Decimal:
    """Rate of the first step whose ``up_to_days`` is open or not below ``dpd``."""
    for step in steps:
        if step.up_to_days is None or dpd <= step.up_to_days:
            return step.rate
    raise ValueError(
        f"no recovery step covers {dpd} days past due; the last step needs up_to_days=None"
    )


# How much a unit of recoverable money gains from being chased now rather than next week.
# Not-yet-due items only need a reminder; EARLY and MID are where chasing pays off most.
_URGENCY: dict[Stage, Decimal] = {
    Stage.CURRENT: Decimal("0.05"),
    Stage.PRE_DUE: Decimal("0.3"),
    Stage.EARLY: Decimal("1.0"),
    Stage.MID: Decimal("1.6"),
}
# LATE is split by risk thresholds: until the debt turns bad it is slipping fastest; once bad,
# and again once dead, more chasing buys less.
_LATE_URGENCY_BEFORE_BAD = Decimal("2.0")
_LATE_URGENCY_BEFORE_DEAD = Decimal("1.5")
_LATE_URGENCY_DEAD = Decimal("0.5")

_PROMISE_STEP = Decimal("0.25")
_PROMISE_CAP = 4
# A disputed item is worked through the dispute, not chased.
_DISPUTED_FACTOR = Decimal("0.6")
# An insolvent customer's debt is claimed through the administrator, not by chasing.
_INSOLVENT_FACTOR = Decimal("0.5")
# A dissolved customer leaves little to chase, but the item must not vanish from the list.
_DISSOLVED_FACTOR = Decimal("0.1")


def _urgency(dpd: int, policy: AgingPolicy) -> Decimal:
    stage = stage_for(dpd, policy.stages)
    if stage is not Stage.LATE:
        return _URGENCY[stage]
    if dpd < policy.risk.bad_after_days:
        return _LATE_URGENCY_BEFORE_BAD
    if dpd < policy.risk.dead_after_days:
        return _LATE_URGENCY_BEFORE_DEAD
    return _LATE_URGENCY_DEAD


def priority_score(
    outstanding: Decimal, facts: RiskFacts, policy: AgingPolicy = _DEFAULT_AGING_POLICY
) -> Decimal:
    """What to chase first: the money still winnable, weighted by how fast it is slipping away.

    score = outstanding × recovery × urgency × promises × disputed × insolvent × dissolved,
    rounded to 0.01 (ROUND_HALF_UP); an item with nothing owed (outstanding <= 0) scores 0.00.

    recovery   expected_recovery(dpd, policy.recovery): 0.99 up to the due date, 0.95 to 30 dpd,
               0.90 to 90, 0.85 to 365, 0.80 to 730, 0.20 beyond (defaults)
    urgency    by stage: CURRENT 0.05, PRE_DUE 0.3, EARLY 1.0, MID 1.6; LATE 2.0 while
               dpd < risk.bad_after_days, 1.5 while dpd < risk.dead_after_days, 0.5 after
    promises   1 + 0.25 × min(broken_promises, 4): a customer who breaks promises needs a firmer
               follow-up, up to ×2
    disputed   ×0.6: the item is worked through the dispute, not chased
    insolvent  ×0.5: the claim goes through the administrator
    dissolved  ×0.1: little left to win

    Worked example (defaults): 10,000 at 45 dpd with one broken promise
    = 10,000 × 0.90 × 1.6 × 1.25 = 18,000.00, which ranks above 10,000 at 10 dpd
    = 10,000 × 0.95 × 1.0 = 9,500.00.
    """
    if outstanding <= 0:
        return Decimal("0.00")
    dpd = facts.days_past_due
    with localcontext(_MONEY_CONTEXT):
        score = outstanding * expected_recovery(dpd, policy.recovery) * _urgency(dpd, policy)
        score *= _ONE + _PROMISE_STEP * min(facts.broken_promises, _PROMISE_CAP)
        if facts.disputed:
            score *= _DISPUTED_FACTOR
        if facts.insolvent:
            score *= _INSOLVENT_FACTOR
        if facts.dissolved:
            score *= _DISSOLVED_FACTOR
        return score.quantize(_CENT, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------------------------
# One invoice


@dataclass(frozen=True)
class InvoiceAging:
    outstanding: Decimal
    days_past_due: int
    stage: Stage
    bucket: Bucket
    risk: RiskGrade
    recovery_rate: Decimal
    expected_amount: Decimal  # outstanding × recovery_rate, to 0.01 ROUND_HALF_UP
    priority: Decimal


def age_invoice(
    *,
    issue_date: date,
    due_date: date,
    amount: Decimal,
    payments: Iterable[Payment],
    as_of: date,
    policy: AgingPolicy = _DEFAULT_AGING_POLICY,
    broken_promises: int = 0,
    disputed: bool = False,
    insolvent: bool = False,
    dissolved: bool = False,
) -> InvoiceAging | None:
    """Everything the bot reports about one invoice on ``as_of``; None if it is not open then."""
    # payments may be a one-shot iterator (a query cursor) and is read twice below.
    payments = tuple(payments)
    if not is_open(issue_date, amount, payments, as_of):
        return None
    outstanding = outstanding_as_of(amount, payments, as_of)
    dpd = days_past_due(due_date, as_of)
    facts = RiskFacts(
        days_past_due=dpd,
        broken_promises=broken_promises,
        disputed=disputed,
        insolvent=insolvent,
        dissolved=dissolved,
    )
    rate = expected_recovery(dpd, policy.recovery)
    with localcontext(_MONEY_CONTEXT):
        expected_amount = (outstanding * rate).quantize(_CENT, rounding=ROUND_HALF_UP)
    return InvoiceAging(
        outstanding=outstanding,
        days_past_due=dpd,
        stage=stage_for(dpd, policy.stages),
        bucket=bucket_for(dpd, policy.buckets),
        risk=risk_grade(facts, policy.risk),
        recovery_rate=rate,
        expected_amount=expected_amount,
        priority=priority_score(outstanding, facts, policy),
    )
