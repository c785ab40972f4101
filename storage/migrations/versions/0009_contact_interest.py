"""contact and contract interest per customer, interest per invoice, acknowledgements of
debt

Revision ID: 0009_contact_interest
Revises: 0008_ledger_feed
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_contact_interest"
down_revision: str | None = "0008_ledger_feed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE, not batch mode: recreating `customer` on SQLite would trip the
    # foreign keys that point at it (SQLite 3.35+ adds and drops columns in place).
    op.add_column("customer", sa.Column("contact_name", sa.String(length=80), nullable=True))
    op.add_column("customer", sa.Column("contact_title", sa.String(length=40), nullable=True))
    op.add_column("customer", sa.Column("interest_per_day", sa.Numeric(12, 8), nullable=True))
    op.add_column("invoice", sa.Column("interest_per_day", sa.Numeric(12, 8), nullable=True))
    op.create_table(
        "acknowledgement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoice.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_acknowledgement_customer_on", "acknowledgement", ["customer_id", "on_date"])
    op.create_index("ix_promise_customer_made", "promise", ["customer_id", "made_at"])


def downgrade() -> None:
    op.drop_index("ix_promise_customer_made", table_name="promise")
    op.drop_index("ix_acknowledgement_customer_on", table_name="acknowledgement")
    op.drop_table("acknowledgement")
    op.drop_column("invoice", "interest_per_day")
    op.drop_column("customer", "interest_per_day")
    op.drop_column("customer", "contact_title")
    op.drop_column("customer", "contact_name")
