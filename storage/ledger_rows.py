"""Ledger rows into records: the mapping resolved once, then every cell checked, row by row.

A row either becomes a `Record` whose every figure is safe to store and to sum, or a
`BadRow` with its reason and its original cells; nothing a cell holds can stop the rows
after it. What is an error and what a warning is set out in storage.ledger_options.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import NamedTuple

from playbook.cleantext import clean_text
from playbook.currencies import SYMBOL_CURRENCIES, currency_problem
from playbook.money import MoneyError, to_minor
from storage.ledger_amounts import parse_currency, parse_money
from storage.ledger_cell import ParseError
from storage.ledger_cell import quote as _q
from storage.ledger_checks import DATE_FIELDS, DateOrder, check_outstanding, check_paid
from storage.ledger_facts import customer_cells
from storage.ledger_files import RowProblem, Table
from storage.ledger_options import (
    FIELDS,
    LABELS,
    MAX_AMOUNT_CEILING,
    SEGMENTS,
    BadRow,
    ImportOptions,
    ImportResult,
    MappingError,
    resolve_columns,
)
from storage.ledger_parse import parse_bool, parse_date, parse_terms
from storage.sheets import XLSX_CELL_MAX

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

# The longest cell each field takes: keys as long as their database columns (cutting one
# short could merge two invoices), names and notes are cut to fit instead, anything else
# (dates, amounts, flags) is a short value. Past these a cell is a bad row.
_KEY_MAX = {"invoice_no": 120, "customer": 120, "owner": 80}
_TEXT_FIELDS = frozenset({"customer_name", "description", "contact_name", "contact_title"})
_SHORT_MAX = 100
# Rows whose mapped cells add up to more than this get every cell measured; below it only
# the keys can be too long for their columns, and the parsers cope with the rest.
_ROW_CHECK = 2000
_TEXT_CUT = {"customer_name": 300, "description": 500, "contact_name": 80, "contact_title": 40}
_SYMBOL_NAMES = {"$": "a dollar or peso sign ($)", "¥": "a yuan or yen sign (¥)"}
_UNEXPECTED = (
    "this row could not be read (an unexpected error, logged for the administrator as "
    "'ledger row {row}'); check its cells, and report it if they look right"
)


class Record(NamedTuple):
    row: int
    invoice_no: str
    customer: str
    customer_name: str | None
    segment: str | None
    owner: str | None
    description: str | None
    issue_date: date
    due_date: date
    currency: str
    amount_minor: int
    paid_minor: int | None  # None: the file says nothing about payments
    settled_date: date | None
    disputed: bool | None
    terms_days: int | None
    # Customer facts (None: the row does not say); the credit limit is in the row's currency.
    relationship_since: date | None = None
    contact_name: str | None = None
    contact_title: str | None = None
    credit_limit_minor: int | None = None
    interest_per_day: Decimal | None = None


_ZERO = Decimal(0)
# Outside these a date is a typo (0001-01-01, 9999-12-31), and date arithmetic near the ends
# of the calendar would fail; the sample ledger's shift stays far inside them.
_FIRST_DAY = date(1900, 1, 1)
_LAST_DAY = date(2199, 12, 31)


def _labelled(name: str, exc: Exception) -> ParseError:
    return ParseError(f"{name}: {exc}")


class RowReader:
    """Resolves the mapping against the header once, then turns cells into records.

    `record` runs once per ledger row (millions on a big export), so every lookup that does
    not depend on the row is done here, in the constructor.
    """

    def __init__(self, columns: Sequence[str], options: ImportOptions) -> None:
        self.options = options
        problem = currency_problem(options.currency)
        if problem is not None:
            raise MappingError(
                f"the default currency {options.currency!r} (--currency or ledger.currency) "
                f"cannot be used: {problem}"
            )
        if not 0 < options.max_amount <= MAX_AMOUNT_CEILING:
            raise MappingError(
                f"ledger.max_amount {options.max_amount} must be above 0 and at most "
                f"{MAX_AMOUNT_CEILING:,}"
            )
        self.max_amount = options.max_amount
        self.min_amount = -options.max_amount
        index = resolve_columns(columns, options.columns)
        self.mapped = frozenset(index)
        self.has_payments = bool(self.mapped & {"paid_amount", "outstanding", "settled_date"})
        self.shift = timedelta(days=options.shift_days) if options.shift_days else None
        self.order = DateOrder(
            {
                f: f"{LABELS[f]} (column {' + '.join(repr(columns[i]) for i in index[f])})"
                for f in DATE_FIELDS
                if f in index
            }
            if options.date_format is None
            else {}
        )
        # One C-level itemgetter fetches every field's text per row. Cells are copied to the
        # header's width, then composite keys (columns joined with +) and one blank cell, for
        # unmapped fields, are appended behind them.
        self.width = len(columns)
        self.composites = [index[f] for f in FIELDS if len(index.get(f, ())) > 1]
        blank = self.width + len(self.composites)
        positions: list[int] = []
        k = 0
        for f in FIELDS:
            where = index.get(f, ())
            if len(where) == 1:
                positions.append(where[0])
            elif where:
                positions.append(self.width + k)
                k += 1
            else:
                positions.append(blank)
        self.fetch = itemgetter(*positions)

    def warnings(self) -> list[str]:
        return self.order.warnings()

    def _check_lengths(self, fields: Sequence[str]) -> None:
        for name, text in zip(FIELDS, fields, strict=True):
            most = _KEY_MAX.get(name, XLSX_CELL_MAX if name in _TEXT_FIELDS else _SHORT_MAX)
            if len(text) > most:
                what = "a spreadsheet cell holds" if most == XLSX_CELL_MAX else "it can have"
                raise ParseError(
                    f"{LABELS[name]}: {_q(text)} is {len(text):,} characters long, more "
                    f"than the {most:,} {what}"
                )

    def _amount(self, label: str, text: str, currency: str | None) -> Decimal:
        """A paid or outstanding figure: in the row's currency and within the limit."""
        try:
            value, code, symbol = parse_money(text, decimal_comma=self.options.decimal_comma)
        except ParseError as exc:
            raise _labelled(label, exc) from None
        if not self.min_amount <= value <= self.max_amount:
            self._too_big(label, text)
        if currency is not None and (code is not None or symbol is not None):
            if code is not None and code != currency:
                raise ParseError(f"{label} {_q(text)} is in {code} but the row is in {currency}")
            if symbol is not None and currency not in SYMBOL_CURRENCIES[symbol]:
                raise ParseError(
                    f"{label} {_q(text)} has {_SYMBOL_NAMES[symbol]}, which {currency} does not use"
                )
        return value

    def _too_big(self, label: str, text: str) -> None:
        raise ParseError(
            f"{label} {_q(text)} is more than ledger.max_amount ({self.max_amount:,}), "
            "the most one invoice may be; fix the figure, or raise the limit in the config"
        )

    def record(self, row: int, cells: list[str]) -> Record:
        opt = self.options
        mapped = self.mapped
        values = cells[: self.width]
        for idx in self.composites:
            values.append(" / ".join(cells[i] for i in idx if cells[i]))
        values.append("")
        fields = self.fetch(values)
        joined = "".join(fields)
        if len(joined) > _ROW_CHECK:
            self._check_lengths(fields)
        (
            invoice_no,
            customer,
            customer_name,
            issue_text,
            due_text,
            amount_text,
            paid_text,
            outstanding_text,
            settled_text,
            disputed_text,
            currency_text,
            terms_text,
            owner,
            segment_text,
            description,
            since_text,
            contact_name,
            contact_title,
            limit_text,
            rate_text,
        ) = fields
        order = self.order
        if order.active:
            texts = order.texts
            texts["issue_date"][issue_text] = None
            texts["due_date"][due_text] = None
            texts["settled_date"][settled_text] = None
            if not row & 4095:
                order.judge()
        if not invoice_no:
            raise ParseError("invoice number is blank")
        if not customer:
            raise ParseError("customer is blank")
        if len(invoice_no) > 120 or len(customer) > 120 or len(owner) > 80:
            self._check_lengths(fields)
        if "\x00" in joined:
            raise ParseError(
                "a text cell holds a NUL character (\\x00), which is not text; "
                "remove it and import the row again"
            )
        dc = opt.decimal_comma
        try:
            amount, amount_cur, symbol = parse_money(amount_text, decimal_comma=dc)
        except ParseError as exc:
            raise _labelled("amount", exc) from None
        if not self.min_amount <= amount <= self.max_amount:
            self._too_big("amount", amount_text)
        column_cur = None
        if "currency" in mapped:
            try:
                column_cur = parse_currency(currency_text)
            except ParseError as exc:
                raise _labelled("currency", exc) from None
        if column_cur and amount_cur and column_cur != amount_cur:
            raise ParseError(f"amount is in {amount_cur} but the currency column says {column_cur}")
        currency = column_cur or amount_cur or opt.currency
        if symbol is not None and currency not in SYMBOL_CURRENCIES[symbol]:
            says = (
                f"the currency column says {currency}"
                if column_cur
                else f"the row names no currency and the default is {currency} "
                "(--currency or ledger.currency)"
            )
            raise ParseError(f"amount {_q(amount_text)} has {_SYMBOL_NAMES[symbol]}, but {says}")

        fmt = opt.date_format
        try:
            issue = parse_date(issue_text, fmt)
        except ParseError as exc:
            raise _labelled("issue date", exc) from None
        try:
            due = parse_date(due_text, fmt)
        except ParseError as exc:
            raise _labelled("due date", exc) from None
        try:
            settled = parse_date(settled_text, fmt)
        except ParseError as exc:
            raise _labelled("settled date", exc) from None
        terms = None
        if terms_text:
            try:
                terms = parse_terms(terms_text)
            except ParseError as exc:
                raise _labelled("terms", exc) from None
        if issue is None or due is None:
            days = timedelta(days=terms if terms is not None else opt.terms_days)
            if issue is not None:
                due = issue + days if issue <= _LAST_DAY else issue
            elif due is not None:
                issue = due - days if due >= _FIRST_DAY else due
            else:
                raise ParseError("both issue date and due date are blank")
        for label, day in (("issue date", issue), ("due date", due), ("settled date", settled)):
            if day is not None and not _FIRST_DAY <= day <= _LAST_DAY:
                raise ParseError(
                    f"{label} {day} is not a plausible ledger date (expected {_FIRST_DAY.year} "
                    f"to {_LAST_DAY.year})"
                )
        if due < issue:
            raise ParseError(f"due date {due} is before issue date {issue}")
        if settled is not None and settled < issue:
            raise ParseError(f"settled date {settled} is before issue date {issue}")

        try:
            amount_minor = to_minor(amount, currency)
        except MoneyError as exc:
            raise _labelled("amount", exc) from None
        if amount_minor == 0:
            raise ParseError("amount is zero")

        paid_minor = None
        if self.has_payments:
            paid_minor = self._paid(
                amount, currency, paid_text, outstanding_text, settled, amount_text
            )

        disputed = None
        if "disputed" in mapped:
            try:
                disputed = parse_bool(disputed_text)
            except ParseError as exc:
                raise _labelled("disputed", exc) from None
        segment = None
        if segment_text:
            segment = SEGMENTS.get(segment_text.lower())
            if segment is None:
                raise ParseError(f"segment {segment_text!r} is not important, normal or problem")
        since = credit_limit = rate = None
        if since_text or limit_text or rate_text:
            since, credit_limit, rate = customer_cells(
                self._amount, opt.date_format, since_text, limit_text, rate_text, currency
            )
        if self.shift is not None:
            issue, due = issue + self.shift, due + self.shift
            settled = settled + self.shift if settled else None
            since = since + self.shift if since else None
        return Record(
            row,
            invoice_no,
            customer,
            customer_name[: _TEXT_CUT["customer_name"]] or None,
            segment,
            owner or None,
            description[: _TEXT_CUT["description"]] or None,
            issue,
            due,
            currency,
            amount_minor,
            paid_minor,
            settled,
            disputed,
            terms,
            since,
            clean_text(contact_name, _TEXT_CUT["contact_name"]) or None if contact_name else None,
            clean_text(contact_title, _TEXT_CUT["contact_title"]) or None
            if contact_title
            else None,
            credit_limit,
            rate,
        )

    def _paid(
        self,
        amount: Decimal,
        currency: str,
        paid_text: str,
        outstanding_text: str,
        settled: date | None,
        amount_text: str,
    ) -> int:
        # The file says what was paid: a figure, an outstanding balance, or a settled date
        # (settled in full); none of them on a row means nothing paid yet.
        paid = self._amount("paid amount", paid_text, currency) if paid_text else None
        outstanding = (
            self._amount("outstanding", outstanding_text, currency) if outstanding_text else None
        )
        if paid is not None and outstanding is not None and paid + outstanding != amount:
            raise ParseError(
                f"paid {paid} and outstanding {outstanding} do not add up to the amount {amount}"
            )
        if paid is None:
            if outstanding is not None:
                if not 0 <= outstanding <= amount:
                    check_outstanding(outstanding, amount)
                paid = amount - outstanding
            else:
                paid = amount if settled is not None else _ZERO
        else:
            check_paid(paid, amount)
        if settled is not None and paid != amount:
            raise ParseError(f"settled on {settled} but paid {paid} of {amount}")
        try:
            return to_minor(paid, currency)
        except MoneyError as exc:
            raise _labelled("paid amount", exc) from None


def _bad(row: int, reason: str, cells: Sequence[str]) -> BadRow:
    return BadRow(row, reason, tuple(c[:XLSX_CELL_MAX] for c in cells))


def read_records(
    table: Table, reader: RowReader, result: ImportResult, progress: Progress | None
) -> Iterator[Record]:
    """The table's good rows as records; bad ones and warnings go into `result`."""
    seen: dict[str, int] = {}
    bad = result.bad
    record = reader.record
    for n, (row, cells) in enumerate(table.rows, 1):
        result.rows += 1
        if progress is not None and n % 5000 == 0:
            progress(table.bytes_read(), table.size_bytes)
        if cells.__class__ is RowProblem:
            bad.append(_bad(row, cells.reason, cells))
            continue
        try:
            rec = record(row, cells)
        except ParseError as exc:
            bad.append(_bad(row, str(exc), cells))
            continue
        except (OSError, MemoryError):
            raise  # the file or the machine failed, not this row
        except Exception as exc:
            # No cell may stop the rows after it; what it was is for the log (the traceback
            # at DEBUG, so a command line shows one line, not a crash).
            log.error("ledger row %d could not be read: %s: %s", row, type(exc).__name__, exc)
            log.debug("ledger row %d", row, exc_info=True)
            bad.append(_bad(row, _UNEXPECTED.format(row=row), cells))
            continue
        first = seen.get(rec.invoice_no)
        if first is not None:
            bad.append(_bad(row, f"invoice {rec.invoice_no} already appears on row {first}", cells))
            continue
        seen[rec.invoice_no] = row
        yield rec
    result.warnings.extend(reader.warnings())
