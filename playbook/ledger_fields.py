"""The fields a ledger row may carry: what the importer reads and what config may map."""

from __future__ import annotations

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
