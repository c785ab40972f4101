"""audit trail: signed entries (key_id), record versions, an index to find records without
an entry, and a baseline entry for circle records written before entries named them

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Until now circle entries named their case, not their record (`case`/7 for an input of case
# 7), so `audit verify` could not tell which input lacks an entry. Records up to these ids are
# older than that; the verify checks the newer ones exactly and the older ones as far as it can.
_RECORDS = {"seat": "seat", "input": "team_input", "promise": "promise", "decision": "decision"}


def _legacy_digest(prev: str, at: datetime, action: str, entity_id: str, detail: str) -> str:
    # storage.audit.legacy_digest, frozen here: a migration must not change with the code.
    stamp = at.replace(tzinfo=None).isoformat(timespec="microseconds")
    payload = "\x1f".join((prev, stamp, "migration", action, "audit", entity_id, detail))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _baseline() -> None:
    conn = op.get_bind()
    highest = {
        name: conn.execute(sa.text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar_one()
        for name, table in _RECORDS.items()
    }
    if not any(highest.values()):
        return  # nothing older than per-record entries: every record is checked
    at = datetime.now(UTC)
    detail = json.dumps({**highest, "at": at.isoformat()}, sort_keys=True, separators=(",", ":"))
    prev = (
        conn.execute(sa.text("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")).scalar()
        or "0" * 64
    )
    log = sa.table(
        "audit_log",
        *(
            sa.column(c)
            for c in ("at", "actor", "action", "entity", "entity_id", "detail", "prev_hash")
        ),
        sa.column("hash"),
    )
    conn.execute(
        log.insert().values(
            at=at,
            actor="migration",
            action="audit.baseline",
            entity="audit",
            entity_id="0004",
            detail=detail,
            prev_hash=prev,
            hash=_legacy_digest(prev, at, "audit.baseline", "0004", detail),
        )
    )


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))
        batch_op.create_index(
            "ix_audit_log_entity", ["entity", "entity_id", "version"], unique=False
        )
    _baseline()


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_entity")
        batch_op.drop_column("key_id")
        batch_op.drop_column("version")
