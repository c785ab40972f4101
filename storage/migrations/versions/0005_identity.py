"""one identity table: a person's ids on any messenger (person × messenger × external id)
instead of one column per platform in `person`

The ids already in `person` move to `identity` (the start-up sync then makes the table equal
to config.yaml, with an audit entry for each change); the per-platform columns go.

Revision ID: 0005_identity
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005_identity"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns of `person` before this revision, by the messenger they hold ids for (frozen
# here: a migration must not change with the code).
_COLUMNS = {
    "slack": ("slack_id", 40),
    "telegram": ("telegram_id", 40),
    "wecom": ("wecom_id", 80),
    "feishu": ("feishu_id", 80),
    "dingtalk": ("dingtalk_id", 80),
}
_INDEXED = ("slack_id", "telegram_id")


def _identity() -> sa.TableClause:
    return sa.table(
        "identity",
        sa.column("person"),
        sa.column("messenger"),
        sa.column("external_id"),
        sa.column("updated_at"),
    )


def _move_ids() -> None:
    conn = op.get_bind()
    cols = ", ".join(column for column, _ in _COLUMNS.values())
    rows = conn.execute(sa.text(f"SELECT key, {cols} FROM person WHERE active ORDER BY id")).all()
    now = datetime.now(UTC)
    taken: set[tuple[str, str]] = set()
    values = []
    for row in rows:
        for messenger, (column, _) in _COLUMNS.items():
            external = getattr(row, column)
            # An id two old rows shared (nothing refused it before) goes to the first; the
            # start-up sync then gives it to whoever config.yaml says.
            if not external or (messenger, external) in taken:
                continue
            taken.add((messenger, external))
            values.append(
                {
                    "person": row.key,
                    "messenger": messenger,
                    "external_id": external,
                    "updated_at": now,
                }
            )
    if values:
        conn.execute(_identity().insert(), values)


def upgrade() -> None:
    op.create_table(
        "identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(length=80), nullable=False),
        sa.Column("messenger", sa.String(length=40), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("messenger", "external_id", name="uq_identity_external"),
        sa.UniqueConstraint("person", "messenger", name="uq_identity_person_messenger"),
    )
    with op.batch_alter_table("identity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identity_person"), ["person"], unique=False)
    _move_ids()
    with op.batch_alter_table("person", schema=None) as batch_op:
        for column in _INDEXED:
            batch_op.drop_index(batch_op.f(f"ix_person_{column}"))
        for column, _ in _COLUMNS.values():
            batch_op.drop_column(column)


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        for column, length in _COLUMNS.values():
            batch_op.add_column(sa.Column(column, sa.String(length=length), nullable=True))
        for column in _INDEXED:
            batch_op.create_index(batch_op.f(f"ix_person_{column}"), [column], unique=False)
    conn = op.get_bind()
    person = sa.table("person", sa.column("key"), *(sa.column(c) for c, _ in _COLUMNS.values()))
    ident = _identity()
    for messenger, (column, length) in _COLUMNS.items():
        rows = conn.execute(
            sa.select(ident.c.person, ident.c.external_id).where(ident.c.messenger == messenger)
        ).all()
        for row in rows:
            if len(row.external_id) <= length:
                conn.execute(
                    person.update()
                    .where(person.c.key == row.person)
                    .values({column: row.external_id})
                )
    with op.batch_alter_table("identity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_person"))
    op.drop_table("identity")
