"""Ledger import: an ERP export (CSV or XLSX) upserted into customers, invoices and payments.

The file is the source of truth for what it contains. Re-importing the same file changes
nothing; a changed amount or a new payment is applied and written to the audit trail. A bad
row is reported with its row number and reason, and the good rows still land. The whole
import is one transaction, so no row is ever half-applied; a dry run is the same import
rolled back at the end, which makes "what would change" exactly what would change.

Reading the file is in storage.ledger_files, checking its rows in storage.ledger_rows,
parsing them in a child process for big files in storage.ledger_process, writing the records
in storage.ledger_writer; this module runs an import from the file to the commit.
"""

from __future__ import annotations

import hashlib
import time as _time
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Connection

from storage.bulk import ledger_lock
from storage.db import Database
from storage.import_sqlite import SqliteBulkLoad
from storage.ledger_files import read_table
from storage.ledger_options import (
    FIELDS,
    SEGMENTS,
    BadRow,
    ImportOptions,
    ImportResult,
    MappingError,
    parse_map_arg,
)
from storage.ledger_process import InlineReader, ProcessReader, child_main
from storage.ledger_rows import Progress, Record, RowReader
from storage.ledger_writer import Importer, _inv, _pay

__all__ = [
    "FIELDS",
    "SEGMENTS",
    "BadRow",
    "ImportOptions",
    "ImportResult",
    "MappingError",
    "apply_records",
    "child_main",
    "file_sha256",
    "import_ledger",
    "parse_map_arg",
]

# The names this module had before the split, for callers that reach inside.
_RowReader = RowReader
_Record = Record
_Importer = Importer

# Above this size a file is parsed in a child process, and a SQLite connection is set up for
# a bulk load (storage.import_sqlite).
_BULK_BYTES = 4 << 20


def apply_records(
    conn: Connection,
    records: Sequence[Record],
    result: ImportResult,
    options: ImportOptions,
    *,
    now: datetime,
    today: date,
) -> None:
    """Upsert records already checked row by row, in the caller's transaction (the HTTP
    feed's pages: the caller holds the write lock and commits or rolls back)."""
    if records:
        Importer(conn, result, options, now, today, None).apply(records)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def import_ledger(
    db: Database,
    path: Path,
    options: ImportOptions,
    *,
    now: datetime,
    today: date,
    dry_run: bool = False,
    progress: Progress | None = None,
    sha256: str | None = None,
) -> ImportResult:
    """Import one file. Raises ParseError (unreadable file) or MappingError (bad mapping).

    `sha256` is the file's digest when the caller already has it (saves reading it again)."""
    started = _time.perf_counter()
    table = read_table(
        path, encoding=options.encoding, delimiter=options.delimiter, sheet=options.sheet
    )
    try:
        reader = RowReader(table.columns, options)
    except BaseException:
        table.close()
        raise
    result = ImportResult(file=path.name, dry_run=dry_run, columns=list(table.columns))
    with db.engine.connect() as conn:
        big = table.size_bytes > _BULK_BYTES
        bulk = SqliteBulkLoad(conn) if db.is_sqlite and big else None
        trans = conn.begin()
        parser: InlineReader | ProcessReader | None = None
        try:
            if bulk is not None:
                bulk.start()
            ledger_lock(conn)
            parser = (
                ProcessReader(path, options, result, progress, table.size_bytes)
                if big
                else InlineReader(table, reader, result, progress)
            )
            importer = Importer(conn, result, options, now, today, reader)
            if bulk is not None and importer.empty:
                bulk.defer([_inv, _pay])
            for chunk in parser.chunks():
                importer.apply(chunk)
            if bulk is not None:
                bulk.finish()
            if not dry_run:
                importer.audit(
                    "ledger.import",
                    "ledger",
                    path.name,
                    {
                        "sha256": sha256 or file_sha256(path),
                        "rows": result.rows,
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                        "bad": len(result.bad),
                        "payments": result.payments_added,
                    },
                )
            if dry_run:
                trans.rollback()
            else:
                trans.commit()
        except BaseException:
            trans.rollback()
            raise
        finally:
            if parser is not None:
                parser.close()
            table.close()
            if bulk is not None:
                bulk.restore()
    if not dry_run and (result.created or result.updated):
        db.analyze()  # the per-customer queries need to know customer_id is selective
    if progress is not None:
        progress(table.size_bytes, table.size_bytes)
    result.seconds = _time.perf_counter() - started
    return result
