"""Days as people type them in chat, and how far ahead a day may sensibly be.

`2026-12-05`, `2026/12/05`, `12-05` and `12月5日` (this year), `+7d` / `+7天`, `today`,
`tomorrow`, `今天`, `明天`. A promise or an extension five years out is a typo, not a plan, and a
date past year 9999 cannot even be held: both are refused before any arithmetic can overflow.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

__all__ = ["HORIZON_YEARS", "horizon", "parse_day", "too_far"]

# The furthest a promised, extended or decided date may lie ahead of today.
HORIZON_YEARS = 5

_RELATIVE = re.compile(r"^\+(\d+)\s*(?:d|day|days|天)?$")
_MONTH_DAY = re.compile(r"^(\d{1,2})[-/.月](\d{1,2})日?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_YMD_ZH = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$")


def horizon(today: date) -> date:
    """The last day a date may be: HORIZON_YEARS from today (29 February becomes the 28th)."""
    if today.year + HORIZON_YEARS > date.max.year:
        return date.max
    try:
        return today.replace(year=today.year + HORIZON_YEARS)
    except ValueError:
        return today.replace(year=today.year + HORIZON_YEARS, day=28)


def too_far(day: date, today: date) -> bool:
    return day > horizon(today)


def _day(year: int, month: int, dom: int) -> date | None:
    try:
        return date(year, month, dom)
    except ValueError:  # year 0, month 13, 30 February
        return None


def parse_day(text: str, today: date) -> date | None:
    """The day the text names, or None when it names none.

    `+N` further than the horizon comes back as the day after the horizon (not the real day,
    which may not exist), so the caller refuses it as too far ahead.
    """
    word = text.strip().casefold().replace("/", "-")
    if word in ("today", "今天"):
        return today
    if word in ("tomorrow", "明天"):
        return today + timedelta(days=1)
    m = _RELATIVE.match(word)
    if m:
        limit = (horizon(today) - today).days
        digits = m.group(1).lstrip("0") or "0"
        days = int(digits) if len(digits) <= 6 else limit + 1
        return today + timedelta(days=min(days, limit + 1))
    m = _ISO.match(word) or _YMD_ZH.match(word)
    if m:
        return _day(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _MONTH_DAY.match(word)
    if m:
        return _day(today.year, int(m.group(1)), int(m.group(2)))
    return None
