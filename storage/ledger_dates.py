"""Ledger dates: the layouts ERPs and spreadsheets write, told apart without guessing.

ISO, M/D/YYYY (slashes are US month-first), DD-MM-YYYY and DD.MM.YYYY (day-first), named
months, 2024年3月5日, YYYYMMDD and Excel day numbers. A value that only fits the other order
is refused with the format to set; `date_order` tells the importer which values could be
read either way, so a file whose order nothing in it decides gets a warning.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta

from storage.ledger_cell import ParseError, remember
from storage.ledger_cell import quote as _q

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
                    remember(_date_cache, text, result)
                else:
                    remember(_date_fmt_cache, (text, fmt), result)
                return result
            reason = ""
        remember(_date_other, key, reason)
    if reason:
        raise ParseError(reason)
    return None


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


# How one value bears on the day/month order of its column (see `date_order`).
AMBIGUOUS, CONFIRMS, CONTRADICTS = 1, 2, 3
_MISS = object()
_order_cache: dict[str, tuple[str, int] | None] = {}


def date_order(text: str) -> tuple[str, int] | None:
    """(separator, AMBIGUOUS / CONFIRMS / CONTRADICTS) for a numeric day-month-year date.

    Slash dates are read month-first and dash or dot dates day-first. 05/03/2026 fits both
    orders (AMBIGUOUS); 05/13/2026 fits only the one used (CONFIRMS); 13/05/2026 only the
    other (CONTRADICTS, and parse_date refuses it). None for every other kind of value,
    including 05/05/2026, which reads the same both ways."""
    hit = _order_cache.get(text, _MISS)
    if hit is _MISS:
        hit = _date_order(text)
        remember(_order_cache, text, hit)
    return hit  # type: ignore[return-value]


def _date_order(text: str) -> tuple[str, int] | None:
    s = text.strip()
    tail = _TIME_TAIL.search(s)
    core = s[: tail.start()] if tail else s
    m = _SLASH.fullmatch(core)
    if m:
        sep, month, day = "/", int(m[1]), int(m[2])
    else:
        m = _DASH_DOT.fullmatch(core)
        if not m:
            return None
        sep, day, month = m[2], int(m[1]), int(m[3])
    if day == month or not (1 <= day <= 31 and 1 <= month <= 31):
        return None
    if day <= 12 and month <= 12:
        return sep, AMBIGUOUS
    if month <= 12:
        return sep, CONFIRMS
    if day <= 12:
        return sep, CONTRADICTS
    return None


def order_warning(where: str, sep: str, example: str, count: int, refused: int) -> str:
    """The warning for a column whose dates were all read by the default order."""
    year = example.strip().split(sep)[-1][:4].strip()
    y = "%Y" if len(year) == 4 else "%y"
    if sep == "/":
        used, other, fmt = "month-first (M/D/YYYY)", "day-first", f"%d/%m/{y}"
    else:
        used, other, fmt = f"day-first (DD{sep}MM{sep}YYYY)", "month-first", f"%m{sep}%d{sep}{y}"
    reading = parse_date(example)
    which = f"the date {example!r}" if count == 1 else f"{count:,} dates such as {example!r}"
    text = (
        f"{where}: {which} could be day-first or month-first, and no date in the column "
        f"decides it; they were read {used}, so {example!r} is {reading}. If the file writes "
        f"them {other}, import it again with --date-format '{fmt}' (ledger.date_format in "
        "the config)."
    )
    if refused:
        text += f" {refused:,} rows were refused because their dates only fit {other}."
    return text


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
