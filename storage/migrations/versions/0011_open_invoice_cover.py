"""a partial index of open invoices that covers what /ar overdue counts, totals and ranks,
and customers by status

Revision ID: 0011_open_invoice_cover
Revises: 0010_customer_search
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_open_invoice_cover"
down_revision: str | None = "0010_customer_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Only open invoices (a sixth of a mature ledger), so imports pay little for it. Queries reach
# it by writing status = 'open' as a literal (storage.overdue_page): a bound parameter cannot
# prove a partial index applies, which keeps every other query on the indexes it used before.
COVER = [
    "due_date", "currency", "amount_minor", "paid_minor", "disputed", "customer_id",
    "issue_date", "owner", "invoice_no",
]  # fmt: skip
WHERE = sa.text("status = 'open'")


def upgrade() -> None:
    # The few insolvent and dissolved customers, read before every ranking.
    op.create_index("ix_customer_status", "customer", ["status"])
    op.create_index(
        "ix_invoice_overdue_cover", "invoice", COVER, sqlite_where=WHERE, postgresql_where=WHERE
    )


def downgrade() -> None:
    op.drop_index("ix_invoice_overdue_cover", table_name="invoice")
    op.drop_index("ix_customer_status", table_name="customer")
