"""Late interest as the contract states it: simple interest per day on the overdue amount.

The training text's clause is "0.1% of the overdue amount for each day late", simple, not
compounded, counted from the day after the due date. Nothing here decides whether a contract
has such a clause: a None rate means it has none and no interest exists to mention.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["accrued_interest"]

_CENT = Decimal("0.01")


def accrued_interest(outstanding: Decimal, rate_per_day: Decimal | None, days_late: int) -> Decimal:
    """Interest accrued to date, rounded half-up to the cent; zero when not late or no rate.

    >>> accrued_interest(Decimal("100000"), Decimal("0.001"), 30)
    Decimal('3000.00')
    """
    if rate_per_day is None or rate_per_day <= 0 or days_late <= 0 or outstanding <= 0:
        return Decimal("0.00")
    return (outstanding * rate_per_day * days_late).quantize(_CENT, rounding=ROUND_HALF_UP)
