"""outbox lanes: which replica delivers each destination's rows

Revision ID: 0012_outbox_lanes
Revises: 0011_open_invoice_cover
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_outbox_lanes"
down_revision: str | None = "0011_open_invoice_cover"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_lane",
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("destination", sa.String(length=120), nullable=False),
        sa.Column("holder", sa.String(length=80), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "destination"),
    )


def downgrade() -> None:
    op.drop_table("outbox_lane")
