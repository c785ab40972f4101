"""Which ISO 4217 codes an invoice can be in, and which currencies a shared symbol may mean.

The list is CLDR's (through babel): codes that are legal tender somewhere and not withdrawn.
Fund codes (CLF, USN...), precious metals, SDRs, the testing code XTS and XXX ("no currency")
are ISO 4217 codes but not money an invoice is written in.
"""

from __future__ import annotations

from functools import cache

from babel.core import get_global
from babel.numbers import list_currencies

# Currencies whose symbol, in some locale CLDR knows, is or contains the sign (from babel's
# locale data; fixed here because reading every locale takes seconds).
_DOLLAR_SIGN = {
    "ARS", "AUD", "BBD", "BMD", "BND", "BRL", "BSD", "BZD", "CAD", "CLP", "COP", "CUP", "DOP",
    "FJD", "GYD", "HKD", "JMD", "KYD", "LRD", "MOP", "MXN", "NAD", "NIO", "NZD", "SBD", "SGD",
    "SRD", "TOP", "TTD", "TWD", "USD", "UYU", "WST", "XCD",
}  # fmt: skip
SYMBOL_CURRENCIES: dict[str, frozenset[str]] = {
    "$": frozenset(_DOLLAR_SIGN),
    "¥": frozenset({"CNY", "JPY"}),
    "￥": frozenset({"CNY", "JPY"}),
}

_NOT_MONEY = {
    "XXX": "means 'no currency' in ISO 4217",
    "XTS": "is ISO 4217's code for testing",
    "XAU": "is gold, not a currency",
    "XAG": "is silver, not a currency",
    "XPT": "is platinum, not a currency",
    "XPD": "is palladium, not a currency",
    "XDR": "is the IMF's special drawing right, not a currency",
}


@cache
def _tender() -> frozenset[str]:
    codes: set[str] = set()
    for entries in get_global("territory_currencies").values():
        for code, _start, end, tender in entries:
            if end is None and tender:
                codes.add(code)
    return frozenset(codes)


@cache
def _known() -> frozenset[str]:
    return frozenset(list_currencies())


def currency_problem(code: str) -> str | None:
    """None when `code` (upper case) is a currency an invoice can be in, else why not."""
    if code in _tender():
        return None
    reason = _NOT_MONEY.get(code)
    if reason is not None:
        return f"{code} {reason}"
    if code in _known():
        if code.startswith("X") or not _withdrawn(code):
            return f"{code} is an ISO 4217 unit of account, not a currency invoices are paid in"
        return f"{code} is no longer a currency (withdrawn from ISO 4217)"
    return f"{code} is not an ISO 4217 currency code"


def _withdrawn(code: str) -> bool:
    for entries in get_global("territory_currencies").values():
        for c, _start, end, _tender in entries:
            if c == code and end is None:
                return False
    return True


def is_currency(code: str) -> bool:
    return code in _tender()
