"""The limitation period of a debt under the PRC Civil Code, as a pure function.

Art. 188: the period is three years from the day the creditor knew or should have known its
right was harmed; for an unpaid invoice that is its due date. Art. 195: the period is
interrupted, and runs anew from the interruption, when the creditor claims performance, the
debtor agrees to perform (a promise to pay, a part payment, a signed or stamped statement of
account), or a suit or arbitration is brought. So the period ends `years` after the latest of
the due date and the interruptions that came after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

__all__ = ["DEFAULT_YEARS", "INTERRUPTIONS", "add_years", "limitation_end", "period_start"]

DEFAULT_YEARS = 3
# What interrupts the period and how the records name it.
INTERRUPTIONS: tuple[str, ...] = ("statement", "promise", "payment", "claim", "suit")


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year (the
    period ends on the last day of the month it would end in, Civil Code art. 202)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def period_start(due_date: date, interruptions: Iterable[date | None]) -> date:
    """The day the period runs from: the due date, or a later interruption. Interruptions
    before the due date do not move it (the period had not started yet)."""
    start = due_date
    for day in interruptions:
        if day is not None and day > start:
            start = day
    return start


def limitation_end(
    due_date: date, interruptions: Iterable[date | None] = (), years: int = DEFAULT_YEARS
) -> date:
    """The last day of the limitation period of a debt due on `due_date`, interrupted on the
    given days (None entries are ignored)."""
    if years < 1:
        raise ValueError(f"a limitation period of {years} years is not one")
    return add_years(period_start(due_date, interruptions), years)
