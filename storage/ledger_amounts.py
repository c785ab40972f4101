"""Ledger amounts and currencies: exact Decimals from what ERPs write, and ISO 4217 codes.

`1,234.56`, `(1,234.56)`, `-$1.00`, `1.234,56` (decimal comma), `USD 12.00`, `¥1,234`,
full-width digits. Never through float.
"""

from __future__ import annotations

import re
from decimal import Decimal

from playbook.currencies import SYMBOL_CURRENCIES, currency_problem
from storage.ledger_cell import ParseError, few_values, remember
from storage.ledger_cell import quote as _q

# Symbols and names that pin a currency; None marks symbols shared by several currencies.
_CURRENCY_ALIASES: dict[str, str | None] = {
    "RMB": "CNY", "元": "CNY", "人民币": "CNY", "€": "EUR", "£": "GBP", "₹": "INR", "₩": "KRW",
    "HK$": "HKD", "US$": "USD", "S$": "SGD", "A$": "AUD", "AU$": "AUD", "C$": "CAD",
    "CA$": "CAD", "NT$": "TWD",
    "美元": "USD", "港元": "HKD", "港币": "HKD", "欧元": "EUR", "日元": "JPY", "英镑": "GBP",
    "$": None, "¥": None, "￥": None,
}  # fmt: skip
_AMBIGUOUS_HINT = {"$": "USD, CAD or AUD", "¥": "CNY or JPY", "￥": "CNY or JPY"}

_SYMBOL_ALT = "|".join(re.escape(s) for s in sorted(_CURRENCY_ALIASES, key=len, reverse=True))
# re.A keeps [A-Z] with re.I from matching letters like the Kelvin sign.
_CUR_PREFIX = re.compile(rf"(?:{_SYMBOL_ALT}|[A-Z]{{3}}(?![A-Z]))", re.I | re.A)
_CUR_SUFFIX = re.compile(rf"(?:{_SYMBOL_ALT}|(?<![A-Z])[A-Z]{{3}})$", re.I | re.A)
_ISO_CODE = re.compile(r"[A-Za-z]{3}")

# Spreadsheets typed with a Chinese IME produce full-width digits and punctuation.
_AMOUNT_TRANS = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "，": ",", "．": ".", "－": "-", "−": "-", "﹣": "-", "（": "(", "）": ")", "＄": "$",
    }
)  # fmt: skip
_AMOUNT_CHARS = re.compile(r"[0-9.,' \u00a0\u2009\u202f\u2019]+")
_GROUP_SPLIT = re.compile(r"[.,' \u00a0\u2009\u202f\u2019]")
_SCIENTIFIC = re.compile(r"\d[eE][+-]?\d")
_AMOUNT_EXPECTED = (
    "expected a number such as 1234.56, 1,234.56 or (1,234.56), "
    "optionally with a currency such as USD or $"
)

# (amount, currency the text names, a symbol several currencies share, e.g. "$")
_Amount = tuple[Decimal, str | None, str | None]
_amount_cache: dict[str, _Amount] = {}
_amount_cache_dc: dict[str, _Amount] = {}
_amount_errors: dict[tuple[str, bool], str] = {}


# What most ERP exports write: no currency, no grouping. Most amounts in a big ledger are
# distinct, so these skip the cache and the general parser and go straight to Decimal.
_PLAIN_AMOUNT = re.compile(r"-?\d{1,15}(?:\.\d{1,6})?")


def parse_amount(text: str, *, decimal_comma: bool = False) -> tuple[Decimal, str | None]:
    """(amount, ISO currency named in the text or None). Exact; never goes through float."""
    value, currency, _symbol = parse_money(text, decimal_comma=decimal_comma)
    return value, currency


def parse_money(
    text: str, *, decimal_comma: bool = False
) -> tuple[Decimal, str | None, str | None]:
    """`parse_amount`, plus the shared symbol the text uses ("$", "¥") or None.

    The symbol does not pin a currency, but it rules some out: `$1,234.56` is not in EUR."""
    if not decimal_comma and _PLAIN_AMOUNT.fullmatch(text):
        value = Decimal(text)
        if not value and value.is_signed():
            value = value.copy_abs()  # "-0.00" is no debt at all
        return value, None, None
    hit = (_amount_cache_dc if decimal_comma else _amount_cache).get(text)
    if hit is not None:
        return hit
    key = (text, decimal_comma)
    reason = _amount_errors.get(key)
    if reason is None:
        try:
            result = _parse_amount_text(text, decimal_comma)
        except ParseError as exc:
            reason = str(exc)
            remember(_amount_errors, key, reason)
        else:
            remember(_amount_cache_dc if decimal_comma else _amount_cache, text, result)
            return result
    raise ParseError(reason)


def _parse_amount_text(text: str, decimal_comma: bool) -> _Amount:
    s = text.translate(_AMOUNT_TRANS).strip()
    if not s:
        raise ParseError("amount is blank")
    q = _q(text.strip())
    signs = 0
    negative = False
    opened = closed = False
    codes: set[str] = set()
    symbols: set[str] = set()

    # Peel signs, parentheses and currency markers off both ends, in any order, because
    # exports write -$1.00, $-1.00, (USD 1.00), 1.00- and 1.00 EUR alike.
    while s:
        c = s[0]
        if c in "-+":
            signs += 1
            negative = negative or c == "-"
            s = s[1:].lstrip()
            continue
        if c == "(" and not opened:
            opened = True
            s = s[1:].lstrip()
            continue
        m = _CUR_PREFIX.match(s)
        if not m:
            break
        _add_currency(codes, symbols, m.group())
        s = s[m.end() :].lstrip()
    while s:
        c = s[-1]
        if c == "-" or c == "+":
            signs += 1
            negative = negative or c == "-"
            s = s[:-1].rstrip()
            continue
        if c == ")" and not closed:
            closed = True
            s = s[:-1].rstrip()
            continue
        m = _CUR_SUFFIX.search(s)
        if not m:
            break
        _add_currency(codes, symbols, m.group())
        s = s[: m.start()].rstrip()

    if len(codes) > 1 or len(symbols) > 1:
        a, b = sorted(codes if len(codes) > 1 else symbols)
        raise ParseError(f"{q} names two currencies ({a} and {b})")
    currency = next(iter(codes), None)
    symbol = next(iter(symbols), None)
    if currency and symbol and currency not in SYMBOL_CURRENCIES[symbol]:
        raise ParseError(f"{q} names two currencies ({symbol} and {currency})")
    if opened != closed:
        raise ParseError(f"{q} has an unbalanced parenthesis ({_AMOUNT_EXPECTED})")
    if opened:
        signs += 1
        negative = True
    if signs > 1:
        raise ParseError(f"{q} has more than one sign or parenthesis ({_AMOUNT_EXPECTED})")
    if not s and not (negative and not opened):
        raise ParseError(f"{q} has no digits ({_AMOUNT_EXPECTED})")
    if currency is not None:
        problem = currency_problem(currency)
        if problem is not None:
            raise ParseError(f"{q} is not an amount in a currency ({problem})")
    if not s:
        # Excel's accounting format shows zero as a dash ("$ -"), and exports keep it.
        return Decimal(0), currency, symbol
    if _SCIENTIFIC.search(s):
        raise ParseError(
            f"{q} is in scientific notation; write the amount out in full "
            "(e.g. 1500 rather than 1.5E3), or format the column as a number before exporting"
        )
    if not _AMOUNT_CHARS.fullmatch(s):
        raise ParseError(f"{q} is not an amount ({_AMOUNT_EXPECTED})")

    value = Decimal(_plain_number(q, s, decimal_comma))
    if negative and value:
        value = value.copy_negate()
    return value, currency, symbol


def _add_currency(codes: set[str], symbols: set[str], token: str) -> None:
    key = token.upper()
    if key in _CURRENCY_ALIASES:
        code = _CURRENCY_ALIASES[key]
        if code is not None:
            codes.add(code)
        else:
            symbols.add("¥" if key == "￥" else key)
    else:
        codes.add(key)


def _plain_number(q: str, s: str, decimal_comma: bool) -> str:
    """The digits of `s` as '1234.56' once its separators are understood."""
    has_dot, has_comma = "." in s, "," in s
    point: str | None
    if decimal_comma:
        point = ","
    elif has_dot and has_comma:
        # With both present the last one is the decimal separator: 1,234.56 and 1.234,56.
        point = "." if s.rfind(".") > s.rfind(",") else ","
    elif has_comma:
        head, _, after = s.rpartition(",")
        if "," in head:
            point = None
        else:
            frac_len = len(after.strip())
            if 1 <= frac_len <= 2:
                point = ","
            elif frac_len == 3:
                point = None
            elif frac_len > 3 and after.strip().isdigit():
                digits = _GROUP_SPLIT.sub("", head)
                raise ParseError(
                    f"{q} is ambiguous: a comma followed by {frac_len} digits is neither a "
                    f"thousands separator nor a decimal comma (write {digits}{after.strip()} "
                    f"or {digits}.{after.strip()}; if this file writes decimal commas, "
                    "set ledger.decimal_comma: true)"
                )
            else:
                point = None
    elif s.count(".") > 1:
        point = None  # 1.234.567 can only be grouping
    else:
        point = "."

    if point is not None and s.count(point) > 1:
        style = "1.234,56" if point == "," else "1,234.56"
        raise ParseError(f"{q} has more than one decimal separator (expected e.g. {style})")
    whole, _, frac = s.partition(point) if point else (s, "", "")
    if frac and not frac.isdigit():
        if decimal_comma:
            raise ParseError(
                f"{q} is not an amount in the decimal-comma style set by ledger.decimal_comma "
                "(expected e.g. 1.234,56)"
            )
        raise ParseError(f"{q} is not an amount ({_AMOUNT_EXPECTED})")

    groups = _GROUP_SPLIT.split(whole)
    if len(groups) > 1 and not _good_grouping(groups):
        if decimal_comma and "." in whole:
            raise ParseError(
                f"{q} is not an amount in the decimal-comma style set by ledger.decimal_comma "
                "(expected e.g. 1.234,56)"
            )
        raise ParseError(
            f"{q} has misplaced thousands separators (expected groups of three digits, "
            "e.g. 1,234,567.89, or Indian grouping, e.g. 12,34,567.89)"
        )
    digits = "".join(groups)
    if not digits and not frac:
        raise ParseError(f"{q} has no digits ({_AMOUNT_EXPECTED})")
    return f"{digits or '0'}.{frac}" if frac else digits


def _good_grouping(groups: list[str]) -> bool:
    first, rest = groups[0], groups[1:]
    if not first:
        return False
    if 1 <= len(first) <= 3 and all(len(g) == 3 for g in rest):
        return True
    # Indian lakh/crore grouping: 12,34,56,789.
    return (
        len(first) <= 2
        and len(rest) >= 2
        and all(len(g) == 2 for g in rest[:-1])
        and len(rest[-1]) == 3
    )


@few_values
def parse_currency(text: str) -> str | None:
    """An ISO 4217 code (upper case) from a code, symbol or Chinese name; blank is None."""
    s = text.strip()
    if not s:
        return None
    key = s.upper()
    if key in _CURRENCY_ALIASES:
        code = _CURRENCY_ALIASES[key]
        if code is None:
            raise ParseError(
                f"{_q(s)} is ambiguous as a currency (several currencies use it); "
                f"write the ISO code, e.g. {_AMBIGUOUS_HINT[key]}"
            )
        return code
    if _ISO_CODE.fullmatch(s):
        problem = currency_problem(key)
        if problem is not None:
            raise ParseError(f"{_q(s)} is not a currency ({problem})")
        return key
    raise ParseError(
        f"{_q(s)} is not a currency (expected a 3-letter ISO code such as USD, EUR or CNY)"
    )
