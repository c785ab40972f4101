"""digest: the daily snapshot of receivables per currency and of the circle per team

Revision ID: 0007_digest
Revises: 0006_telegram
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_digest"
down_revision: str | None = "0006_telegram"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_invoice_issue_date", "invoice", ["issue_date"])
    op.create_table(
        "daily_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("bucket_bounds", sa.String(length=200), nullable=False),
        sa.Column("buckets_minor", sa.Text(), nullable=False),
        sa.Column("stages_minor", sa.Text(), nullable=True),
        sa.Column("open_count", sa.Integer(), nullable=False),
        sa.Column("outstanding_minor", sa.BigInteger(), nullable=False),
        sa.Column("overdue_minor", sa.BigInteger(), nullable=False),
        sa.Column("current_minor", sa.BigInteger(), nullable=False),
        sa.Column("credit_sales_30d_minor", sa.BigInteger(), nullable=False),
        sa.Column("dso", sa.String(length=40), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day", "currency", name="uq_daily_snapshot"),
    )
    op.create_table(
        "daily_circle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("team", sa.String(length=40), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("in_window", sa.Integer(), nullable=False),
        sa.Column("share", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day", "team", name="uq_daily_circle"),
    )


def downgrade() -> None:
    op.drop_table("daily_circle")
    op.drop_table("daily_snapshot")
    op.drop_index("ix_invoice_issue_date", table_name="invoice")
