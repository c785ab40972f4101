"""Parsing primitives for importing receivables ledgers exported by ERPs and spreadsheets.

Each parser turns one cell's text into a typed value or raises ParseError. The importer
shows the error as "row 17: <message>", so every message quotes the offending text and
says what was expected. The parsers live by kind (storage.ledger_dates, ledger_amounts,
ledger_files); this module has the small ones and is the one place to import them from.
"""

from __future__ import annotations

import re

from storage.ledger_amounts import parse_amount, parse_currency
from storage.ledger_cell import ParseError, few_values
from storage.ledger_cell import quote as _q
from storage.ledger_dates import parse_date
from storage.ledger_files import Table, read_table

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


@few_values
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
