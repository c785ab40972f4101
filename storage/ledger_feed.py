"""The HTTP ledger feed's writes: its pages applied in one transaction, its validators kept.

One transaction per feed run: every page fetched is applied, or (the database failed) none,
and the validators (ETag, Last-Modified) are saved in the same transaction, so a run that
did not land is fetched again in full next time. Within that, a page is whole or absent: a
malformed page is reported and none of it applied, a bad row is reported and the rest of its
page applied (the file import's rule). Invoices go through the file importer's upsert;
payments are added here, each once by the feed's own id (`feed_payment`, unique per source):
a page sent again pays nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from playbook.money import from_minor
from storage import audit
from storage.bulk import ledger_lock
from storage.db import Database
from storage.ledger import apply_records
from storage.ledger_cell import ParseError
from storage.ledger_feed_page import FeedPage, FeedProblem, PaymentRow, minor_of
from storage.ledger_options import ImportOptions, ImportResult
from storage.ledger_rows import Record
from storage.models import FeedPayment, Invoice, LedgerFeedState, Payment

_state = LedgerFeedState.__table__  # type: ignore[attr-defined]
_fpay = FeedPayment.__table__  # type: ignore[attr-defined]
_inv = Invoice.__table__  # type: ignore[attr-defined]
_pay = Payment.__table__  # type: ignore[attr-defined]
ACTOR = "ledger-feed"


@dataclass(frozen=True)
class Validators:
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class FeedResult:
    pages: int = 0
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    payments: int = 0  # added now
    payments_known: int = 0  # sent before: nothing to do
    problems: list[FeedProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.payments)

    def summary(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "payments": self.payments,
            "payments_known": self.payments_known,
            "bad": len(self.problems),
        }


def validators(db: Database, source: str) -> Validators:
    with db.engine.connect() as conn:
        row = conn.execute(
            select(_state.c.etag, _state.c.last_modified).where(_state.c.source == source)
        ).first()
    return Validators(row.etag, row.last_modified) if row is not None else Validators()


def _insert(conn: Connection) -> Any:
    return pg_insert if conn.dialect.name == "postgresql" else sqlite_insert


def _save_state(
    conn: Connection, source: str, now: datetime, found: Validators | None, changed: bool
) -> None:
    values: dict[str, Any] = {"checked_at": now}
    if found is not None:
        values.update(etag=found.etag, last_modified=found.last_modified)
    if changed:
        values["changed_at"] = now
    stmt = _insert(conn)(_state).values(source=source, **values)
    conn.execute(stmt.on_conflict_do_update(index_elements=["source"], set_=values))


def mark_checked(db: Database, source: str, now: datetime) -> None:
    """A 304: the feed has nothing new; only when it was last asked changes."""
    with db.engine.begin() as conn:
        _save_state(conn, source, now, None, changed=False)


def apply_feed(
    db: Database,
    source: str,
    pages: Sequence[FeedPage],
    options: ImportOptions,
    *,
    now: datetime,
    today: date,
    found: Validators | None,
) -> FeedResult:
    """Apply the pages' good rows in one transaction; `found` (None: the run was cut short,
    keep the old validators) is saved with them."""
    result = FeedResult(pages=len(pages))
    for page in pages:
        result.rows += page.rows
        result.problems += page.problems
    with db.engine.begin() as conn:
        ledger_lock(conn)
        for page in pages:
            tally = ImportResult(file=f"{source} page {page.number}")
            invoices = _below_paid(conn, page, result)
            apply_records(conn, invoices, tally, options, now=now, today=today)
            result.created += tally.created
            result.updated += tally.updated
            result.unchanged += tally.unchanged
            for row in page.payments:
                reason = _apply_payment(conn, source, row, now, result)
                if reason is not None:
                    result.problems.append(FeedProblem(page.number, "payment", row.index, reason))
        if result.changed:
            audit.append(
                conn,
                at=now,
                actor=ACTOR,
                action="ledger.feed",
                entity="ledger",
                entity_id=source,
                detail=result.summary(),
            )
        _save_state(conn, source, now, found, changed=result.changed)
    return result


def _below_paid(conn: Connection, page: FeedPage, result: FeedResult) -> list[Record]:
    """The page's invoices, less those whose new amount is below what was already paid on
    them (a feed invoice says nothing about payments, so that would be a negative balance)."""
    if not page.invoices:
        return []
    paid: dict[str, int] = dict(
        conn.execute(
            select(_inv.c.invoice_no, _inv.c.paid_minor).where(
                _inv.c.invoice_no.in_([r.invoice_no for r in page.invoices]),
                _inv.c.paid_minor != 0,
            )
        ).all()
    )
    kept = []
    for rec in page.invoices:
        before = paid.get(rec.invoice_no, 0)
        if before and (rec.amount_minor < before if before > 0 else rec.amount_minor > before):
            reason = (
                f"amount {from_minor(rec.amount_minor, rec.currency)} is less than the "
                f"{from_minor(before, rec.currency)} already paid on {rec.invoice_no}"
            )
            result.problems.append(FeedProblem(page.number, "invoice", rec.row, reason))
            continue
        kept.append(rec)
    return kept


def _lock_invoice(conn: Connection, invoice_no: str) -> Any:
    stmt = select(_inv).where(_inv.c.invoice_no == invoice_no)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return conn.execute(stmt).first()


def _apply_payment(
    conn: Connection, source: str, row: PaymentRow, now: datetime, result: FeedResult
) -> str | None:
    """Add one payment; the reason when it is a bad row, None when done (or known)."""
    inv = _lock_invoice(conn, row.invoice_no)
    # Known before the invoice is checked: a payment applied once stays applied, whatever
    # the invoice says now. The invoice's row lock orders two writers of the same payment.
    known = conn.execute(
        select(_fpay.c.id).where(_fpay.c.source == source, _fpay.c.ref == row.ref)
    ).first()
    if known is not None:
        result.payments_known += 1
        return None
    if inv is None:
        return f"no invoice {row.invoice_no!r} in the ledger"
    if row.currency is not None and row.currency != inv.currency:
        return f"paid in {row.currency} but invoice {inv.invoice_no} is in {inv.currency}"
    try:
        minor = minor_of(row, inv.currency)
    except ParseError as exc:
        return str(exc)
    if row.paid_on < inv.issue_date:
        return (
            f"paid on {row.paid_on}, before invoice {inv.invoice_no} was issued ({inv.issue_date})"
        )
    left = inv.amount_minor - inv.paid_minor
    if minor > left:
        return (
            f"pays {from_minor(minor, inv.currency)} {inv.currency} but only "
            f"{from_minor(max(left, 0), inv.currency)} is outstanding on {inv.invoice_no}"
        )
    if minor < 0 and -minor > inv.paid_minor:
        return f"reverses more than was paid on {inv.invoice_no}"
    paid = inv.paid_minor + minor
    values: dict[str, Any] = {"paid_minor": paid, "updated_at": now}
    if paid == inv.amount_minor:
        values.update(status="paid", settled_date=max(row.paid_on, inv.settled_date or row.paid_on))
    elif inv.status == "paid":
        values.update(status="open", settled_date=None)
    payment_id = conn.execute(
        _pay.insert()
        .values(
            invoice_id=inv.id,
            paid_on=row.paid_on,
            amount_minor=minor,
            dated=True,
            source="feed",
            created_at=now,
        )
        .returning(_pay.c.id)
    ).scalar_one()
    conn.execute(
        _fpay.insert().values(source=source, ref=row.ref, payment_id=payment_id, created_at=now)
    )
    conn.execute(update(_inv).where(_inv.c.id == inv.id).values(**values))
    audit.append(
        conn,
        at=now,
        actor=ACTOR,
        action="invoice.payment",
        entity="invoice",
        entity_id=inv.invoice_no,
        detail={
            "ref": row.ref,
            "amount_minor": minor,
            "currency": inv.currency,
            "paid_on": row.paid_on.isoformat(),
            "source": source,
            "status": values.get("status", inv.status),
        },
    )
    result.payments += 1
    return None
