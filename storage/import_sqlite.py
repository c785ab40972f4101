"""A big import into SQLite: the connection set up for a bulk load, and put back afterwards.

Everything here happens on the import's own connection and, apart from the two PRAGMAs that
SQLite only takes outside a transaction, inside the import's one transaction: a failed or
dry-run import rolls all of it back, and a crash loses nothing committed (the journal stays
WAL with synchronous=NORMAL, as for every connection; see storage.db).

- More page cache: a transaction bigger than the cache spills the same index pages to the
  WAL over and over. Sorts for the index builds stay in memory.
- Into an empty ledger, foreign keys are checked once at the end (PRAGMA foreign_key_check)
  instead of row by row: the importer hands out every id it writes, and the row-by-row
  check costs about a third of an invoice's insert. A violation still fails the import.
- Into an empty ledger, secondary indexes and the customer search index (FTS5, kept by
  triggers) are built once at the end: one sorted build costs far less than keeping them
  up to date row by row.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Table

from storage.bulk import DeferredIndexes
from storage.db import SQLITE_CACHE_SIZE

_IMPORT_CACHE_KIB = 256 * 1024  # 256 MiB, only while a big file is imported
# The customer search index (migration 0010): an external-content FTS5 table.
_FTS = "customer_fts"


def ledger_is_empty(conn: Connection) -> bool:
    return conn.exec_driver_sql("SELECT 1 FROM invoice LIMIT 1").first() is None


class SqliteBulkLoad:
    """Set up before the import's BEGIN (`start`), `finish` before COMMIT, `restore` after.

    `empty` is what the caller saw before taking the write lock; whether the ledger is
    still empty under the lock is the importer's own question (`defer`)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.unchecked = False
        self.indexes: DeferredIndexes | None = None
        self.triggers: list[str] = []

    def start(self) -> None:
        """Outside any transaction: PRAGMAs SQLite ignores inside one."""
        conn = self.conn
        conn.exec_driver_sql(f"PRAGMA cache_size=-{_IMPORT_CACHE_KIB}")
        conn.exec_driver_sql("PRAGMA temp_store=MEMORY")
        if ledger_is_empty(conn):
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            self.unchecked = True

    def defer(self, tables: Sequence[Table]) -> None:
        """In the import's transaction, into a ledger empty under the write lock."""
        conn = self.conn
        self.indexes = DeferredIndexes(conn, tables)
        rows = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name = 'customer' AND sql LIKE ?",
            (f"%{_FTS}%",),
        ).all()
        for name, sql in rows:
            conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
            self.triggers.append(sql)

    def finish(self) -> None:
        """In the import's transaction, before COMMIT: what was deferred, done once."""
        conn = self.conn
        if self.indexes is not None:
            self.indexes.rebuild()
            self.indexes = None
        if self.triggers:
            # Rebuilt from the customer table as it now is, whatever the import changed.
            conn.exec_driver_sql(f"INSERT INTO {_FTS}({_FTS}) VALUES ('rebuild')")
            for sql in self.triggers:
                conn.exec_driver_sql(sql)
            self.triggers = []
        if self.unchecked:
            for table in ("invoice", "payment"):
                bad = conn.exec_driver_sql(f"PRAGMA foreign_key_check({table})").first()
                if bad is not None:
                    raise RuntimeError(
                        f"the import would leave {table} row {bad[1]} pointing at no "
                        f"{bad[2]} row; nothing was imported"
                    )

    def restore(self) -> None:
        """After COMMIT or ROLLBACK, before the connection goes back to the pool."""
        self.conn.exec_driver_sql(f"PRAGMA cache_size={SQLITE_CACHE_SIZE}")
        self.conn.exec_driver_sql("PRAGMA temp_store=DEFAULT")
        if self.unchecked:
            self.conn.exec_driver_sql("PRAGMA foreign_keys=ON")
