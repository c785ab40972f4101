"""Money as exact Decimal amounts, stored as integer minor units per currency."""

from __future__ import annotations

import re
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_HALF_UP, Context, Decimal, InvalidOperation

# ISO 4217 minor units for the currencies that are not the usual two decimals.
_EXPONENT_EXCEPTIONS: dict[str, int] = {
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "UYI": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
}

_SYMBOLS: dict[str, str] = {
    "CNY": "¥",
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "HKD": "HK$",
    "INR": "₹",
    "KRW": "₩",
    "SGD": "S$",
    "AUD": "A$",
    "CAD": "C$",
    "TWD": "NT$",
}


class MoneyError(ValueError):
    """An amount that cannot be held exactly in its currency's minor units."""


def exponent(currency: str) -> int:
    return _EXPONENT_EXCEPTIONS.get(currency.upper(), 2)


def exponent_exceptions() -> frozenset[str]:
    """The currencies whose minor unit is not a hundredth (JPY, KWD ...)."""
    return frozenset(_EXPONENT_EXCEPTIONS)


# Shifting the decimal point is exact in this context: the default one (28 digits) would
# round 1.0000000000000000000000000001 to 1.00 without a word.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
# Far beyond any invoice (ledger.max_amount caps imports much lower); stops an int() of a
# million digits.
_MAX_DIGITS = 40


def to_minor(amount: Decimal, currency: str) -> int:
    """Exact conversion; refuses to round silently (a ledger with 12.345 USD is a data problem)."""
    # Called once or twice per ledger row: kept to a dict lookup, a shift and a compare.
    places = _EXPONENT_EXCEPTIONS.get(currency)
    if places is None:
        places = 2 if currency.isupper() else exponent(currency)
    try:
        if amount.adjusted() >= _MAX_DIGITS:
            raise OverflowError
        scaled = amount.scaleb(places, _EXACT)
        minor = int(scaled)
    except (InvalidOperation, ValueError, OverflowError) as exc:
        raise MoneyError(f"{_short(amount)} is not a valid amount") from exc
    if scaled != minor:
        raise MoneyError(
            f"{_short(amount)} has more decimal places than {currency.upper()} allows ({places})"
        )
    return minor


def _short(amount: Decimal) -> str:
    # As written (0.0001, not 1E-4) unless that would be absurdly long.
    text = (
        format(amount, "f") if amount.is_finite() and abs(amount.adjusted()) < 60 else str(amount)
    )
    return text if len(text) <= 40 else f"{text[:37]}..."


def from_minor(minor: int, currency: str) -> Decimal:
    places = exponent(currency)
    return Decimal(minor).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def quantize(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-exponent(currency)), rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str, locale: str = "en") -> str:
    """`¥1,234.50`, `-$20.00`, `CHF 1,000.00`; which ¥ is bare depends on the reader's locale.

    The same ¥ means different money to a Shanghai and a Tokyo reader, so only one may be bare:
    a Chinese reader's ¥ is the yuan and the yen is written `日元 3,304,500`; an English
    reader's ¥ is the yen and the yuan is `CN¥`. Dollars are told apart the same way (`US$`,
    `HK$` for a Chinese reader).
    """
    cur = currency.upper()
    value = quantize(amount, cur)
    places = exponent(cur)
    body = f"{abs(value):,.{places}f}"
    sign = "-" if value < 0 else ""
    zh = locale.lower().startswith("zh")
    symbol = _SYMBOLS.get(cur)
    if cur == "JPY" and zh:
        return f"日元 {sign}{body}"
    if cur == "CNY" and not zh:
        symbol = "CN¥"
    if cur == "USD" and zh:
        symbol = "US$"
    if symbol is None:
        return f"{sign}{cur} {body}"
    return f"{sign}{symbol}{body}"


_AMOUNT = re.compile(r"^[¥$€£]?(?P<num>[0-9][0-9,]*(?:\.[0-9]+)?)(?P<unit>[kK万]?)$")


# No amount typed in chat reaches a quadrillion; the bound keeps every amount's minor units
# far inside the database's 64-bit integers, whatever the currency's decimals.
CHAT_AMOUNT_LIMIT = Decimal(10) ** 15


def parse_amount(text: str) -> Decimal | None:
    """An amount as people type it in chat: 5000, 5,000.50, 5k, 3万, ¥800. None if it is not one
    or is not below CHAT_AMOUNT_LIMIT (a sign is not part of the grammar: callers decide what a
    minus means)."""
    m = _AMOUNT.match(text.strip())
    if m is None or len(m.group("num")) > 40:
        return None
    try:
        value = Decimal(m.group("num").replace(",", ""))
    except InvalidOperation:
        return None
    unit = m.group("unit")
    if unit in ("k", "K"):
        value *= 1000
    elif unit == "万":
        value *= 10000
    return value if value < CHAT_AMOUNT_LIMIT else None
