"""telegram: the polling offset, inline keyboard buttons and guided forms in progress

Revision ID: 0006_telegram
Revises: 0005_identity
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_telegram"
down_revision: str | None = "0005_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "telegram_offset",
        sa.Column("bot", sa.String(length=40), nullable=False),
        sa.Column("last_update_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bot"),
    )
    op.create_table(
        "telegram_button",
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("command", sa.Text(), nullable=True),
        sa.Column("form_key", sa.String(length=200), nullable=True),
        sa.Column("chat", sa.String(length=40), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token"),
    )
    op.create_index("ix_telegram_button_message", "telegram_button", ["chat", "message_id"])
    op.create_index(
        op.f("ix_telegram_button_created_at"), "telegram_button", ["created_at"], unique=False
    )
    op.create_table(
        "telegram_form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("form_key", sa.String(length=200), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("prompt_id", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat", "user_id", name="uq_telegram_form"),
    )


def downgrade() -> None:
    op.drop_table("telegram_form")
    op.drop_index(op.f("ix_telegram_button_created_at"), table_name="telegram_button")
    op.drop_index("ix_telegram_button_message", table_name="telegram_button")
    op.drop_table("telegram_button")
    op.drop_table("telegram_offset")
