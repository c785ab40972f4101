"""Reporting periods as people type them: a month `2026-10`, a quarter `2026-Q3`, a year
`2026`, or a range of days `2026-10-01..2026-10-15` (both ends included).

Pure: the caller supplies today, so "last month" and "not started yet" never read a clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

__all__ = ["Period", "PeriodError", "clip", "last_month", "parse_period"]

_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_QUARTER = re.compile(r"(\d{4})-?[Qq]([1-4])")
_YEAR = re.compile(r"(\d{4})")
_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})")


class PeriodError(ValueError):
    """Text that names no period; the message says what was expected, `code` which kind of
    mistake it is (for a reply in another language): bad, reversed or not_started."""

    def __init__(self, message: str, code: str = "bad") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def before(self) -> date:
        """The day before the period: its opening balances are as of then."""
        return self.start - timedelta(days=1)


def _month_end(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


def _month(year: int, month: int) -> Period:
    if not 1 <= month <= 12:
        raise PeriodError(f"there is no month {month}")
    return Period(date(year, month, 1), _month_end(year, month), f"{year:04d}-{month:02d}")


def parse_period(text: str) -> Period:
    """A period from `YYYY-MM`, `YYYY-Qn`, `YYYY` or `FROM..TO`; PeriodError otherwise."""
    raw = text.strip()
    try:
        return _parse(raw)
    except PeriodError:
        raise
    except ValueError:
        # Year 0000 and the like: the pattern fits, the calendar does not.
        raise PeriodError(f"{raw!r} is not a date the calendar has") from None


def _parse(raw: str) -> Period:
    if found := _RANGE.fullmatch(raw):
        try:
            start, end = (date.fromisoformat(found.group(i)) for i in (1, 2))
        except ValueError:
            raise PeriodError(f"{raw!r} holds a day that does not exist") from None
        if end < start:
            raise PeriodError(f"the range {raw!r} ends before it starts", "reversed")
        return Period(start, end, f"{start.isoformat()}..{end.isoformat()}")
    if found := _QUARTER.fullmatch(raw):
        year, quarter = int(found.group(1)), int(found.group(2))
        first = _month(year, quarter * 3 - 2)
        last = _month(year, quarter * 3)
        return Period(first.start, last.end, f"{year:04d}-Q{quarter}")
    if found := _MONTH.fullmatch(raw):
        return _month(int(found.group(1)), int(found.group(2)))
    if found := _YEAR.fullmatch(raw):
        year = int(found.group(1))
        return Period(date(year, 1, 1), date(year, 12, 31), f"{year:04d}")
    raise PeriodError(f"{raw!r} is not a period (YYYY-MM, YYYY-Qn, YYYY or FROM..TO)")


def last_month(today: date) -> Period:
    """The last whole month before today's."""
    previous = today.replace(day=1) - timedelta(days=1)
    return _month(previous.year, previous.month)


def clip(period: Period, today: date) -> Period:
    """A period that runs past today ends today (balances of tomorrow are not known yet);
    PeriodError when it has not started."""
    if period.start > today:
        raise PeriodError(
            f"{period.label} has not started yet (today is {today.isoformat()})", "not_started"
        )
    if period.end <= today:
        return period
    # The label stays: "2026-11" up to today is still November's figures so far.
    return replace(period, end=today)
