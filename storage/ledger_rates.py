"""A contract's late interest per day, as a ledger or customer file writes it: `0.1%`,
`0.001`, `0.1%/天`, `日0.05%`, `万分之五`, `千分之一/日`, `0.5‰`, `0.05% per day`.

More than 1% a day is a typo (365% a year), not a clause, and a negative rate is no rate:
both are refused with the reason, as is a rate per year or month (the contract's clause per
day is what the bot states).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from storage.ledger_cell import ParseError, few_values
from storage.ledger_cell import quote as _q

__all__ = ["MAX_RATE", "parse_rate"]

MAX_RATE = Decimal("0.01")
_PER = {"%": Decimal(100), "％": Decimal(100), "‰": Decimal(1000), "‱": Decimal(10000)}
_FRACTION = {"百": Decimal(100), "千": Decimal(1000), "万": Decimal(10000)}
_ZH_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
}  # fmt: skip
_PREFIX = re.compile(r"^(?:按日|每日|每天|日利率|日息|日|daily|per\s*day)\s*[:：]?\s*", re.I)
_SUFFIX = re.compile(
    r"\s*(?:/\s*(?:天|日|day|d)|每天|每日|per\s*day|a\s*day|p\.?\s*d\.?|daily)$", re.I
)
_OTHER_PERIOD = re.compile(
    r"(?:年|月|/\s*(?:year|yr|month|mo|y|m)\b|p\.?\s*a\.?|annual|monthly)", re.I
)
_NUMBER = re.compile(r"^([+-]?\d+(?:\.\d+)?|[+-]?\.\d+)\s*([%％‰‱]?)$")
_ZH_FRACTION = re.compile(r"^(百|千|万)分之\s*(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十])$")
_EXPECTED = "expected a rate per day such as 0.1%, 0.001, 0.05%/天 or 万分之五"


@few_values
def parse_rate(text: str) -> Decimal | None:
    """The rate per day as a fraction (0.1% → 0.001); blank is None."""
    s = " ".join(text.split())
    if not s:
        return None
    if _OTHER_PERIOD.search(s):
        raise ParseError(f"{_q(s)} is not a rate per day (give the contract's rate per day)")
    core = _SUFFIX.sub("", _PREFIX.sub("", s)).strip()
    rate = _number(core)
    if rate is None:
        raise ParseError(f"{_q(s)} is not an interest rate ({_EXPECTED})")
    if rate < 0:
        raise ParseError(f"{_q(s)} is negative; a late interest rate is 0 or more")
    if rate > MAX_RATE:
        hint = f"; write {core}% if that is meant" if "%" not in core and rate < 1 else ""
        raise ParseError(
            f"{_q(s)} is {(rate * 100).normalize():f}% a day, more than 1% a day "
            f"(365% a year){hint}"
        )
    return rate.normalize() if rate else Decimal(0)


def _number(core: str) -> Decimal | None:
    m = _NUMBER.fullmatch(core)
    try:
        if m:
            value = Decimal(m[1])
            return value / _PER[m[2]] if m[2] else value
        m = _ZH_FRACTION.fullmatch(core)
        if m:
            part = m[2]
            count = Decimal(_ZH_DIGITS[part]) if part in _ZH_DIGITS else Decimal(part)
            return count / _FRACTION[m[1]]
    except InvalidOperation:
        return None
    return None
