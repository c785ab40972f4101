"""Ledger import: an ERP export (CSV or XLSX) upserted into customers, invoices and payments.

The file is the source of truth for what it contains. Re-importing the same file changes
nothing; a changed amount or a new payment is applied and written to the audit trail. A bad
row is reported with its row number and reason, and the good rows still land. The whole
import is one transaction, so no row is ever half-applied; a dry run is the same import
rolled back at the end, which makes "what would change" exactly what would change.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import subprocess
import sys
import time as _time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from sqlalchemy import Connection, select

from playbook.money import MoneyError, from_minor, to_minor
from storage import audit
from storage.bulk import BulkInsert, DeferredIndexes, Ids, write_lock
from storage.db import SQLITE_CACHE_SIZE, Database
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
# Above this size a first import into an empty SQLite ledger builds its indexes at the end.
_BULK_BYTES = 4 << 20
_IMPORT_CACHE_KIB = 256 * 1024  # 256 MiB, only while a big file is imported
_CUSTOMER_COLS = ("id", "code", "name", "segment", "owner")
_INVOICE_COLS = (
    "id",
    "invoice_no",
    "customer_id",
    "issue_date",
    "due_date",
    "currency",
    "amount_minor",
    "paid_minor",
    "settled_date",
    "status",
    "disputed",
    "terms_days",
    "owner",
    "description",
)
_PAYMENT_COLS = ("invoice_id", "paid_on", "amount_minor", "dated")

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


class _Record(NamedTuple):
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


_ZERO = Decimal(0)


def _labelled(name: str, exc: ParseError) -> ParseError:
    return ParseError(f"{name}: {exc}")


class _RowReader:
    """Resolves the mapping against the header once, then turns cells into records.

    `record` runs once per ledger row (millions on a big export), so every lookup that does
    not depend on the row is done here, in the constructor.
    """

    def __init__(self, columns: Sequence[str], options: ImportOptions) -> None:
        self.options = options
        by_exact = {c: i for i, c in enumerate(columns)}
        by_norm: dict[str, int] = {}
        for i, c in enumerate(columns):
            by_norm.setdefault(_norm(c), i)
        index: dict[str, tuple[int, ...]] = {}
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
            index[name] = tuple(idx)
        for name in FIELDS:
            if name not in index and _norm(name) in by_norm:
                index[name] = (by_norm[_norm(name)],)
        missing = [f for f in REQUIRED if f not in index]
        if "issue_date" not in index and "due_date" not in index:
            missing.append("issue_date or due_date")
        if missing:
            raise MappingError(
                f"no column for {', '.join(missing)}: map it with --map field=column "
                f"(or ledger.columns in config); the file has: {', '.join(columns)}"
            )
        self.mapped = frozenset(index)
        self.has_payments = bool(self.mapped & {"paid_amount", "outstanding", "settled_date"})
        self.shift = timedelta(days=options.shift_days) if options.shift_days else None
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

    def record(self, row: int, cells: list[str]) -> _Record:
        opt = self.options
        mapped = self.mapped
        values = cells[: self.width]
        for idx in self.composites:
            values.append(" / ".join(cells[i] for i in idx if cells[i]))
        values.append("")
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
        ) = self.fetch(values)
        if not invoice_no:
            raise ParseError("invoice number is blank")
        if not customer:
            raise ParseError("customer is blank")
        dc = opt.decimal_comma
        try:
            amount, amount_cur = parse_amount(amount_text, decimal_comma=dc)
        except ParseError as exc:
            raise _labelled("amount", exc) from None
        currency = None
        if "currency" in mapped:
            try:
                currency = parse_currency(currency_text)
            except ParseError as exc:
                raise _labelled("currency", exc) from None
        if currency and amount_cur and currency != amount_cur:
            raise ParseError(f"amount is in {amount_cur} but the currency column says {currency}")
        currency = currency or amount_cur or opt.currency

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
                due = issue + days
            elif due is not None:
                issue = due - days
            else:
                raise ParseError("both issue date and due date are blank")
        if due < issue:
            raise ParseError(f"due date {due} is before issue date {issue}")
        if settled is not None and settled < issue:
            raise ParseError(f"settled date {settled} is before issue date {issue}")

        try:
            amount_minor = to_minor(amount, currency)
        except MoneyError as exc:
            raise _labelled("amount", ParseError(str(exc))) from None
        if amount_minor == 0:
            raise ParseError("amount is zero")

        paid_minor = None
        if self.has_payments:
            # The file says what was paid: a figure, an outstanding balance, or a settled date
            # (settled in full); none of them on a row means nothing paid yet.
            paid = outstanding = None
            try:
                if paid_text:
                    paid = parse_amount(paid_text, decimal_comma=dc)[0]
            except ParseError as exc:
                raise _labelled("paid amount", exc) from None
            try:
                if outstanding_text:
                    outstanding = parse_amount(outstanding_text, decimal_comma=dc)[0]
            except ParseError as exc:
                raise _labelled("outstanding", exc) from None
            if paid is not None and outstanding is not None and paid + outstanding != amount:
                raise ParseError(
                    f"paid {paid} and outstanding {outstanding} do not add up to the amount "
                    f"{amount}"
                )
            if paid is None:
                if outstanding is not None:
                    paid = amount - outstanding
                else:
                    paid = amount if settled is not None else _ZERO
            if settled is not None and paid != amount:
                raise ParseError(f"settled on {settled} but paid {paid} of {amount}")
            try:
                paid_minor = to_minor(paid, currency)
            except MoneyError as exc:
                raise _labelled("paid amount", ParseError(str(exc))) from None

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
        if self.shift is not None:
            issue, due = issue + self.shift, due + self.shift
            settled = settled + self.shift if settled else None
        return _Record(
            row,
            invoice_no[:120],
            customer[:120],
            customer_name or None,
            segment,
            owner or None,
            description[:500] or None,
            issue,
            due,
            currency,
            amount_minor,
            paid_minor,
            settled,
            disputed,
            terms,
        )


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
        # code → (id, name, segment, owner)
        self.customers: dict[str, tuple[int, str, str, str | None]] = {
            r.code: (r.id, r.name, r.segment, r.owner)
            for r in conn.execute(
                select(_cus.c.id, _cus.c.code, _cus.c.name, _cus.c.segment, _cus.c.owner)
            )
        }
        # Into an empty ledger every row is new: no need to look for the invoice first.
        self.empty = conn.execute(select(_inv.c.id).limit(1)).first() is None
        self.insert_customers = BulkInsert(
            conn,
            _cus,
            _CUSTOMER_COLS,
            constants={"on_hold": False, "status": "active", "created_at": now, "updated_at": now},
        )
        self.insert_invoices = BulkInsert(
            conn,
            _inv,
            _INVOICE_COLS,
            constants={"source": result.file[:300], "created_at": now, "updated_at": now},
        )
        self.insert_payments = BulkInsert(
            conn, _pay, _PAYMENT_COLS, constants={"source": "ledger", "created_at": now}
        )
        self.customer_ids = Ids(conn, _cus)
        self.invoice_ids = Ids(conn, _inv)

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
        fresh: dict[str, tuple[str, str, str | None]] = {}
        for rec in records:
            known = self.customers.get(rec.customer)
            if known is None:
                if rec.customer not in fresh:
                    fresh[rec.customer] = (
                        (rec.customer_name or rec.customer)[:300],
                        rec.segment or "normal",
                        rec.owner,
                    )
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
                    _cus.update()
                    .where(_cus.c.code == rec.customer)
                    .values(**values, updated_at=self.now)
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
            ids = self.customer_ids.take(len(fresh))
            rows = [
                (cid, code, *rest) for cid, (code, rest) in zip(ids, fresh.items(), strict=True)
            ]
            self.insert_customers.run(rows)
            for cid, code, name, segment, owner in rows:
                self.customers[code] = (cid, name, segment, owner)
            self.result.customers_created += len(fresh)

    # -- invoices -------------------------------------------------------------------------

    def _payment_date(self, rec: _Record, outstanding: int) -> tuple[date, bool]:
        if outstanding == 0 and rec.settled_date is not None:
            return rec.settled_date, True
        return self.today, False

    def apply(self, records: Sequence[_Record]) -> None:
        self.ensure_customers(records)
        existing = (
            {}
            if self.empty
            else {
                r.invoice_no: r
                for r in self.conn.execute(
                    select(_inv).where(_inv.c.invoice_no.in_([r.invoice_no for r in records]))
                )
            }
        )
        new_rows: list[tuple[Any, ...]] = []
        new_records: list[_Record] = []
        payments: list[tuple[Any, ...]] = []
        for rec in records:
            old = existing.get(rec.invoice_no)
            if old is None:
                new_rows.append(self._new_row(rec))
                new_records.append(rec)
            else:
                self._update(rec, old, payments)
        if new_rows:
            ids = self.invoice_ids.take(len(new_rows))
            self.insert_invoices.run(
                [(inv_id, *row) for inv_id, row in zip(ids, new_rows, strict=True)]
            )
            for rec, inv_id in zip(new_records, ids, strict=True):
                if rec.paid_minor:
                    paid_on, dated = self._payment_date(rec, rec.amount_minor - rec.paid_minor)
                    payments.append((inv_id, paid_on, rec.paid_minor, dated))
            self.result.created += len(new_rows)
            if self.result.dry_run:
                for rec in new_records[: max(0, 500 - len(self.result.changes))]:
                    self.note(
                        f"row {rec.row}: new invoice {rec.invoice_no} "
                        f"{_fmt(rec.amount_minor, rec.currency)} for {rec.customer}"
                    )
        if payments:
            self.insert_payments.run(payments)
            self.result.payments_added += len(payments)

    def _new_row(self, rec: _Record) -> tuple[Any, ...]:
        paid = rec.paid_minor or 0
        outstanding = rec.amount_minor - paid
        settled = None
        if outstanding == 0:
            settled = rec.settled_date or self.today
        cust = self.customers[rec.customer]
        return (
            rec.invoice_no,
            cust[0],
            rec.issue_date,
            rec.due_date,
            rec.currency,
            rec.amount_minor,
            paid,
            settled,
            "open" if outstanding else "paid",
            bool(rec.disputed),
            rec.terms_days,
            rec.owner or cust[3],
            rec.description,
        )

    def _update(self, rec: _Record, old: Any, payments: list[tuple[Any, ...]]) -> None:
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
            payments.append((old.id, paid_on, delta, dated))
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


def file_sha256(path: Path) -> str:
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


class _InlineReader:
    """Parses chunk by chunk in the importing thread: small files, no start-up cost."""

    def __init__(
        self, table: Table, reader: _RowReader, result: ImportResult, progress: Progress | None
    ) -> None:
        self._records = _records(table, reader, result, progress)

    def chunks(self) -> Iterator[list[_Record]]:
        return _batched(self._records, _CHUNK)

    def close(self) -> None:
        pass


def _send(out: BinaryIO, message: tuple[str, int, Any]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(len(data).to_bytes(8, "little"))
    out.write(data)


def child_main() -> None:
    """The reader process: read and check every row, send the records in chunks.

    Reads (path, options) as a pickle on stdin; writes length-prefixed pickles on stdout:
    ("chunk", bytes read, [tuple, ...]) ..., then ("done", size, (rows, bad rows)) or
    ("error", 0, exception).
    """
    out = sys.stdout.buffer
    try:
        path, options = pickle.load(sys.stdin.buffer)
        table = read_table(
            path, encoding=options.encoding, delimiter=options.delimiter, sheet=options.sheet
        )
        reader = _RowReader(table.columns, options)
        tally = ImportResult(file=path.name)
        for chunk in _batched(_records(table, reader, tally, None), _CHUNK):
            # Plain tuples pickle five times faster than named ones.
            _send(out, ("chunk", table.bytes_read(), [tuple(r) for r in chunk]))
        _send(out, ("done", table.size_bytes, (tally.rows, tally.bad)))
    except BaseException as exc:
        try:
            _send(out, ("error", 0, exc))
        except Exception:
            _send(out, ("error", 0, RuntimeError(f"{type(exc).__name__}: {exc}")))
    out.flush()


class _ProcessReader:
    """Parses in a child process while this one writes the previous chunk to the database.

    Parsing and writing each take about half of a big import; with two cores they overlap.
    Threads would not: the parser would hold the GIL whenever the driver wants it back. A
    plain subprocess rather than multiprocessing, which would re-run the caller's __main__.
    """

    def __init__(
        self,
        path: Path,
        options: ImportOptions,
        result: ImportResult,
        progress: Progress | None,
        total_bytes: int,
    ) -> None:
        self._result = result
        self._progress = progress
        self._total = total_bytes
        root = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self._proc = subprocess.Popen(
            [sys.executable, "-c", "from storage.ledger import child_main; child_main()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(pickle.dumps((path, options)))
        self._proc.stdin.close()
        self._out = self._proc.stdout

    def _receive(self) -> tuple[str, int, Any]:
        head = self._out.read(8)
        if len(head) < 8:
            raise RuntimeError("the ledger reader process stopped unexpectedly")
        size = int.from_bytes(head, "little")
        data = self._out.read(size)
        if len(data) < size:
            raise RuntimeError("the ledger reader process stopped unexpectedly")
        message: tuple[str, int, Any] = pickle.loads(data)
        return message

    def chunks(self) -> Iterator[list[_Record]]:
        make = _Record._make
        while True:
            kind, done_bytes, payload = self._receive()
            if kind == "error":
                raise payload
            if self._progress is not None:
                self._progress(min(done_bytes, self._total), self._total)
            if kind == "done":
                self._result.rows, self._result.bad = payload
                return
            yield [make(t) for t in payload]

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait(timeout=10)
        self._out.close()


def import_ledger(
    db: Database,
    path: Path,
    options: ImportOptions,
    *,
    now: datetime,
    today: date,
    dry_run: bool = False,
    progress: Progress | None = None,
    sha256: str | None = None,
) -> ImportResult:
    """Import one file. Raises ParseError (unreadable file) or MappingError (bad mapping).

    `sha256` is the file's digest when the caller already has it (saves reading it again)."""
    started = _time.perf_counter()
    table = read_table(
        path, encoding=options.encoding, delimiter=options.delimiter, sheet=options.sheet
    )
    reader = _RowReader(table.columns, options)
    result = ImportResult(file=path.name, dry_run=dry_run)
    with db.engine.connect() as conn:
        trans = conn.begin()
        write_lock(conn)
        big = table.size_bytes > _BULK_BYTES
        parser: _InlineReader | _ProcessReader = (
            _ProcessReader(path, options, result, progress, table.size_bytes)
            if big
            else _InlineReader(table, reader, result, progress)
        )
        try:
            importer = _Importer(conn, result, options, now, today, reader)
            deferred = None
            if db.is_sqlite and big:
                # A transaction bigger than the page cache spills the same index pages to
                # the WAL over and over; this connection gets room for a big load (and gives
                # it back below, before it returns to the pool).
                conn.exec_driver_sql(f"PRAGMA cache_size=-{_IMPORT_CACHE_KIB}")
                if importer.empty:
                    deferred = DeferredIndexes(conn, [_inv, _pay])
            for chunk in parser.chunks():
                importer.apply(chunk)
            if deferred is not None:
                deferred.rebuild()
            if not dry_run:
                importer.audit(
                    "ledger.import",
                    "ledger",
                    path.name,
                    {
                        "sha256": sha256 or file_sha256(path),
                        "rows": result.rows,
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                        "bad": len(result.bad),
                        "payments": result.payments_added,
                    },
                )
            if dry_run:
                trans.rollback()
            else:
                trans.commit()
        except BaseException:
            trans.rollback()
            raise
        finally:
            parser.close()
            table.close()
            if db.is_sqlite and big:
                conn.exec_driver_sql(f"PRAGMA cache_size={SQLITE_CACHE_SIZE}")
    if not dry_run and (result.created or result.updated):
        db.analyze()  # the per-customer queries need to know customer_id is selective
    if progress is not None:
        progress(table.size_bytes, table.size_bytes)
    result.seconds = _time.perf_counter() - started
    return result
