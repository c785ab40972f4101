"""One page of the HTTP ledger feed, read: its invoices as checked records, its payments, its
bad rows (by page and position, with the reason) and where the next page is.

The page is a JSON object (a body that is not is a malformed page, `MalformedPage`):

    {"invoices": [{"invoice_no": "INV-1", "customer": "C1", "customer_name": "...",
                   "issue_date": "2026-01-05", "due_date": "2026-02-04", "currency": "CNY",
                   "amount": "1200.00", "owner": "...", "segment": "...", "disputed": false,
                   "terms_days": 30, "description": "...", "contact_name": "王建国",
                   "contact_title": "总经理", "relationship_since": "2015-06-01",
                   "credit_limit": "500000", "interest_per_day": "0.05%"}, ...],
     "payments": [{"id": "PAY-9", "invoice_no": "INV-1", "amount": "200.00",
                   "currency": "CNY", "paid_on": "2026-03-10"}, ...],
     "next": "https://.../ledger?cursor=abc" | "abc" | null}

Invoices are read by the file importer's own row checks (storage.ledger_rows), so a feed row
and a CSV row are held to the same rules (limits, dates, currencies). An invoice here says
nothing about what was paid: payments only come as `payments`, each with its own id.
Amounts may be JSON numbers or strings; numbers are read as decimals, never floats.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from playbook.money import MoneyError, to_minor
from storage.ledger_amounts import parse_currency, parse_money
from storage.ledger_cell import ParseError
from storage.ledger_options import ImportOptions, ImportResult
from storage.ledger_parse import parse_date
from storage.ledger_rows import Record, RowReader, read_records
from storage.ledger_table import RowProblem, Table

INVOICE_FIELDS = (
    "invoice_no",
    "customer",
    "customer_name",
    "segment",
    "owner",
    "description",
    "issue_date",
    "due_date",
    "currency",
    "amount",
    "disputed",
    "terms_days",
    # Optional customer facts and the invoice's contract interest, as in a ledger file.
    "relationship_since",
    "contact_name",
    "contact_title",
    "credit_limit",
    "interest_per_day",
)
_REF_MAX = 120
_FIRST_DAY = date(1900, 1, 1)
# A JSON number beyond this many digits is no amount; its text is left to be refused.
_DIGITS_MAX = 30


class MalformedPage(ValueError):
    """The page cannot be read at all (not JSON, not the documented shape)."""


@dataclass(frozen=True)
class FeedProblem:
    page: int
    what: str  # "invoice", "payment" or "page"
    index: int | None  # 1-based position in the page's list; None for the page itself
    reason: str

    def line(self) -> str:
        where = f"page {self.page}"
        if self.index is not None:
            where += f", {self.what} {self.index}"
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class PaymentRow:
    index: int
    ref: str
    invoice_no: str
    amount: Decimal
    currency: str | None
    paid_on: date


@dataclass
class FeedPage:
    number: int
    invoices: list[Record] = field(default_factory=list)
    payments: list[PaymentRow] = field(default_factory=list)
    problems: list[FeedProblem] = field(default_factory=list)
    next: str | None = None
    rows: int = 0


def _cell(value: Any, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if value.is_finite() and abs(value.adjusted()) <= _DIGITS_MAX:
            return format(value, "f")
        return str(value)
    raise ParseError(f"{name} is a JSON {type(value).__name__}, not text or a number")


def _invoice_rows(items: list[Any]) -> Iterator[tuple[int, list[str]]]:
    for index, item in enumerate(items, 1):
        if not isinstance(item, dict):
            yield index, RowProblem([], "an invoice must be a JSON object")
            continue
        try:
            yield index, [_cell(item.get(name), name) for name in INVOICE_FIELDS]
        except ParseError as exc:
            yield index, RowProblem([], str(exc))


def _payment(index: int, item: Any, options: ImportOptions, today: date) -> PaymentRow:
    if not isinstance(item, dict):
        raise ParseError("a payment must be a JSON object")
    ref = _cell(item.get("id"), "id")
    if not ref:
        raise ParseError("id is blank (each payment needs the feed's own id)")
    if len(ref) > _REF_MAX:
        raise ParseError(f"id is longer than {_REF_MAX} characters")
    invoice_no = _cell(item.get("invoice_no"), "invoice_no")
    if not invoice_no:
        raise ParseError("invoice_no is blank")
    if len(invoice_no) > _REF_MAX:
        raise ParseError(f"invoice_no is longer than {_REF_MAX} characters")
    amount_text = _cell(item.get("amount"), "amount")
    if not amount_text:
        raise ParseError("amount is blank")
    try:
        amount, code, _symbol = parse_money(amount_text)
    except ParseError as exc:
        raise ParseError(f"amount: {exc}") from None
    if amount == 0:
        raise ParseError("amount is zero")
    if abs(amount) > options.max_amount:
        raise ParseError(f"amount is more than ledger.max_amount ({options.max_amount:,})")
    currency = parse_currency(_cell(item.get("currency"), "currency"))
    if code is not None and currency is not None and code != currency:
        raise ParseError(f"amount is in {code} but currency says {currency}")
    try:
        paid_on = parse_date(_cell(item.get("paid_on"), "paid_on"), "%Y-%m-%d")
    except ParseError as exc:
        raise ParseError(f"paid_on: {exc} (expected YYYY-MM-DD)") from None
    if paid_on is None:
        raise ParseError("paid_on is blank")
    if not _FIRST_DAY <= paid_on <= today:
        raise ParseError(f"paid_on {paid_on} is not a past day (today is {today})")
    return PaymentRow(index, ref, invoice_no, amount, currency or code, paid_on)


def _list(body: Mapping[str, Any], key: str) -> list[Any]:
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedPage(f'"{key}" is a JSON {type(value).__name__}, not a list')
    return value


def read_page(raw: bytes, number: int, options: ImportOptions, today: date) -> FeedPage:
    """Read one page's body; MalformedPage when it is not the documented JSON object."""
    try:
        body = json.loads(raw, parse_float=Decimal)
    except (ValueError, RecursionError) as exc:
        # ValueError covers bad JSON, bad UTF-8 and integers too long to convert.
        raise MalformedPage(f"not JSON ({str(exc)[:120]})") from None
    if not isinstance(body, dict):
        raise MalformedPage(f"a JSON {type(body).__name__}, not an object")
    if "invoices" not in body and "payments" not in body:
        raise MalformedPage('neither "invoices" nor "payments" in the page')
    invoices, payments = _list(body, "invoices"), _list(body, "payments")
    following = body.get("next")
    if following is not None and not isinstance(following, str):
        raise MalformedPage('"next" must be a text (a link or a cursor) or null')
    page = FeedPage(number, next=following.strip() or None if following else None)
    page.rows = len(invoices) + len(payments)
    if invoices:
        feed_options = replace(options, columns={}, date_format=None, shift_days=0)
        table = Table(list(INVOICE_FIELDS), _invoice_rows(invoices), None, None, 0)
        tally = ImportResult(file=f"page {number}")
        reader = RowReader(table.columns, feed_options)
        page.invoices = list(read_records(table, reader, tally, None))
        page.problems += [FeedProblem(number, "invoice", b.row, b.reason) for b in tally.bad]
    seen: set[str] = set()
    for index, item in enumerate(payments, 1):
        try:
            row = _payment(index, item, options, today)
        except ParseError as exc:
            page.problems.append(FeedProblem(number, "payment", index, str(exc)))
            continue
        if row.ref in seen:
            continue  # the same payment twice on a page is the same payment
        seen.add(row.ref)
        page.payments.append(row)
    return page


def minor_of(row: PaymentRow, currency: str) -> int:
    """The payment in the invoice's minor units (MoneyError: more decimals than it has)."""
    try:
        return to_minor(row.amount, currency)
    except MoneyError as exc:
        raise ParseError(f"amount: {exc}") from None
