"""customer search: casefolded name and code indexes, and a trigram index for substrings
(SQLite FTS5 trigram, PostgreSQL pg_trgm)

Revision ID: 0010_customer_search
Revises: 0009_contact_interest
Create Date: 2026-11-28
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_customer_search"
down_revision: str | None = "0009_contact_interest"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger(__name__)

# An external-content FTS5 table over customer(name, code), kept by triggers. A later
# migration that rebuilds `customer` in batch mode must drop and recreate these.
_SQLITE_FTS = (
    "CREATE VIRTUAL TABLE customer_fts USING fts5("
    "name, code, content='customer', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER customer_fts_ai AFTER INSERT ON customer BEGIN "
    "INSERT INTO customer_fts(rowid, name, code) VALUES (new.id, new.name, new.code); END",
    "CREATE TRIGGER customer_fts_ad AFTER DELETE ON customer BEGIN "
    "INSERT INTO customer_fts(customer_fts, rowid, name, code) "
    "VALUES ('delete', old.id, old.name, old.code); END",
    "CREATE TRIGGER customer_fts_au AFTER UPDATE OF name, code ON customer BEGIN "
    "INSERT INTO customer_fts(customer_fts, rowid, name, code) "
    "VALUES ('delete', old.id, old.name, old.code); "
    "INSERT INTO customer_fts(rowid, name, code) VALUES (new.id, new.name, new.code); END",
    "INSERT INTO customer_fts(customer_fts) VALUES ('rebuild')",
)


def upgrade() -> None:
    op.create_index("ix_customer_name_lower", "customer", [sa.text("lower(name)")])
    op.create_index("ix_customer_code_lower", "customer", [sa.text("lower(code)")])
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in _SQLITE_FTS:
            op.execute(statement)
        return
    if bind.dialect.name != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+), but a locked-down role may still be
    # refused: then substring searches scan, and `arcircle doctor` can tell. It goes in
    # `public` so that a schema dropped later (tests run in schemas of their own) never
    # takes the extension with it.
    try:
        with bind.begin_nested():
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
    except sa.exc.DBAPIError as exc:
        log.warning("pg_trgm unavailable (%s): customer substring search will scan", exc)
        return
    # Where it lives: public, unless someone installed it elsewhere before us.
    schema = bind.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
        )
    ).scalar_one()
    op.execute(
        "CREATE INDEX ix_customer_name_trgm ON customer "
        f'USING gin (lower(name) "{schema}".gin_trgm_ops)'
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("customer_fts_ai", "customer_fts_ad", "customer_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS customer_fts")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_customer_name_trgm")
    op.drop_index("ix_customer_code_lower", "customer")
    op.drop_index("ix_customer_name_lower", "customer")
