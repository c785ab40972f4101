"""Amounts as people type them in chat, with the currency they wrote beside the number.

`5000`, `5k`, `3万` (playbook.money.parse_amount) and around them a currency: `USD 100`,
`100 USD`, `$100`, `US$100`, `100美元`, `3万元`. A symbol can stand for several currencies
(`¥` is yuan in Shanghai and yen in Tokyo), so a parse gives the candidates in order and the
case the amount is for picks the one it owes. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from playbook.currencies import is_currency
from playbook.money import parse_amount

__all__ = ["MoneyText", "currency_word", "parse_money", "pick_currency"]

# Longest first, so `US$` wins over `$` and `人民币` over `元`.
_SYMBOLS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    sorted(
        {
            "US$": ("USD",),
            "HK$": ("HKD",),
            "S$": ("SGD",),
            "SG$": ("SGD",),
            "A$": ("AUD",),
            "AU$": ("AUD",),
            "C$": ("CAD",),
            "CA$": ("CAD",),
            "NT$": ("TWD",),
            "CN¥": ("CNY",),
            "CN￥": ("CNY",),
            "JP¥": ("JPY",),
            "RMB": ("CNY",),
            "$": ("USD", "HKD", "SGD", "AUD", "CAD", "TWD"),
            "¥": ("CNY", "JPY"),
            "￥": ("CNY", "JPY"),
            "€": ("EUR",),
            "£": ("GBP",),
            "₩": ("KRW",),
            "₹": ("INR",),
            "美元": ("USD",),
            "美金": ("USD",),
            "欧元": ("EUR",),
            "英镑": ("GBP",),
            "日元": ("JPY",),
            "日圆": ("JPY",),
            "円": ("JPY",),
            "港币": ("HKD",),
            "港元": ("HKD",),
            "港幣": ("HKD",),
            "新台币": ("TWD",),
            "台币": ("TWD",),
            "新加坡元": ("SGD",),
            "新币": ("SGD",),
            "澳元": ("AUD",),
            "加元": ("CAD",),
            "韩元": ("KRW",),
            "人民币": ("CNY",),
            "元": ("CNY",),
            "块": ("CNY",),
            "DOLLARS": ("USD", "HKD", "SGD", "AUD", "CAD", "TWD"),
            "DOLLAR": ("USD", "HKD", "SGD", "AUD", "CAD", "TWD"),
            "EUROS": ("EUR",),
            "EURO": ("EUR",),
            "YUAN": ("CNY",),
            "YEN": ("JPY",),
        }.items(),
        key=lambda item: -len(item[0]),
    )
)
_CODE = re.compile(r"[A-Za-z]{3}")
_ENGLISH_CODES = frozenset(
    {"ALL", "BAD", "BAM", "BOB", "COP", "CUP", "MAD", "MOP", "SOS", "TOP", "TRY"}
)
# Far longer than any real amount (a longer one is over any limit anyway); beyond it the text is
# not read at all, so no one can make the parser chew on a megabyte.
_LONGEST = 100


@dataclass(frozen=True)
class MoneyText:
    amount: Decimal
    currencies: tuple[str, ...] = ()  # () when no currency was written; else in preference order


def currency_word(text: str) -> tuple[str, ...]:
    """The currencies a word alone names: an ISO 4217 code in any case (`USD`, `eur`), a
    symbol (`$`) or a name (`美元`); () if it names none."""
    typed = text.strip()
    word = typed.upper()
    named = next((codes for symbol, codes in _SYMBOLS if word == symbol), ())
    if named or not _CODE.fullmatch(word) or not is_currency(word):
        return named
    # `5000 all agreed`: a lower-case English word is a word, even when it is also a code.
    return (word,) if typed.isupper() or word not in _ENGLISH_CODES else ()


def _split(text: str) -> tuple[str, tuple[str, ...]]:
    """(the number part, the currencies written before or after it)."""
    for symbol, codes in _SYMBOLS:
        if text.upper().startswith(symbol):
            return text[len(symbol) :], codes
        if text.upper().endswith(symbol):
            return text[: -len(symbol)], codes
    if len(text) > 3 and _CODE.fullmatch(text[:3]):
        return text[3:], (text[:3].upper(),)
    if len(text) > 3 and _CODE.fullmatch(text[-3:]):
        return text[:-3], (text[-3:].upper(),)
    return text, ()


def parse_money(text: str) -> MoneyText | None:
    """An amount and the currency written with it, or None when the text is not an amount."""
    compact = "".join(text.split())
    if not compact or len(compact) > _LONGEST:
        return None
    core, codes = _split(compact)
    if not core[:1].isdigit():
        return None
    amount = parse_amount(core)
    if amount is None:
        return None
    return MoneyText(amount, codes)


def pick_currency(candidates: Sequence[str], owed: Mapping[str, Decimal]) -> str:
    """Of the currencies a symbol may mean, the first the case owes money in (else the first)."""
    return next((c for c in candidates if owed.get(c, Decimal(0)) > 0), candidates[0])
