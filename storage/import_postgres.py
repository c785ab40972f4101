"""A re-import into PostgreSQL: a chunk's changed and new invoices in one statement.

The importer still reads the chunk's existing invoices and decides in Python what changes
(the audit trail and the payments need the old values, and PostgreSQL 15 cannot return
them from an upsert); this writes the outcome. The rows are COPYed into a temporary
staging table, then one INSERT … SELECT … ON CONFLICT (invoice_no) DO UPDATE stores them:
a new invoice is inserted, a changed one gets every column the importer decided on plus
updated_at, and keeps its id, source, created_at and write-off day, as the row-by-row
UPDATE it replaces did.

A chunk of new invoices only (a first import, or new ones appended) does not come here: a
COPY straight into the table is faster than one into the staging table and a second pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table

from storage.bulk import BulkInsert

_STAGE = "ledger_invoice_stage"


class InvoiceUpsert:
    def __init__(
        self,
        conn: Connection,
        table: Table,
        columns: Sequence[str],
        constants: Mapping[str, Any],
    ) -> None:
        """`columns` start with id and invoice_no; the rest are what an update sets."""
        self.conn = conn
        # Dropped with the transaction, however it ends; made once for every chunk of it.
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} "
            f"(LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        self.copy = BulkInsert(conn, table, columns, constants=constants, into=_STAGE)
        every = ", ".join([*columns, *constants])
        kept = [c for c in columns if c not in ("id", "invoice_no")] + ["updated_at"]
        self.sql = (
            f"INSERT INTO {table.name} ({every}) SELECT {every} FROM {_STAGE} "
            "ON CONFLICT (invoice_no) DO UPDATE SET "
            + ", ".join(f"{c} = EXCLUDED.{c}" for c in kept)
        )

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        """Rows in `columns` order: new ones with fresh ids, changed ones with their own."""
        if not rows:
            return
        self.conn.exec_driver_sql(f"TRUNCATE {_STAGE}")
        self.copy.run(rows)
        self.conn.exec_driver_sql(self.sql)
