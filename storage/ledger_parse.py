"""Parsing primitives for importing receivables ledgers exported by ERPs and spreadsheets.

Each parser turns one cell's text into a typed value or raises ParseError. The importer
shows the error as "row 17: <message>", so every message quotes the offending text and
says what was expected. Nothing here imports the rest of the project.
"""

from __future__ import annotations

import calendar
import codecs
import csv
import io
import re
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

__all__ = [
    "ParseError",
    "Table",
    "parse_amount",
    "parse_bool",
    "parse_currency",
    "parse_date",
    "parse_terms",
    "read_table",
]


class ParseError(ValueError):
    """A value or file that cannot be read; str(e) is the reason shown to the user."""


# Caches are cleared wholesale rather than evicted LRU-style: a ledger's dates come from a
# few thousand distinct strings, so a clear is rare and keeps the hit path a bare dict get.
_CACHE_MAX = 100_000
_K = TypeVar("_K")
_V = TypeVar("_V")


def _q(text: str) -> str:
    # A runaway cell (a whole note pasted into a date column) must not flood the report.
    if len(text) > 60:
        text = text[:57] + "..."
    return repr(text)


# ---------------------------------------------------------------------------------------
# Dates

_EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0, which absorbs its 1900 leap-year bug
_SERIAL_MIN, _SERIAL_MAX = 20_000, 80_000
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_MONTHS: dict[str, int] = {
    **{name.lower(): i for i, name in enumerate(_MONTH_NAMES, start=1)},
    **{name[:3].lower(): i for i, name in enumerate(_MONTH_NAMES, start=1)},
    "sept": 9,
}

# A time of day after the date is ignored; the date is taken as written even when an
# offset says it was a different day in UTC, because that is the day the ERP meant.
_TIME_TAIL = re.compile(
    r"(?:[Tt]|\s+|(?<=[日号]))"
    r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?"
    r"(?:\s*[AaPp]\.?[Mm]\.?)?"
    r"(?:\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?))?$"
)
_ISO = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_SLASH = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})")
_DASH_DOT = re.compile(r"(\d{1,2})([-.])(\d{1,2})\2(\d{4}|\d{2})")
_CJK = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?")
_DAY_MON_YEAR = re.compile(
    r"(\d{1,2})(?:st|nd|rd|th)?[-\s/.]*([A-Za-z]+)\.?[-\s/.,]*(\d{4}|\d{2})", re.I
)
_MON_DAY_YEAR = re.compile(
    r"([A-Za-z]+)\.?[-\s/]*(\d{1,2})(?:st|nd|rd|th)?\s*,?[-\s/]*(\d{4})", re.I
)
_YEAR_MON_DAY = re.compile(r"(\d{4})[-\s/.]*([A-Za-z]+)\.?[-\s/.]*(\d{1,2})")

_DATE_EXAMPLES = "2013-01-31, 1/31/2013, 31-01-2013, 31-Jan-2013 or 20130131"

# Only successes go in the main caches, so a hit returns without touching the value;
# blanks and failures, a small minority, wait in _date_other as '' or the error message.
_date_cache: dict[str, date] = {}
_date_fmt_cache: dict[tuple[str, str], date] = {}
_date_other: dict[tuple[str, str | None], str] = {}


def parse_date(text: str, fmt: str | None = None) -> date | None:
    """A ledger date; blank is None. `fmt` (strptime) replaces detection for ambiguous files."""
    hit = _date_cache.get(text) if fmt is None else _date_fmt_cache.get((text, fmt))
    if hit is not None:
        return hit
    return _date_miss(text, fmt)


def _date_miss(text: str, fmt: str | None) -> date | None:
    key = (text, fmt)
    reason = _date_other.get(key)
    if reason is None:
        try:
            result = _parse_date_text(text, fmt)
        except ParseError as exc:
            reason = str(exc)
        else:
            if result is not None:
                if fmt is None:
                    _remember(_date_cache, text, result)
                else:
                    _remember(_date_fmt_cache, (text, fmt), result)
                return result
            reason = ""
        _remember(_date_other, key, reason)
    if reason:
        raise ParseError(reason)
    return None


def _remember(cache: dict[_K, _V], key: _K, value: _V) -> None:
    if len(cache) >= _CACHE_MAX:
        cache.clear()
    cache[key] = value


def _parse_date_text(text: str, fmt: str | None) -> date | None:
    s = text.strip()
    if not s:
        return None
    if fmt:
        return _parse_date_format(s, fmt)
    q = _q(s)
    tail = _TIME_TAIL.search(s)
    core = s[: tail.start()] if tail else s

    m = _ISO.fullmatch(core)
    if m:
        return _ymd(q, int(m[1]), int(m[3]), int(m[4]), "YYYY-MM-DD, e.g. 2013-01-31")
    m = _SLASH.fullmatch(core)
    if m:
        return _us_slash(q, int(m[1]), int(m[2]), m[3])
    if core.isdecimal():
        return _digits_date(q, core)
    m = _DASH_DOT.fullmatch(core)
    if m:
        return _day_first(q, int(m[1]), m[2], int(m[3]), m[4])
    m = _CJK.fullmatch(core)
    if m:
        return _ymd(q, int(m[1]), int(m[2]), int(m[3]), "YYYY年M月D日, e.g. 2013年1月31日")
    m = _DAY_MON_YEAR.fullmatch(core)
    if m:
        return _named(q, _year(m[3]), m[2], int(m[1]))
    m = _MON_DAY_YEAR.fullmatch(core)
    if m:
        return _named(q, int(m[3]), m[1], int(m[2]))
    m = _YEAR_MON_DAY.fullmatch(core)
    if m:
        return _named(q, int(m[1]), m[2], int(m[3]))
    raise ParseError(
        f"{q} is not a date (expected e.g. {_DATE_EXAMPLES}; "
        "for another layout set ledger.date_format)"
    )


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        # The same pivot as strptime's %y, so a file reads the same with or without a format.
        year += 2000 if year <= 68 else 1900
    return year


def _ymd(q: str, year: int, month: int, day: int, expected: str) -> date:
    if not 1 <= month <= 12:
        raise ParseError(f"{q} is not a date ({month} is not a month; expected {expected})")
    if not 1 <= year <= 9999:
        raise ParseError(f"{q} is not a date (year {year} is out of range)")
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise ParseError(
            f"{q} is not a date (there is no day {day} in {_MONTH_NAMES[month - 1]} {year})"
        )
    return date(year, month, day)


def _us_slash(q: str, month: int, day: int, year_text: str) -> date:
    long_year = len(year_text) == 4
    form = "M/D/YYYY" if long_year else "M/D/YY"
    example = "1/31/2013" if long_year else "1/31/13"
    if not 1 <= month <= 12:
        if 13 <= month <= 31 and 1 <= day <= 12:
            # Slash dates are US month-first by default; guessing day-first per value would
            # silently swap the 1st–12th of every month in the same file.
            day_first = "%d/%m/%Y" if long_year else "%d/%m/%y"
            raise ParseError(
                f"{q} is not a date in {form} form ({month} is not a month); "
                f"if this file writes dates day-first, set ledger.date_format: '{day_first}'"
            )
        raise ParseError(f"{q} is not a date (expected {form}, e.g. {example})")
    return _ymd(q, _year(year_text), month, day, f"{form}, e.g. {example}")


def _day_first(q: str, day: int, sep: str, month: int, year_text: str) -> date:
    yyyy = "YYYY" if len(year_text) == 4 else "YY"
    if 13 <= month <= 31 and 1 <= day <= 12:
        month_first = sep.join(("%m", "%d", "%Y" if len(year_text) == 4 else "%y"))
        raise ParseError(
            f"{q} is not a date in DD{sep}MM{sep}{yyyy} form ({month} is not a month); "
            f"if this file writes dates month-first, set ledger.date_format: '{month_first}'"
        )
    example = sep.join(("31", "01", "2013" if len(year_text) == 4 else "13"))
    return _ymd(q, _year(year_text), month, day, f"DD{sep}MM{sep}{yyyy}, e.g. {example}")


def _named(q: str, year: int, word: str, day: int) -> date:
    month = _MONTHS.get(word.lower())
    if month is None:
        raise ParseError(
            f"{q} is not a date ({word!r} is not an English month name or abbreviation "
            "such as Jan or January)"
        )
    return _ymd(q, year, month, day, "e.g. 31-Jan-2013")


def _digits_date(q: str, digits: str) -> date:
    if len(digits) == 8:
        y, m, d = int(digits[:4]), int(digits[4:6]), int(digits[6:])
        return _ymd(q, y, m, d, "YYYYMMDD, e.g. 20130131")
    if len(digits) == 5:
        serial = int(digits)
        if _SERIAL_MIN <= serial <= _SERIAL_MAX:
            return _EXCEL_EPOCH + timedelta(days=serial)
        first = _EXCEL_EPOCH + timedelta(days=_SERIAL_MIN)
        last = _EXCEL_EPOCH + timedelta(days=_SERIAL_MAX)
        raise ParseError(
            f"{q} is not a date (a 5-digit number is read as an Excel day number only "
            f"from {_SERIAL_MIN} to {_SERIAL_MAX}, i.e. {first} to {last})"
        )
    raise ParseError(
        f"{q} is not a date (expected e.g. {_DATE_EXAMPLES}; "
        "for another layout set ledger.date_format)"
    )


def _parse_date_format(s: str, fmt: str) -> date:
    try:
        return datetime.strptime(s, fmt).date()
    except ValueError as exc:
        error = exc
    tail = _TIME_TAIL.search(s)
    if tail:
        try:
            return datetime.strptime(s[: tail.start()], fmt).date()
        except ValueError as exc:
            error = exc
    reason = str(error)
    if "bad directive" in reason or "stray %" in reason:
        raise ParseError(f"ledger.date_format {fmt!r} is not a valid strptime format ({reason})")
    if "out of range" in reason:
        raise ParseError(f"{_q(s)} is not a date ({reason})")
    try:
        example = datetime(2013, 1, 31, 12, 38).strftime(fmt)
    except ValueError:
        example = "31/01/2013"
    raise ParseError(
        f"{_q(s)} does not match the date format {fmt!r} set in ledger.date_format (e.g. {example})"
    )


# ---------------------------------------------------------------------------------------
# Amounts and currencies

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

_Amount = tuple[Decimal, str | None]
_amount_cache: dict[str, _Amount] = {}
_amount_cache_dc: dict[str, _Amount] = {}
_amount_errors: dict[tuple[str, bool], str] = {}


# What most ERP exports write: no currency, no grouping. Most amounts in a big ledger are
# distinct, so these skip the cache and the general parser and go straight to Decimal.
_PLAIN_AMOUNT = re.compile(r"-?\d{1,15}(?:\.\d{1,6})?")


def parse_amount(text: str, *, decimal_comma: bool = False) -> tuple[Decimal, str | None]:
    """(amount, ISO currency named in the text or None). Exact; never goes through float."""
    if not decimal_comma and _PLAIN_AMOUNT.fullmatch(text):
        value = Decimal(text)
        if not value and value.is_signed():
            value = value.copy_abs()  # "-0.00" is no debt at all
        return value, None
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
            _remember(_amount_errors, key, reason)
        else:
            _remember(_amount_cache_dc if decimal_comma else _amount_cache, text, result)
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
        _add_currency(codes, m.group())
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
        _add_currency(codes, m.group())
        s = s[: m.start()].rstrip()

    if len(codes) > 1:
        a, b = sorted(codes)
        raise ParseError(f"{q} names two currencies ({a} and {b})")
    currency = next(iter(codes), None)
    if opened != closed:
        raise ParseError(f"{q} has an unbalanced parenthesis ({_AMOUNT_EXPECTED})")
    if opened:
        signs += 1
        negative = True
    if signs > 1:
        raise ParseError(f"{q} has more than one sign or parenthesis ({_AMOUNT_EXPECTED})")
    if not s:
        if negative and not opened:
            # Excel's accounting format shows zero as a dash ("$ -"), and exports keep it.
            return Decimal(0), currency
        raise ParseError(f"{q} has no digits ({_AMOUNT_EXPECTED})")
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
    return value, currency


def _add_currency(codes: set[str], token: str) -> None:
    key = token.upper()
    if key in _CURRENCY_ALIASES:
        code = _CURRENCY_ALIASES[key]
        if code is not None:
            codes.add(code)
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


def _few_values(parse: Callable[[str], _V]) -> Callable[[str], _V]:
    """Remember a parser's answers: a ledger repeats a handful of values on every row.

    Only successes are kept, so a bad value raises (with its message) every time."""
    cache: dict[str, _V] = {}

    def cached(text: str) -> _V:
        if text in cache:
            return cache[text]
        value = parse(text)
        _remember(cache, text, value)
        return value

    cached.__doc__ = parse.__doc__
    return cached


@_few_values
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
        return key
    raise ParseError(
        f"{_q(s)} is not a currency (expected a 3-letter ISO code such as USD, EUR or CNY)"
    )


# ---------------------------------------------------------------------------------------
# Flags and terms

_TRUE = frozenset(
    {"yes", "y", "true", "t", "1", "x", "✓", "✔", "是", "有", "disputed", "争议", "有争议"}
)
_FALSE = frozenset({"no", "n", "false", "f", "0", "", "否", "无", "-", "无争议"})


def parse_bool(text: str) -> bool:
    """A yes/no cell such as the disputed flag; blank is no."""
    s = text.strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ParseError(
        f"{_q(text.strip())} is not a yes/no value (use yes, y, true, t, 1, x, ✓, 是, 有, "
        "disputed or 争议 for yes; no, n, false, f, 0, 否, 无, - or an empty cell for no)"
    )


_MAX_TERMS = 3650
_TERMS_ZERO = frozenset(
    {"cod", "cia", "cash", "due on receipt", "due upon receipt", "upon receipt", "on receipt",
     "immediate", "现结", "现金", "款到发货"}
)  # fmt: skip
_TERMS = re.compile(r"(?:月结|net|n)?\s*(-?\d{1,9})(?:\.0+)?\s*(?:days?|d|天|日)?(?:\s*net)?", re.I)
# Early-payment discount terms such as "2/10 Net 30": the net days are the terms.
_TERMS_DISCOUNT = re.compile(
    r"\d+(?:\.\d+)?%?\s*/\s*\d+\s*(?:days?)?\s*[,;]?\s*(?:net|n)\s*(\d{1,9})\s*(?:days?)?", re.I
)
_TERMS_EXPECTED = (
    "expected a number of days such as 30, Net 30, 30 days or 月结30天, "
    "or COD / due on receipt for 0"
)


@_few_values
def parse_terms(text: str) -> int | None:
    """Payment terms in days; blank is None."""
    s = " ".join(text.split()).lower()
    if not s:
        return None
    if s in _TERMS_ZERO:
        return 0
    m = _TERMS.fullmatch(s) or _TERMS_DISCOUNT.fullmatch(s)
    if not m:
        raise ParseError(f"{_q(text.strip())} is not a payment term ({_TERMS_EXPECTED})")
    days = int(m[1])
    if days < 0:
        raise ParseError(f"{_q(text.strip())} is not a payment term (days cannot be negative)")
    if days > _MAX_TERMS:
        raise ParseError(
            f"{_q(text.strip())} is not a payment term ({days} days is more than "
            f"{_MAX_TERMS}, i.e. 10 years)"
        )
    return days


# ---------------------------------------------------------------------------------------
# Tables

_DELIMITERS = (",", ";", "\t", "|")  # in order of preference when they fit equally well
_SNIFF_BYTES = 64 * 1024
_CHUNK_BYTES = 1 << 20
_XLSX_SUFFIXES = (".xlsx", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def _never_read() -> int:
    return 0


@dataclass
class Table:
    """A ledger file's header and a stream of its rows, in file order."""

    columns: list[str]
    rows: Iterator[tuple[int, list[str]]]
    encoding: str | None
    delimiter: str | None
    size_bytes: int
    _progress: Callable[[], int] = field(default=_never_read, repr=False)
    _closer: Callable[[], None] | None = field(default=None, repr=False)

    def bytes_read(self) -> int:
        """Roughly how much of the file the rows consumed so far (for a progress bar)."""
        return max(0, min(self._progress(), self.size_bytes))

    def close(self) -> None:
        """Release the file early; rows already release it when exhausted."""
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()
        if self._closer is not None:
            self._closer()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_table(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> Table:
    """Open a CSV/TSV/TXT or XLSX ledger; the header is read now, rows stream on demand."""
    path = Path(path)
    name = path.name
    if not path.exists():
        raise ParseError(f"file not found: {path}")
    if path.is_dir():
        raise ParseError(f"{str(path)!r} is a folder, not a ledger file")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise ParseError(f"{name!r}: .xls is not supported; save it as .xlsx or CSV")
    size = path.stat().st_size
    if size == 0:
        raise ParseError(f"{name!r} is empty (expected a header row and ledger rows)")
    with path.open("rb") as f:
        magic = f.read(4)
    if magic == _OLE_MAGIC:
        raise ParseError(
            f"{name!r} is an old Excel .xls workbook; .xls is not supported; "
            "save it as .xlsx or CSV"
        )
    if suffix in _XLSX_SUFFIXES:
        return _read_xlsx(path, sheet, size)
    if magic == _ZIP_MAGIC:
        raise ParseError(
            f"{name!r} is an Excel workbook, not CSV text; rename it to .xlsx to import it"
        )
    return _read_csv(path, encoding, delimiter, size)


def _make_columns(cells: list[str]) -> list[str]:
    names = [c.replace("\ufeff", "").strip() for c in cells]
    while names and not names[-1]:
        names.pop()
    # A blank header cell inside the table still needs a name the user can map and find.
    names = [n or f"column {_column_letter(i)}" for i, n in enumerate(names, start=1)]
    taken = set(names)
    seen: set[str] = set()
    columns: list[str] = []
    for n in names:
        if n in seen:
            k = 2
            while f"{n} ({k})" in taken:
                k += 1
            n = f"{n} ({k})"
            taken.add(n)
        seen.add(n)
        columns.append(n)
    return columns


def _column_letter(index: int) -> str:
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _fit(cells: list[str], width: int) -> list[str]:
    if len(cells) < width:
        cells.extend([""] * (width - len(cells)))
    else:
        # Extra cells are kept for the importer to judge, but empties past the header
        # are just a trailing delimiter or formatted-but-empty spreadsheet cells.
        while len(cells) > width and not cells[-1]:
            cells.pop()
    return cells


# CSV ------------------------------------------------------------------------------------


def _detect_encoding(path: Path) -> str:
    with path.open("rb") as f:
        head = f.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"  # Excel's "Unicode Text" export
        f.seek(0)
        # Validating chunk by chunk keeps memory flat on a 100 MB export; the decoded text
        # is thrown away because the rows are decoded again as they stream.
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        try:
            while chunk := f.read(_CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"  # a superset of GBK/GB2312, what Chinese Excel writes
    return "utf-8"


def _sniff_delimiter(path: Path, encoding: str) -> str:
    with path.open("rb") as f:
        data = f.read(_SNIFF_BYTES)
        truncated = bool(f.read(1))
    text = codecs.getincrementaldecoder(encoding)("replace").decode(data, final=not truncated)
    if truncated:
        cut = text.rfind("\n")
        if cut > 0:
            text = text[:cut]
    best, best_score = ",", 0.0
    for candidate in _DELIMITERS:
        counts = [
            len(record)
            for record in csv.reader(io.StringIO(text, newline=""), delimiter=candidate)
            if any(cell.strip() for cell in record)
        ]
        if truncated and len(counts) > 2:
            counts.pop()  # may be a quoted multi-line cell cut in half
        if not counts or counts[0] < 2:
            continue
        # Agreement with the header's width: a wrong delimiter splits rows unevenly.
        score = sum(1 for n in counts if n == counts[0]) / len(counts)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _check_delimiter(delimiter: str) -> str:
    if delimiter in ("\\t", "tab", "TAB"):
        return "\t"
    if len(delimiter) != 1:
        raise ParseError(
            f"delimiter {delimiter!r} must be a single character, e.g. ',' ';' '|' or a tab"
        )
    return delimiter


def _read_csv(path: Path, encoding: str | None, delimiter: str | None, size: int) -> Table:
    name = path.name
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ParseError(
                f"unknown encoding {encoding!r} (ledger.encoding; e.g. utf-8 or gb18030)"
            ) from None
    else:
        encoding = _detect_encoding(path)
    delimiter = _check_delimiter(delimiter) if delimiter else _sniff_delimiter(path, encoding)

    header_record = 0
    header: list[str] = []
    try:
        with path.open(encoding=encoding, newline="") as f:
            for n, record in enumerate(csv.reader(f, delimiter=delimiter), start=1):
                if any(cell.strip() for cell in record):
                    header_record, header = n, record
                    break
    except UnicodeDecodeError as exc:
        raise ParseError(_decode_message(name, encoding, exc)) from None
    except csv.Error as exc:
        raise ParseError(_csv_message(name, 1, exc)) from None
    if not header_record:
        raise ParseError(f"{name!r} has no header row (it contains only blank lines)")

    columns = _make_columns(header)
    source = _CsvRows(path, encoding, delimiter, header_record, len(columns), size)
    return Table(
        columns=columns,
        rows=source.rows(),
        encoding=encoding,
        delimiter=delimiter,
        size_bytes=size,
        _progress=source.position,
    )


def _decode_message(name: str, encoding: str, exc: UnicodeDecodeError, where: str = "") -> str:
    return (
        f"{name!r} cannot be read as {encoding} text{where} ({exc.reason}); "
        "set ledger.encoding (e.g. gb18030 or latin-1) or re-save the file as UTF-8 CSV"
    )


def _csv_message(name: str, row: int, exc: csv.Error) -> str:
    if "field limit" in str(exc):
        # The csv module's limit is only ever reached through a quote that never closes
        # and swallows the lines after it.
        return (
            f"{name!r}, row {row}: a cell runs on for more than {csv.field_size_limit()} "
            'characters, usually an unclosed double quote (") in that row'
        )
    return f"{name!r}, row {row}: not readable as CSV ({exc})"


class _CsvRows:
    """Streams a CSV's data records; opened lazily so an unread Table holds no file."""

    def __init__(
        self, path: Path, encoding: str, delimiter: str, header_record: int, width: int, size: int
    ) -> None:
        self.path = path
        self.encoding = encoding
        self.delimiter = delimiter
        self.header_record = header_record
        self.width = width
        self.size = size
        self._raw: io.BufferedReader | None = None
        self._done = False

    def position(self) -> int:
        if self._done:
            return self.size
        if self._raw is None:
            return 0
        try:
            return self._raw.tell()
        except (ValueError, OSError):
            return self.size

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        width = self.width
        n = self.header_record
        raw = self.path.open("rb")
        self._raw = raw
        try:
            text = io.TextIOWrapper(raw, encoding=self.encoding, newline="")
            reader = csv.reader(text, delimiter=self.delimiter)
            try:
                for _ in islice(reader, self.header_record):
                    pass
                # Numbered by record, blank ones included, so a number matches the row a
                # spreadsheet shows even when quoted cells span several lines.
                for n, record in enumerate(reader, start=self.header_record + 1):
                    cells = [cell.strip() for cell in record]
                    if any(cells):
                        yield n, _fit(cells, width)
            except UnicodeDecodeError as exc:
                where = f" (after row {n})"
                raise ParseError(
                    _decode_message(self.path.name, self.encoding, exc, where)
                ) from None
            except csv.Error as exc:
                raise ParseError(_csv_message(self.path.name, n + 1, exc)) from None
        finally:
            self._done = True
            raw.close()


# XLSX -----------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.replace(microsecond=0, tzinfo=None).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.replace(microsecond=0).isoformat()
    return str(value).strip()


def _float_text(value: float) -> str:
    # repr is the shortest text that round-trips, so 0.1 stays 0.1 rather than the binary
    # 0.1000000000000000055...; Decimal then drops a trailing .0 and any exponent.
    d = Decimal(repr(value))
    if not d.is_finite():
        return repr(value)
    if not d:
        return "0"
    return format(d.normalize(), "f")


def _read_xlsx(path: Path, sheet: str | None, size: int) -> Table:
    from openpyxl import load_workbook  # imported late: it costs ~0.2 s and most runs are CSV

    name = path.name
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a damaged workbook fails in many ways inside openpyxl
        raise ParseError(
            f"{name!r} is not a readable .xlsx workbook ({type(exc).__name__}: {exc}); "
            "open it in Excel and save it again as .xlsx or CSV"
        ) from None
    try:
        ws = _pick_sheet(wb, name, sheet)
        # The dimension recorded in the file is only a hint; some exporters write it wrong,
        # and trusting it would cut rows or columns off. Keep it only for the progress estimate.
        expected_rows = ws.max_row if isinstance(ws.max_row, int) else 0
        ws.reset_dimensions()
        it = enumerate(ws.iter_rows(values_only=True), start=1)
        header_row = 0
        header: list[str] = []
        for n, values in it:
            cells = [_cell_text(v) for v in values]
            if any(cells):
                header_row, header = n, cells
                break
        if not header_row:
            raise ParseError(f"sheet {ws.title!r} of {name!r} is empty (no header row)")
    except BaseException:
        wb.close()
        raise

    columns = _make_columns(header)
    state = _XlsxProgress(size, expected_rows, header_row)

    def rows() -> Iterator[tuple[int, list[str]]]:
        width = len(columns)
        try:
            for n, values in it:
                state.row = n
                cells = [_cell_text(v) for v in values]
                if any(cells):
                    yield n, _fit(cells, width)
        finally:
            state.done = True
            wb.close()

    table = Table(
        columns=columns,
        rows=rows(),
        encoding=None,
        delimiter=None,
        size_bytes=size,
        _progress=state.position,
        _closer=wb.close,
    )
    # A Table dropped before its rows were started would otherwise leave the zip open.
    weakref.finalize(table, wb.close)
    return table


def _pick_sheet(wb: Any, name: str, sheet: str | None) -> Any:
    sheets = list(wb.worksheets)
    if not sheets:
        raise ParseError(f"{name!r} has no worksheets")
    if sheet is None:
        return sheets[0]
    for ws in sheets:
        if ws.title == sheet:
            return ws
    wanted = sheet.strip().casefold()
    matches = [ws for ws in sheets if ws.title.strip().casefold() == wanted]
    if len(matches) == 1:
        return matches[0]
    listed = ", ".join(repr(ws.title) for ws in sheets)
    raise ParseError(
        f"sheet {sheet!r} not found in {name!r} (its sheets are {listed}); "
        "set ledger.sheet to one of them"
    )


class _XlsxProgress:
    """Estimates bytes consumed from rows read, since the zip hides the real position."""

    def __init__(self, size: int, expected_rows: int, header_row: int) -> None:
        self.size = size
        self.expected_rows = expected_rows
        self.row = header_row
        self.done = False

    def position(self) -> int:
        if self.done:
            return self.size
        if self.expected_rows <= 0:
            return 0
        # Capped below the end: the recorded dimension may undercount, and only the end is
        # allowed to say 100%.
        return min(self.size * self.row // self.expected_rows, self.size * 99 // 100)
