"""The ledger importer's writer: checked records upserted into customers, invoices, payments.

storage.ledger drives an import (the file, the transaction, the reader process); this is
what it does with each chunk of records. New rows go in by one bulk insert per table (COPY
on PostgreSQL); a re-import compares each invoice with what is stored and writes, audits and
notes only what changed (on PostgreSQL one upsert per chunk, storage.import_postgres).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select

from playbook.money import from_minor
from storage import audit
from storage.bulk import BulkInsert, Ids
from storage.import_postgres import InvoiceUpsert
from storage.ledger_facts import FACT_COLUMNS as _FACTS
from storage.ledger_facts import changes_json as _plain
from storage.ledger_facts import differs as _differs
from storage.ledger_facts import row_facts as _row_facts
from storage.ledger_facts import says_facts as _says_facts
from storage.ledger_options import ImportOptions, ImportResult
from storage.ledger_rows import Record, RowReader
from storage.models import Customer, Invoice, Payment

_CUSTOMER_COLS = (
    "id",
    "code",
    "name",
    "segment",
    "owner",
    "relationship_since",
    "contact_name",
    "contact_title",
    "credit_limit_minor",
    "credit_currency",
)

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
    "interest_per_day",
)
_PAYMENT_COLS = ("invoice_id", "paid_on", "amount_minor", "dated")

_inv = Invoice.__table__  # type: ignore[attr-defined]
_cus = Customer.__table__  # type: ignore[attr-defined]
_pay = Payment.__table__  # type: ignore[attr-defined]
# What a re-import compares an invoice on: reading the time stamps too would convert two
# datetimes a row for nothing.
_COMPARED = [
    _inv.c.id,
    *(_inv.c[c] for c in _INVOICE_COLS[1:] if c != "invoice_no"),
    _inv.c.invoice_no,
]


def _fmt(minor: int, currency: str) -> str:
    return f"{from_minor(minor, currency)} {currency}"


class Importer:
    def __init__(
        self,
        conn: Connection,
        result: ImportResult,
        options: ImportOptions,
        now: datetime,
        today: date,
        reader: RowReader | None,
    ) -> None:
        self.conn = conn
        self.result = result
        self.options = options
        self.now = now
        self.today = today
        self.reader = reader
        # code → (id, name, segment, owner); code → {fact column: value}
        self.customers: dict[str, tuple[int, str, str, str | None]] = {}
        self.facts: dict[str, dict[str, Any]] = {}
        for r in conn.execute(
            select(_cus.c.id, _cus.c.code, _cus.c.name, _cus.c.segment, _cus.c.owner).add_columns(
                *(_cus.c[c] for c in _FACTS)
            )
        ):
            self.customers[r.code] = (r.id, r.name, r.segment, r.owner)
            self.facts[r.code] = {c: r._mapping[c] for c in _FACTS}
        # Into an empty ledger every row is new: no need to look for the invoice first.
        self.empty = conn.execute(select(_inv.c.id).limit(1)).first() is None
        self.insert_customers = BulkInsert(
            conn,
            _cus,
            _CUSTOMER_COLS,
            constants={"on_hold": False, "status": "active", "created_at": now, "updated_at": now},
        )
        stamps = {"source": result.file[:300], "created_at": now, "updated_at": now}
        self.insert_invoices = BulkInsert(conn, _inv, _INVOICE_COLS, constants=stamps)
        # PostgreSQL, a re-import: new and changed invoices in one upsert per chunk.
        self.upsert: InvoiceUpsert | None = None
        if conn.dialect.name == "postgresql" and not self.empty:
            self.upsert = InvoiceUpsert(conn, _inv, _INVOICE_COLS, stamps)
        self.staged: list[tuple[Any, ...]] = []
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

    def ensure_customers(self, records: Sequence[Record]) -> None:
        fresh: dict[str, tuple[Any, ...]] = {}
        customers = self.customers
        for rec in records:
            known = customers.get(rec.customer)
            # Most rows name a customer already known, as it is known: nothing to do.
            if (
                known is not None
                and (not rec.customer_name or rec.customer_name == known[1])
                and (not rec.segment or rec.segment == known[2])
                and not _says_facts(rec)
            ):
                continue
            if known is None:
                if rec.customer not in fresh:
                    fresh[rec.customer] = (
                        (rec.customer_name or rec.customer)[:300],
                        rec.segment or "normal",
                        rec.owner,
                        *(None for _ in _FACTS),
                    )
                if _says_facts(rec):
                    first = fresh[rec.customer]
                    facts = _row_facts(rec, dict(zip(_FACTS, first[3:], strict=True)))
                    fresh[rec.customer] = (*first[:3], *(facts[c] for c in _FACTS))
                continue
            cid, name, segment, owner = known
            changes: dict[str, list[Any]] = {}
            if rec.customer_name and rec.customer_name != name:
                changes["name"] = [name, rec.customer_name]
            if rec.segment and rec.segment != segment:
                changes["segment"] = [segment, rec.segment]
            if _says_facts(rec):
                old_facts = self.facts.setdefault(rec.customer, dict.fromkeys(_FACTS))
                new_facts = _row_facts(rec, old_facts)
                for c in _FACTS:
                    if new_facts[c] != old_facts[c]:
                        changes[c] = [old_facts[c], new_facts[c]]
                self.facts[rec.customer] = new_facts
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
                    {"row": rec.row, "changes": _plain(changes)},
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
            for cid, code, name, segment, owner, *said in rows:
                self.customers[code] = (cid, name, segment, owner)
                self.facts[code] = dict(zip(_FACTS, said, strict=True))
            self.result.customers_created += len(fresh)

    # -- invoices -------------------------------------------------------------------------

    def _payment_date(self, rec: Record, outstanding: int) -> tuple[date, bool]:
        if outstanding == 0 and rec.settled_date is not None:
            return rec.settled_date, True
        return self._undated_day(rec), False

    def _undated_day(self, rec: Record) -> date:
        # --balances-as-of: the file's paid figures stand as of that day, so a payment it
        # does not date is dated that day (never before its invoice was issued), not today.
        as_of = self.options.balances_as_of
        return self.today if as_of is None else max(as_of, rec.issue_date)

    def apply(self, records: Sequence[Record]) -> None:
        self.ensure_customers(records)
        existing = (
            {}
            if self.empty
            else {
                r.invoice_no: r
                for r in self.conn.execute(
                    select(*_COMPARED).where(_inv.c.invoice_no.in_([r.invoice_no for r in records]))
                )
            }
        )
        new_rows: list[tuple[Any, ...]] = []
        new_records: list[Record] = []
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
            rows = [(inv_id, *row) for inv_id, row in zip(ids, new_rows, strict=True)]
            if self.staged:
                self.staged.extend(rows)  # one upsert for the chunk's changed and new ones
            else:
                self.insert_invoices.run(rows)  # only new ones: straight in is faster
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
        if self.upsert is not None and self.staged:
            self.upsert.write(self.staged)  # before the payments that point at them
            self.staged = []
        if payments:
            self.insert_payments.run(payments)
            self.result.payments_added += len(payments)

    def _new_row(self, rec: Record) -> tuple[Any, ...]:
        paid = rec.paid_minor or 0
        outstanding = rec.amount_minor - paid
        settled = None
        if outstanding == 0:
            settled = rec.settled_date or self._undated_day(rec)
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
            rec.interest_per_day,
        )

    def _update(self, rec: Record, old: Any, payments: list[tuple[Any, ...]]) -> None:
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
        if rec.interest_per_day is not None:
            target["interest_per_day"] = rec.interest_per_day
        paid = old.paid_minor if rec.paid_minor is None else rec.paid_minor
        target["paid_minor"] = paid
        outstanding = rec.amount_minor - paid
        if outstanding == 0:
            target["settled_date"] = rec.settled_date or old.settled_date or self._undated_day(rec)
            target["status"] = "paid"
        else:
            target["settled_date"] = None
            target["status"] = "written_off" if old.status == "written_off" else "open"
        was = old._mapping  # a property that builds a new mapping on every access
        # Equal values never differ; only unequal ones need the careful look (a rate).
        changes = {k: [o, v] for k, v in target.items() if (o := was[k]) != v and _differs(o, v)}
        if not changes:
            self.result.unchanged += 1
            return
        delta = paid - old.paid_minor
        detail: dict[str, Any] = {
            "invoice_no": rec.invoice_no,
            "row": rec.row,
            "file": self.result.file,
            "changes": _plain(changes),
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
        if self.upsert is not None:
            # Every column the upsert sets: what the file decided, else what the row has.
            rest = (target[c] if c in target else was[c] for c in _INVOICE_COLS[2:])
            self.staged.append((old.id, rec.invoice_no, *rest))
        else:
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
