"""Ledger import: an ERP export (CSV or XLSX) upserted into customers, invoices and payments.

The file is the source of truth for what it contains. Re-importing the same file changes
nothing; a changed amount or a new payment is applied and written to the audit trail. A bad
row is reported with its row number and reason, and the good rows still land. The whole
import is one transaction, so no row is ever half-applied; a dry run is the same import
rolled back at the end, which makes "what would change" exactly what would change.
"""

from __future__ import annotations

import hashlib
import time as _time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from playbook.money import MoneyError, from_minor, to_minor
from storage import audit
from storage.db import Database
from storage.ledger_parse import (
    ParseError,
    Table,
    parse_amount,
    parse_bool,
    parse_currency,
    parse_date,
    parse_terms,
    read_table,
)
from storage.models import Customer, Invoice, Payment

FIELDS: tuple[str, ...] = (
    "invoice_no",
    "customer",
    "customer_name",
    "issue_date",
    "due_date",
    "amount",
    "paid_amount",
    "outstanding",
    "settled_date",
    "disputed",
    "currency",
    "terms_days",
    "owner",
    "segment",
    "description",
)
REQUIRED = ("invoice_no", "customer", "amount")
SEGMENTS = {
    "important": "important",
    "key": "important",
    "vip": "important",
    "重要": "important",
    "normal": "normal",
    "regular": "normal",
    "普通": "normal",
    "一般": "normal",
    "problem": "problem",
    "blacklist": "problem",
    "问题": "problem",
    "黑名单": "problem",
}
_CHUNK = 2000

_inv = Invoice.__table__  # type: ignore[attr-defined]
_cus = Customer.__table__  # type: ignore[attr-defined]
_pay = Payment.__table__  # type: ignore[attr-defined]

Progress = Callable[[int, int], None]


class MappingError(ValueError):
    """The file cannot be imported at all (a mapped column is missing, a field is unknown)."""


@dataclass(frozen=True)
class ImportOptions:
    columns: Mapping[str, str] = field(default_factory=dict)
    date_format: str | None = None
    decimal_comma: bool = False
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    currency: str = "CNY"
    terms_days: int = 30
    # The sample ledger is shipped with fixed dates; shifting keeps the demo's overdue
    # items overdue by the same number of days whenever it is run.
    shift_days: int = 0
    actor: str = "import"


@dataclass(frozen=True)
class BadRow:
    row: int
    reason: str


@dataclass
class ImportResult:
    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    customers_created: int = 0
    payments_added: int = 0
    bad: list[BadRow] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    dry_run: bool = False
    seconds: float = 0.0

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged


def parse_map_arg(text: str) -> dict[str, str]:
    """`invoice_no=invoiceNumber,customer=customerID` → {field: column}."""
    mapping: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, column = part.partition("=")
        name, column = name.strip(), column.strip()
        if not sep or not name or not column:
            raise MappingError(f"--map: {part!r} is not field=column")
        if name not in FIELDS:
            raise MappingError(f"--map: unknown field {name!r} (fields: {', '.join(FIELDS)})")
        mapping[name] = column
    return mapping


def _norm(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


@dataclass(frozen=True)
class _Record:
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


class _RowReader:
    """Resolves the mapping against the header once, then turns cells into records."""

    def __init__(self, columns: Sequence[str], options: ImportOptions) -> None:
        self.options = options
        by_exact = {c: i for i, c in enumerate(columns)}
        by_norm: dict[str, int] = {}
        for i, c in enumerate(columns):
            by_norm.setdefault(_norm(c), i)
        self.index: dict[str, tuple[int, ...]] = {}
        for name, spec in options.columns.items():
            if name not in FIELDS:
                raise MappingError(f"unknown field {name!r} (fields: {', '.join(FIELDS)})")
            parts = [p.strip() for p in spec.split("+")] if "+" in spec else [spec.strip()]
            idx = []
            for part in parts:
                found = by_exact.get(part, by_norm.get(_norm(part)))
                if found is None:
                    raise MappingError(
                        f"{name}={spec}: no column {part!r} in the file "
                        f"(columns: {', '.join(columns)})"
                    )
                idx.append(found)
            self.index[name] = tuple(idx)
        for name in FIELDS:
            if name not in self.index and _norm(name) in by_norm:
                self.index[name] = (by_norm[_norm(name)],)
        missing = [f for f in REQUIRED if f not in self.index]
        if "issue_date" not in self.index and "due_date" not in self.index:
            missing.append("issue_date or due_date")
        if missing:
            raise MappingError(
                f"no column for {', '.join(missing)}: map it with --map field=column "
                f"(or ledger.columns in config); the file has: {', '.join(columns)}"
            )

    def mapped(self, name: str) -> bool:
        return name in self.index

    def _cell(self, cells: list[str], name: str) -> str:
        idx = self.index.get(name)
        if idx is None:
            return ""
        if len(idx) == 1:
            return cells[idx[0]].strip()
        return " / ".join(cells[i].strip() for i in idx if cells[i].strip())

    def record(self, row: int, cells: list[str]) -> _Record:
        opt = self.options
        get = self._cell
        invoice_no = get(cells, "invoice_no")
        if not invoice_no:
            raise ParseError("invoice number is blank")
        customer = get(cells, "customer")
        if not customer:
            raise ParseError("customer is blank")
        try:
            amount, amount_cur = parse_amount(get(cells, "amount"), decimal_comma=opt.decimal_comma)
        except ParseError as exc:
            raise ParseError(f"amount: {exc}") from None
        currency = None
        if self.mapped("currency"):
            try:
                currency = parse_currency(get(cells, "currency"))
            except ParseError as exc:
                raise ParseError(f"currency: {exc}") from None
        if currency and amount_cur and currency != amount_cur:
            raise ParseError(f"amount is in {amount_cur} but the currency column says {currency}")
        currency = currency or amount_cur or opt.currency

        issue = self._date(cells, "issue_date")
        due = self._date(cells, "due_date")
        terms = None
        if self.mapped("terms_days"):
            try:
                terms = parse_terms(get(cells, "terms_days"))
            except ParseError as exc:
                raise ParseError(f"terms: {exc}") from None
        if issue is None and due is None:
            raise ParseError("both issue date and due date are blank")
        days = terms if terms is not None else opt.terms_days
        if due is None:
            assert issue is not None
            due = issue + timedelta(days=days)
        if issue is None:
            issue = due - timedelta(days=days)
        if due < issue:
            raise ParseError(f"due date {due} is before issue date {issue}")
        settled = self._date(cells, "settled_date")
        if settled is not None and settled < issue:
            raise ParseError(f"settled date {settled} is before issue date {issue}")

        try:
            amount_minor = to_minor(amount, currency)
        except MoneyError as exc:
            raise ParseError(f"amount: {exc}") from None
        if amount_minor == 0:
            raise ParseError("amount is zero")
        paid_minor = self._paid(cells, amount, currency, settled)

        disputed = None
        if self.mapped("disputed"):
            try:
                disputed = parse_bool(get(cells, "disputed"))
            except ParseError as exc:
                raise ParseError(f"disputed: {exc}") from None
        segment = None
        if self.mapped("segment") and get(cells, "segment"):
            raw = get(cells, "segment")
            segment = SEGMENTS.get(raw.lower())
            if segment is None:
                raise ParseError(f"segment {raw!r} is not important, normal or problem")
        if opt.shift_days:
            shift = timedelta(days=opt.shift_days)
            issue, due = issue + shift, due + shift
            settled = settled + shift if settled else None
        return _Record(
            row=row,
            invoice_no=invoice_no[:120],
            customer=customer[:120],
            customer_name=(get(cells, "customer_name") or None)
            if self.mapped("customer_name")
            else None,
            segment=segment,
            owner=(get(cells, "owner") or None) if self.mapped("owner") else None,
            description=(get(cells, "description")[:500] or None)
            if self.mapped("description")
            else None,
            issue_date=issue,
            due_date=due,
            currency=currency,
            amount_minor=amount_minor,
            paid_minor=paid_minor,
            settled_date=settled,
            disputed=disputed,
            terms_days=terms,
        )

    def _date(self, cells: list[str], name: str) -> date | None:
        if not self.mapped(name):
            return None
        try:
            return parse_date(self._cell(cells, name), self.options.date_format)
        except ParseError as exc:
            raise ParseError(f"{name.replace('_', ' ')}: {exc}") from None

    def _paid(
        self, cells: list[str], amount: Decimal, currency: str, settled: date | None
    ) -> int | None:
        dc = self.options.decimal_comma

        def money(name: str) -> Decimal | None:
            text = self._cell(cells, name)
            if not text:
                return None
            try:
                value, _ = parse_amount(text, decimal_comma=dc)
            except ParseError as exc:
                raise ParseError(f"{name.replace('_', ' ')}: {exc}") from None
            return value

        paid = money("paid_amount") if self.mapped("paid_amount") else None
        outstanding = money("outstanding") if self.mapped("outstanding") else None
        if paid is not None and outstanding is not None and paid + outstanding != amount:
            raise ParseError(
                f"paid {paid} and outstanding {outstanding} do not add up to the amount {amount}"
            )
        if paid is None and outstanding is not None:
            paid = amount - outstanding
        if paid is None and settled is not None:
            paid = amount  # a settled date alone means settled in full
        if paid is None:
            mapped = any(self.mapped(f) for f in ("paid_amount", "outstanding", "settled_date"))
            return 0 if mapped else None
        if settled is not None and paid != amount:
            raise ParseError(f"settled on {settled} but paid {paid} of {amount}")
        try:
            return to_minor(paid, currency)
        except MoneyError as exc:
            raise ParseError(f"paid amount: {exc}") from None


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _fmt(minor: int, currency: str) -> str:
    return f"{from_minor(minor, currency)} {currency}"


class _Importer:
    def __init__(
        self,
        conn: Connection,
        result: ImportResult,
        options: ImportOptions,
        now: datetime,
        today: date,
        reader: _RowReader,
    ) -> None:
        self.conn = conn
        self.result = result
        self.options = options
        self.now = now
        self.today = today
        self.reader = reader
        self.customers: dict[str, tuple[int, str, str, str | None]] = {
            r.code: (r.id, r.name, r.segment, r.owner)
            for r in conn.execute(
                select(_cus.c.id, _cus.c.code, _cus.c.name, _cus.c.segment, _cus.c.owner)
            )
        }

    def note(self, text: str) -> None:
        if len(self.result.changes) < 500:
            self.result.changes.append(text)

    def audit(
        self, action: str, entity: str, entity_id: str | int, detail: Mapping[str, Any]
    ) -> None:
        audit.append(
            self.conn,
            at=self.now,
            actor=self.options.actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            detail=detail,
        )

    # -- customers ------------------------------------------------------------------------

    def ensure_customers(self, records: Sequence[_Record]) -> None:
        fresh: dict[str, dict[str, Any]] = {}
        for rec in records:
            known = self.customers.get(rec.customer)
            if known is None:
                if rec.customer not in fresh:
                    fresh[rec.customer] = {
                        "code": rec.customer,
                        "name": (rec.customer_name or rec.customer)[:300],
                        "segment": rec.segment or "normal",
                        "owner": rec.owner,
                        "on_hold": False,
                        "status": "active",
                        "created_at": self.now,
                        "updated_at": self.now,
                    }
                continue
            cid, name, segment, owner = known
            changes: dict[str, list[Any]] = {}
            if rec.customer_name and rec.customer_name != name:
                changes["name"] = [name, rec.customer_name]
            if rec.segment and rec.segment != segment:
                changes["segment"] = [segment, rec.segment]
            if changes:
                values = {k: v[1] for k, v in changes.items()}
                self.conn.execute(
                    _cus.update().where(_cus.c.id == cid).values(**values, updated_at=self.now)
                )
                self.customers[rec.customer] = (
                    cid,
                    values.get("name", name),
                    values.get("segment", segment),
                    owner,
                )
                self.audit(
                    "customer.update",
                    "customer",
                    rec.customer,
                    {"row": rec.row, "changes": changes},
                )
                self.note(
                    f"row {rec.row}: customer {rec.customer}: "
                    + ", ".join(f"{k} {v[0]} → {v[1]}" for k, v in changes.items())
                )
        if fresh:
            rows = list(fresh.values())
            ids = (
                self.conn.execute(
                    _cus.insert().returning(_cus.c.id, sort_by_parameter_order=True), rows
                )
                .scalars()
                .all()
            )
            for row, cid in zip(rows, ids, strict=True):
                self.customers[row["code"]] = (cid, row["name"], row["segment"], row["owner"])
            self.result.customers_created += len(rows)

    # -- invoices -------------------------------------------------------------------------

    def _payment_date(self, rec: _Record, outstanding: int) -> tuple[date, bool]:
        if outstanding == 0 and rec.settled_date is not None:
            return rec.settled_date, True
        return self.today, False

    def apply(self, records: Sequence[_Record]) -> None:
        self.ensure_customers(records)
        existing = {
            r.invoice_no: r
            for r in self.conn.execute(
                select(_inv).where(_inv.c.invoice_no.in_([r.invoice_no for r in records]))
            )
        }
        new_rows: list[dict[str, Any]] = []
        new_records: list[_Record] = []
        payments: list[dict[str, Any]] = []
        for rec in records:
            old = existing.get(rec.invoice_no)
            if old is None:
                new_rows.append(self._new_row(rec))
                new_records.append(rec)
            else:
                self._update(rec, old, payments)
        if new_rows:
            ids = (
                self.conn.execute(
                    _inv.insert().returning(_inv.c.id, sort_by_parameter_order=True), new_rows
                )
                .scalars()
                .all()
            )
            for rec, row, inv_id in zip(new_records, new_rows, ids, strict=True):
                if row["paid_minor"]:
                    paid_on, dated = self._payment_date(
                        rec, row["amount_minor"] - row["paid_minor"]
                    )
                    payments.append(self._payment(inv_id, paid_on, row["paid_minor"], dated))
            self.result.created += len(new_rows)
            if self.result.dry_run:
                for rec in new_records[: max(0, 500 - len(self.result.changes))]:
                    self.note(
                        f"row {rec.row}: new invoice {rec.invoice_no} "
                        f"{_fmt(rec.amount_minor, rec.currency)} for {rec.customer}"
                    )
        if payments:
            self.conn.execute(_pay.insert(), payments)
            self.result.payments_added += len(payments)

    def _payment(self, invoice_id: int, paid_on: date, minor: int, dated: bool) -> dict[str, Any]:
        return {
            "invoice_id": invoice_id,
            "paid_on": paid_on,
            "amount_minor": minor,
            "dated": dated,
            "source": "ledger",
            "created_at": self.now,
        }

    def _new_row(self, rec: _Record) -> dict[str, Any]:
        paid = rec.paid_minor or 0
        outstanding = rec.amount_minor - paid
        settled = None
        if outstanding == 0:
            settled = rec.settled_date or self.today
        cust = self.customers[rec.customer]
        return {
            "invoice_no": rec.invoice_no,
            "customer_id": cust[0],
            "issue_date": rec.issue_date,
            "due_date": rec.due_date,
            "currency": rec.currency,
            "amount_minor": rec.amount_minor,
            "paid_minor": paid,
            "settled_date": settled,
            "status": "paid" if outstanding == 0 else "open",
            "disputed": bool(rec.disputed),
            "terms_days": rec.terms_days,
            "owner": rec.owner or cust[3],
            "description": rec.description,
            "source": self.result.file[:300],
            "created_at": self.now,
            "updated_at": self.now,
        }

    def _update(self, rec: _Record, old: Any, payments: list[dict[str, Any]]) -> None:
        target: dict[str, Any] = {
            "customer_id": self.customers[rec.customer][0],
            "issue_date": rec.issue_date,
            "due_date": rec.due_date,
            "currency": rec.currency,
            "amount_minor": rec.amount_minor,
        }
        # Columns the file does not have leave what the bot knows alone (a dispute raised
        # in chat must survive a re-import of an export without a disputed column).
        if rec.disputed is not None:
            target["disputed"] = rec.disputed
        if rec.terms_days is not None:
            target["terms_days"] = rec.terms_days
        if rec.owner is not None:
            target["owner"] = rec.owner
        if rec.description is not None:
            target["description"] = rec.description
        paid = old.paid_minor if rec.paid_minor is None else rec.paid_minor
        target["paid_minor"] = paid
        outstanding = rec.amount_minor - paid
        if outstanding == 0:
            target["settled_date"] = rec.settled_date or old.settled_date or self.today
            target["status"] = "paid"
        else:
            target["settled_date"] = None
            target["status"] = "written_off" if old.status == "written_off" else "open"
        changes = {k: [old._mapping[k], v] for k, v in target.items() if old._mapping[k] != v}
        if not changes:
            self.result.unchanged += 1
            return
        delta = paid - old.paid_minor
        detail: dict[str, Any] = {
            "invoice_no": rec.invoice_no,
            "row": rec.row,
            "file": self.result.file,
            "changes": changes,
        }
        if delta:
            paid_on, dated = self._payment_date(rec, outstanding)
            payments.append(self._payment(old.id, paid_on, delta, dated))
            detail["payment"] = {
                "amount_minor": delta,
                "currency": rec.currency,
                "paid_on": paid_on,
                "dated": dated,
            }
        self.conn.execute(
            _inv.update().where(_inv.c.id == old.id).values(**target, updated_at=self.now)
        )
        self.audit("invoice.update", "invoice", rec.invoice_no, detail)
        self.result.updated += 1
        parts = []
        for k, (a, b) in changes.items():
            if k in ("amount_minor", "paid_minor"):
                a, b = _fmt(a, rec.currency), _fmt(b, rec.currency)
            parts.append(f"{k.removesuffix('_minor')} {a} → {b}")
        self.note(f"row {rec.row}: {rec.invoice_no}: " + ", ".join(parts))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _records(
    table: Table, reader: _RowReader, result: ImportResult, progress: Progress | None
) -> Iterator[_Record]:
    seen: dict[str, int] = {}
    for n, (row, cells) in enumerate(table.rows, 1):
        result.rows += 1
        if progress is not None and n % 5000 == 0:
            progress(table.bytes_read(), table.size_bytes)
        try:
            rec = reader.record(row, cells)
        except ParseError as exc:
            result.bad.append(BadRow(row, str(exc)))
            continue
        first = seen.get(rec.invoice_no)
        if first is not None:
            result.bad.append(
                BadRow(row, f"invoice {rec.invoice_no} already appears on row {first}")
            )
            continue
        seen[rec.invoice_no] = row
        yield rec


def import_ledger(
    db: Database,
    path: Path,
    options: ImportOptions,
    *,
    now: datetime,
    today: date,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import one file. Raises ParseError (unreadable file) or MappingError (bad mapping)."""
    started = _time.perf_counter()
    table = read_table(
        path, encoding=options.encoding, delimiter=options.delimiter, sheet=options.sheet
    )
    reader = _RowReader(table.columns, options)
    result = ImportResult(file=path.name, dry_run=dry_run)
    with db.engine.connect() as conn:
        trans = conn.begin()
        try:
            importer = _Importer(conn, result, options, now, today, reader)
            for chunk in _batched(_records(table, reader, result, progress), _CHUNK):
                importer.apply(chunk)
            if not dry_run:
                importer.audit(
                    "ledger.import",
                    "ledger",
                    path.name,
                    {
                        "sha256": _sha256(path),
                        "rows": result.rows,
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                        "bad": len(result.bad),
                        "payments": result.payments_added,
                    },
                )
        except BaseException:
            trans.rollback()
            raise
        if dry_run:
            trans.rollback()
        else:
            trans.commit()
    if progress is not None:
        progress(table.size_bytes, table.size_bytes)
    result.seconds = _time.perf_counter() - started
    return result
