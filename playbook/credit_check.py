"""What `/ar check` advises before a new order, as pure functions: payment first (or a down
payment) from a risk grade on, and when a balance is large enough for a manager's call."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from playbook.aging import RiskGrade

__all__ = ["down_payment", "large_balance", "needs_prepayment"]

_CENT = Decimal("0.01")


def needs_prepayment(grade: RiskGrade, from_grade: str | None, on_hold: bool) -> bool:
    """New orders only after payment (or against a down payment): a customer on credit hold,
    or at or above `from_grade` (None: never by grade)."""
    if on_hold:
        return True
    if from_grade is None:
        return False
    return grade.severity >= RiskGrade(from_grade).severity


def down_payment(order: Decimal, share: Decimal) -> Decimal:
    """The down payment on an order of `order`: `share` of it, half-up to the cent."""
    return (order * share).quantize(_CENT, rounding=ROUND_HALF_UP)


def large_balance(
    balance: Decimal,
    large_amount: Decimal | None,
    limit_balance: Decimal | None = None,
    limit: Decimal | None = None,
    share_of_limit: Decimal | None = None,
) -> tuple[bool, Decimal | None]:
    """(large?, the balance's share of the credit limit when that is what makes it large).

    `balance` is in the company currency, compared with `large_amount`; `limit_balance` is
    what is owed in the limit's currency, compared with `share_of_limit` × `limit`."""
    if (
        limit_balance is not None
        and limit is not None
        and limit > 0
        and share_of_limit is not None
        and limit_balance >= share_of_limit * limit
    ):
        return True, (limit_balance / limit).quantize(_CENT, rounding=ROUND_HALF_UP)
    return large_amount is not None and balance >= large_amount, None
